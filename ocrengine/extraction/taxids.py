"""Tax identifiers recognised by their format: EU VAT ids, China's unified social credit
code (统一社会信用代码), India's GSTIN."""

from __future__ import annotations

import re

from ocrengine.extraction.normalize import clean_text

_EU_PREFIXES = (
    "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|GB|XI|CHE"
)
# The body starts with a digit, or one letter then digits (ATU..., ESB..., IE1234567A), or
# the UK's GD/HA: "SIRET 412..." is a word, not Slovenia's SI.
_EU_VAT = re.compile(
    rf"(?<![A-Za-z0-9])({_EU_PREFIXES})[\s-]?(?=\d|[A-Z][\s.]?\d|(?:GD|HA)\d)"
    r"((?:[0-9A-Z][\s.]?){7,12}[0-9A-Z])"
)
# 统一社会信用代码: 18 chars from a 31-symbol alphabet (no I, O, Z, S, V), digits 3-8 are
# the region code. Old 税号 were 15 or 20 chars.
CN_USCC = re.compile(
    r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])"
)
CN_LEGACY = re.compile(r"(?<![0-9A-Z])(\d{15}|\d{17}[0-9X]|\d{20})(?![0-9A-Z])")
_GSTIN = re.compile(r"(?<![0-9A-Z])(\d{2}[A-Z]{5}\d{4}[A-Z][0-9A-Z]Z[0-9A-Z])(?![0-9A-Z])")
_EU_LENGTHS = {
    "AT": (9,),
    "BE": (10,),
    "DE": (9,),
    "FR": (11,),
    "NL": (12,),
    "IT": (11,),
    "ES": (9,),
    "GB": (9, 12),
    "LU": (8,),
    "PL": (10,),
    "DK": (8,),
    "FI": (8,),
    "SE": (12,),
    "IE": (8, 9),
    "PT": (9,),
    "CHE": (9,),
}


def compact(tax_id: str) -> str:
    return re.sub(r"[\s.\-]", "", tax_id).upper()


def is_eu_vat(tax_id: str) -> bool:
    match = _EU_VAT.fullmatch(compact(tax_id))
    if not match:
        return False
    body = compact(match[2])
    lengths = _EU_LENGTHS.get(match[1])
    digits = sum(ch.isdigit() for ch in body)
    return (len(body) in lengths if lengths else 8 <= len(body) <= 12) and digits >= len(body) - 3


def is_cn_tax_id(tax_id: str) -> bool:
    value = compact(tax_id)
    return bool(CN_USCC.fullmatch(value) or CN_LEGACY.fullmatch(value))


def is_valid_tax_id(tax_id: str) -> bool:
    """A known format: an EU VAT id, a Chinese tax id, a GSTIN, or a national id whose check
    digits hold (`tax_id_checksum` tells a well-formed EU id with failing digits apart)."""
    if tax_id_checksum(tax_id) and not re.fullmatch(rf"(?:{_EU_PREFIXES})\w+", compact(tax_id)):
        return True
    return is_eu_vat(tax_id) or is_cn_tax_id(tax_id) or bool(_GSTIN.fullmatch(compact(tax_id)))


# A value read after a tax-id label ("NIP: 526-104-08-28", "Org.nr 556036-0793"): the label
# says what it is, so bare digits count here.
_LABELLED_ID = re.compile(
    r"^[\s:#.№°ºno]*([A-Z]{0,3}[\s-]?\d[\d\s./-]{5,22}\d[A-Z]?)(?![\dA-Za-z])"
)
# A word or two may stand between the label and its id ("NIF cliente: A58818501", "NIP
# nabywcy: ..."), ending with a colon.
_QUALIFIER = re.compile(r"^\s*[^\W\d_]{2,20}(?:\s+[^\W\d_]{2,20})?\s*:")


def find_labelled_tax_id(region: str) -> str | None:
    """The id at the start of the text after a tax-id label, compacted; None without one."""
    region = clean_text(region)
    match = _LABELLED_ID.match(region)
    qualified = None if match else _QUALIFIER.match(region)
    if qualified:
        match = _LABELLED_ID.match(region[qualified.end() :])
    if not match:
        return None
    value = re.sub(r"[^0-9A-Z]", "", match[1].upper())
    if re.match(rf"(?:{_EU_PREFIXES})\d", value) and not is_eu_vat(value):
        return None  # an EU VAT id has a format of its own; this one is misread
    return value if sum(ch.isdigit() for ch in value) >= 7 else None


def find_tax_ids(text: str) -> list[str]:
    """Tax ids in `text`, compacted (no spaces or dots), in order of appearance."""
    text = clean_text(text)
    found: list[tuple[int, str]] = []
    for match in _EU_VAT.finditer(text):
        # Grow shorter: "DE 232 446 240 Amtsgericht" may over-read into the next word.
        raw = compact(match.group(0))
        for end in range(len(raw), 9, -1):
            if is_eu_vat(raw[:end]):
                found.append((match.start(), raw[:end]))
                break
    for pattern in (CN_USCC, _GSTIN):
        found.extend((m.start(), m.group(1)) for m in pattern.finditer(text))
    seen: list[str] = []
    for _, value in sorted(found):
        if value not in seen:
            seen.append(value)
    return seen


# National tax and company ids, each behind its printed prefix ("NIP", "CNPJ", "登録番号"):
# bare digits are too common to take for a tax id without one. A checksum where the country
# defines one tells a real id from a misread or a phone number.
_NATIONAL = re.compile(
    r"(?:(?P<nip>\bNIP(?:\s*UE)?)|(?P<piva>\bP\.?\s?IVA|\bpartita\s+iva|\bVAT\s*IT)"
    r"|(?P<nif>\bN\.?I\.?F\.?(?:\s*/\s*C\.?I\.?F\.?)?|\bC\.?I\.?F\.?|\bNIPC|\bcontribuinte)"
    r"|(?P<cnpj>\bCNPJ|\bCPF)|(?P<ico>\bIČO?|\bDIČ|\bICO|\bDIC)"
    r"|(?P<org>\borg(?:anisations)?\.?\s*-?\s*nr|\bmomsreg(?:istrerings)?\.?\s*-?\s*nr)"
    r"|(?P<jp>登録番号))"
    r"(?:\s*(?:no|nr|n[º°o]|nummer|number|\.|:|#)\s*)*\s*"
    r"(?P<value>[A-Z]{0,2}[\s-]?[\dA-Z](?:[\d\s./-]{0,22}\d)?[A-Z]?(?![a-z]))",
    re.IGNORECASE,
)
_JP_REG = re.compile(r"(?<![0-9A-Z])T\s?-?(\d{13})(?!\d)")
_CNPJ = re.compile(r"(?<!\d)\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}(?!\d)")


def _digits(value: str) -> list[int]:
    return [int(ch) for ch in value if ch.isdigit()]


def _weighted_mod11(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11


def luhn_ok(number: str) -> bool:
    digits = _digits(number)[::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return bool(digits) and total % 10 == 0


def _pl_nip(d: list[int]) -> bool:
    return len(d) == 10 and _weighted_mod11(d, (6, 5, 7, 2, 3, 4, 5, 6, 7)) == d[9]


def _it_piva(d: list[int]) -> bool:
    return len(d) == 11 and luhn_ok("".join(map(str, d)))


def _pt_nif(d: list[int]) -> bool:
    if len(d) != 9:
        return False
    check = 11 - sum(v * w for v, w in zip(d, range(9, 1, -1), strict=False)) % 11
    return (0 if check >= 10 else check) == d[8]


def _br_cnpj(d: list[int]) -> bool:
    if len(d) != 14 or len(set(d)) == 1:
        return False
    for size in (12, 13):
        weights = [*range(size - 7, 1, -1), *range(9, 1, -1)]
        remainder = sum(v * w for v, w in zip(d, weights, strict=False)) % 11
        if (0 if remainder < 2 else 11 - remainder) != d[size]:
            return False
    return True


def _br_cpf(d: list[int]) -> bool:
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for size in (9, 10):
        total = sum(v * w for v, w in zip(d, range(size + 1, 1, -1), strict=False))
        if (total * 10 % 11) % 10 != d[size]:
            return False
    return True


def _cz_ico(d: list[int]) -> bool:
    if len(d) != 8:
        return False
    remainder = sum(v * w for v, w in zip(d, range(8, 1, -1), strict=False)) % 11
    return (11 - remainder) % 10 == d[7]


def _jp_corporate(d: list[int]) -> bool:
    # The check digit leads: 9 - (sum of the 12 digits, weighted 1,2,1,2... from the right) % 9.
    if len(d) != 13:
        return False
    body = d[1:][::-1]
    total = sum(v * (1 if i % 2 == 0 else 2) for i, v in enumerate(body))
    return 9 - total % 9 == d[0]


_ES_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _es_nif(value: str) -> bool:
    """DNI (8 digits + letter), NIE (X/Y/Z + 7 digits + letter) or CIF (letter + 7 + check)."""
    value = value.upper()
    if re.fullmatch(r"[XYZ]?\d{7,8}[A-Z]", value):
        number = value[:-1]
        if number[0] in "XYZ":
            number = str("XYZ".index(number[0])) + number[1:]
        return len(number) == 8 and _ES_LETTERS[int(number) % 23] == value[-1]
    if re.fullmatch(r"[ABCDEFGHJKLMNPQRSUVW]\d{7}[0-9A-J]", value):
        digits = [int(ch) for ch in value[1:8]]
        odd = sum(sum(divmod(v * 2, 10)) for v in digits[::2])
        control = (10 - (sum(digits[1::2]) + odd) % 10) % 10
        return value[-1] in (str(control), "JABCDEFGHI"[control])
    return False


def _de_vat(d: list[int]) -> bool:
    # ISO 7064 MOD 11,10 over the 9 digits.
    if len(d) != 9 or d[0] == 0:
        return False
    product = 10
    for digit in d[:8]:
        total = (digit + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == d[8]


def _fr_vat(body: str) -> bool:
    if not re.fullmatch(r"\d{11}", body):
        return bool(re.fullmatch(r"[0-9A-Z]{2}\d{9}", body))  # the newer alphanumeric keys
    return int(body[:2]) == (12 + 3 * (int(body[2:]) % 97)) % 97


def _nl_vat(body: str) -> bool:
    match = re.fullmatch(r"(\d{9})B\d{2}", body)
    if not match:
        return False
    d = _digits(match[1])
    if sum(v * w for v, w in zip(d, range(9, 1, -1), strict=False)) % 11 == d[8]:
        return True
    # Since 2020 sole traders' ids are checked by ISO 7064 mod 97 over "NL" + the id.
    numeric = "".join(str(ord(ch) - 55) if ch.isalpha() else ch for ch in "NL" + body)
    return int(numeric) % 97 == 1


def _be_vat(d: list[int]) -> bool:
    if len(d) != 10:
        return False
    number = int("".join(map(str, d)))
    return 97 - (number // 100) % 97 == number % 100


def _se_vat(body: str) -> bool:
    return bool(re.fullmatch(r"\d{10}01", body)) and luhn_ok(body[:10])


_EU_CHECKS = {
    "PL": lambda b: _pl_nip(_digits(b)),
    "IT": lambda b: _it_piva(_digits(b)),
    "PT": lambda b: _pt_nif(_digits(b)),
    "ES": _es_nif,
    "DE": lambda b: _de_vat(_digits(b)),
    "FR": _fr_vat,
    "NL": _nl_vat,
    "BE": lambda b: _be_vat(_digits(b)),
    "SE": _se_vat,
    "CZ": lambda b: len(b) != 8 or _cz_ico(_digits(b)),  # 9-10 digits: a birth number
}


def tax_id_checksum(tax_id: str) -> bool | None:
    """True when `tax_id`'s check digits hold, False when they fail, None when its country
    defines none we know (or the id is not one we can tell the country of)."""
    value = compact(tax_id).replace("/", "")
    match = re.fullmatch(rf"({_EU_PREFIXES}|T)([0-9A-Z]+)", value)
    if match and match[1] == "T":
        return _jp_corporate(_digits(match[2])) if len(match[2]) == 13 else None
    if match and match[1] in _EU_CHECKS:
        return bool(_EU_CHECKS[match[1]](match[2]))
    if match:
        return None
    digits = _digits(value)
    if value.isdigit():
        checks = _BARE_CHECKS.get(len(digits))
        return any(check(digits) for check in checks) if checks else None
    if re.fullmatch(r"[A-Z0-9]\d{7}[A-Z0-9]", value):
        return _es_nif(value)
    return None


def _se_org(d: list[int]) -> bool:
    return len(d) == 10 and luhn_ok("".join(map(str, d)))


# Bare digits by length, when the prefix that printed them is not known.
_BARE_CHECKS = {
    10: (_pl_nip, _se_org),
    11: (_it_piva, _br_cpf),
    9: (_pt_nif,),
    14: (_br_cnpj,),
    8: (_cz_ico,),
}
# By the prefix printed before the digits.
_PREFIX_CHECKS = {
    "nip": (_pl_nip,),
    "piva": (_it_piva,),
    "nif": (_pt_nif,),
    "cnpj": (_br_cnpj, _br_cpf),
    "ico": (_cz_ico,),
    "org": (_se_org,),
}


def _prefixed_checksum(kind: str, value: str) -> bool | None:
    if not value.isdigit() or kind not in _PREFIX_CHECKS:
        return tax_id_checksum(value)
    return any(check(_digits(value)) for check in _PREFIX_CHECKS[kind])


def labelled_checksum(label: str, value: str) -> bool | None:
    """`value`'s checksum by the country its label names ("NIP" → Poland), else by its own
    form: ten bare digits are a Polish NIP or a Swedish org.nr, and only the label tells."""
    for found, ok in national_tax_ids(f"{label} {value}"):
        if found == value:
            return ok
    return tax_id_checksum(value)


_KIND_COUNTRY = {"nip": "PL", "piva": "IT", "cnpj": "BR", "ico": "CZ", "org": "SE", "jp": "JP"}


def tax_id_country(value: str, context: str = "") -> str | None:
    """The country a tax id belongs to: its own prefix ("DE…", "T…" for Japan), else the
    prefix printed before it in `context` ("NIP" for Poland, "Org.nr" for Sweden)."""
    value = compact(value)
    prefix = re.match(rf"({_EU_PREFIXES})\d", value)
    if prefix:
        return "GR" if prefix[1] == "EL" else prefix[1]
    if re.fullmatch(r"T\d{13}", value):
        return "JP"
    for match in _NATIONAL.finditer(clean_text(context)):
        kind = next((name for name in _KIND_COUNTRY if match[name]), "nif" if match["nif"] else "")
        if kind == "nif":
            return "ES" if re.search(r"[A-Z]", value) else "PT"
        if kind:
            return _KIND_COUNTRY[kind]
    return None


def find_national_tax_ids(text: str) -> list[str]:
    """The ids of `national_tax_ids`, checksum-valid ones first."""
    found = national_tax_ids(text)
    return [value for value, ok in sorted(found, key=lambda item: item[1] is False)]


def national_tax_ids(text: str) -> list[tuple[str, bool | None]]:
    """Tax ids printed behind their country's prefix ("NIP: 123-456-32-18", "CNPJ
    12.345.678/0001-95", "登録番号 T1234567890123", "Org.nr 556677-8899"), compacted.

    Each comes with its checksum by the printed prefix's country (None where none is defined):
    an id whose checksum fails is still returned, so a caller can prefer a valid one without
    losing a misprinted one."""
    text = clean_text(text)
    found: list[str] = [f"T{m[1]}" for m in _JP_REG.finditer(text)]
    valid = {value: tax_id_checksum(value) for value in found}
    for match in _NATIONAL.finditer(text):
        raw = match["value"].strip(" .-/")
        if match["cnpj"]:
            cnpj = _CNPJ.match(raw)
            raw = cnpj.group(0) if cnpj else raw
        value = compact(raw).replace("/", "") if match["cnpj"] else compact(raw)
        value = re.sub(r"[^0-9A-Z]", "", value)
        if sum(ch.isdigit() for ch in value) >= 7 and value not in found:
            found.append(value)
            kind = next(name for name in _PREFIX_CHECKS if match[name]) if not match["jp"] else ""
            valid[value] = _prefixed_checksum(kind, value) if kind else tax_id_checksum(value)
    return [(value, valid[value]) for value in found]
