"""Value normalisation: dates to ISO, amounts to plain decimals, currencies to ISO 4217.

Every parser returns None for text it cannot read with confidence; callers treat None as
"no candidate" rather than guessing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

# Month names and common abbreviations in the languages we read (en, de, fr, nl, es, it).
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "januar", "janvier", "januari", "enero", "gennaio", "jan", "janv", "jänner"),
    2: (
        "february",
        "februar",
        "février",
        "fevrier",
        "februari",
        "febrero",
        "febbraio",
        "feb",
        "févr",
        "fevr",
        "fév",
    ),
    3: ("march", "märz", "maerz", "mars", "maart", "marzo", "mar", "mär", "mrz", "mrt"),
    4: ("april", "avril", "abril", "aprile", "apr", "avr", "abr"),
    5: ("may", "mai", "mei", "mayo", "maggio", "mag"),
    6: ("june", "juni", "juin", "junio", "giugno", "jun", "giu"),
    7: ("july", "juli", "juillet", "julio", "luglio", "jul", "juil", "lug"),
    8: ("august", "août", "aout", "augustus", "agosto", "aug", "ago"),
    9: ("september", "septembre", "septiembre", "settembre", "sep", "sept", "set"),
    10: ("october", "oktober", "octobre", "octubre", "ottobre", "oct", "okt", "ott"),
    11: ("november", "novembre", "noviembre", "nov"),
    12: (
        "december",
        "dezember",
        "décembre",
        "decembre",
        "diciembre",
        "dicembre",
        "dec",
        "dez",
        "déc",
        "dic",
    ),
}
# Polish and Czech (the genitive a date uses), Portuguese and Swedish (#15).
_MORE_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("stycznia", "styczeń", "ledna", "leden", "janeiro"),
    2: ("lutego", "luty", "února", "unora", "únor", "fevereiro"),
    3: ("marca", "marzec", "března", "brezna", "březen", "março", "marco"),
    4: ("kwietnia", "kwiecień", "dubna", "duben"),
    5: ("maja", "maj", "května", "kvetna", "květen", "maio"),
    6: ("czerwca", "czerwiec", "června", "cervna", "červen", "junho"),
    7: ("lipca", "lipiec", "července", "cervence", "červenec", "julho"),
    8: ("sierpnia", "sierpień", "srpna", "srpen", "augusti"),
    9: ("września", "wrzesień", "září", "zari", "setembro"),
    10: ("października", "październik", "října", "rijna", "říjen", "outubro"),
    11: ("listopada", "listopad", "listopadu"),
    12: ("grudnia", "grudzień", "prosince", "prosinec", "dezembro"),
}
MONTHS: dict[str, int] = {
    name: num
    for table in (_MONTH_NAMES, _MORE_MONTH_NAMES)
    for num, names in table.items()
    for name in names
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# OCR often glues the time to the year ("25/12/20188:13:39PM"): a digit may follow the year
# when a clock time starts there.
_NUMERIC = re.compile(
    r"(?<![\d.])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?[./-]\s?(\d{4}|\d{2})(?!\d(?!\d?:))"
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er)?\.?[\s-]?\s*(?:de\s+)?({_MONTH_RE})\.?"
    rf"(?:(?:[\s,]\s*(?:de\s+|del\s+)?|-?)(\d{{4}})|-(\d{{2}}))(?!\d(?!\d?:))",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![a-z])({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})(?!\d(?!\d?:))",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


def clean_text(text: str) -> str:
    """NFKC folds full-width digits, ideographic colons and CJK compatibility radicals."""
    return unicodedata.normalize("NFKC", text)


def _year(raw: str) -> int:
    year = int(raw)
    return year + 2000 if year < 100 else year


def _iso(year: int, month: int, day: int) -> str | None:
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, *, month_first: bool = False) -> list[tuple[str, int]]:
    """All plausible dates in `text` as (ISO date, start offset), in text order.

    Numeric d/m/y dates are read day-first (Europe, Asia) unless `month_first` is set or the
    day-first reading is impossible.
    """
    text = clean_text(text)
    found: list[tuple[str, int]] = []
    for match in _CN_DATE.finditer(text):
        found.append((_iso(int(match[1]), int(match[2]), int(match[3])), match.start()))
    for match in _YMD.finditer(text):
        found.append((_iso(int(match[1]), int(match[2]), int(match[3])), match.start()))
    for match in _NUMERIC.finditer(text):
        first, second, year = int(match[1]), int(match[3]), _year(match[4])
        if not 1990 <= year <= 2100 and text[match.end() : match.end() + 1] == ":":
            year = _year(match[4][:2])  # "18-11-1813:58": a 2-digit year glued to the time
        day, month = (second, first) if month_first else (first, second)
        if month > 12 and day <= 12:
            day, month = month, day
        found.append((_iso(year, month, day), match.start()))
    for match in _DAY_MONTH_YEAR.finditer(text):
        month = MONTHS.get(match[2].lower())
        if month:
            year = _year(match[3] or match[4])
            found.append((_iso(year, month, int(match[1])), match.start()))
    for match in _MONTH_DAY_YEAR.finditer(text):
        month = MONTHS.get(match[1].lower())
        if month:
            found.append((_iso(int(match[3]), month, int(match[2])), match.start()))
    for match in _COMPACT.finditer(text):
        found.append((_iso(int(match[1]), int(match[2]), int(match[3])), match.start()))
    seen: dict[int, str] = {}
    for value, start in found:
        if value and start not in seen:
            seen[start] = value
    return [(value, start) for start, value in sorted(seen.items())]


def parse_date(text: str, *, month_first: bool = False) -> str | None:
    """The first plausible date in `text`, as YYYY-MM-DD."""
    dates = find_dates(text, month_first=month_first)
    return dates[0][0] if dates else None


def prefers_month_first(text: str) -> bool:
    """True when some numeric date in the document only reads month-first (e.g. 12/31/2017)."""
    for match in _NUMERIC.finditer(clean_text(text)):
        if match[2] == "/" and int(match[1]) <= 12 < int(match[3]) <= 31:
            return True
    return False


# Amount tokens: grouped thousands (1.234,56 / 1,234.56 / 1 234,56 / 1'234.56) or plain.
# OCR may also put a space before a thousands separator ("1 ,234.56").
# Thousands in threes ("1.234,56", "4'540.20"), or in the Indian lakh grouping
# ("1,47,500.00": threes, then twos).
AMOUNT_RE = re.compile(
    r"(?<![\d.,])(-\s?)?(\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"
    r"|\d{1,3}(?:(?: ?[.,]|[\u00a0\u202f' ])\d{3})+(?:[.,]\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?)(?![\d]|[.,]\d)(-)?"
)


def parse_amount(text: str) -> Decimal | None:
    """Read one amount written with any of the usual separators, e.g. '1.234,56' → 1234.56."""
    text = clean_text(text).strip()
    negative = text.startswith("-") or text.endswith("-") or text.startswith("(")
    digits = re.sub(r"[^\d.,]", "", text)
    if not digits or not any(c.isdigit() for c in digits):
        return None
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    decimal_at = max(last_dot, last_comma)
    # '1.234' or '1,234' with no other separator: a thousands group, not decimals.
    if decimal_at >= 0 and len(digits) - decimal_at - 1 == 3 and (last_dot < 0 or last_comma < 0):
        decimal_at = -1
    if decimal_at >= 0:
        whole = re.sub(r"[.,]", "", digits[:decimal_at])
        number = f"{whole or '0'}.{digits[decimal_at + 1 :]}"
    else:
        number = re.sub(r"[.,]", "", digits)
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return -value if negative else value


def find_amounts(text: str) -> list[tuple[Decimal, int, int]]:
    """Amount-looking numbers in `text` as (value, start, end)."""
    text = clean_text(text)
    amounts: list[tuple[Decimal, int, int]] = []
    for match in AMOUNT_RE.finditer(text):
        raw = match.group(0)
        before = text[max(0, match.start() - 2) : match.start()].strip()
        if raw.endswith("-") and before in ("¥", "￥"):
            raw = raw[:-1]  # "¥110,000-": the dash closes a yen amount, it is not a minus
        value = parse_amount(raw)
        if value is not None:
            amounts.append((value, match.start(), match.end()))
    return amounts


def format_amount(value: Decimal) -> str:
    """Plain decimal string with two places: Decimal('1234.5') → '1234.50'."""
    return str(value.quantize(Decimal("0.01")))


ISO_CURRENCIES = [
    "EUR",
    "USD",
    "GBP",
    "CNY",
    "RMB",
    "JPY",
    "MYR",
    "INR",
    "CHF",
    "SGD",
    "HKD",
    "AUD",
    "CAD",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "NZD",
    "THB",
    "IDR",
    "PHP",
    "KRW",
    "TWD",
    "ZAR",
    "BRL",
    "MXN",
    "RUB",
    "TRY",
    "AED",
    "SAR",
]
# Symbols and words, most specific first; the value is the ISO 4217 code.
CURRENCY_SIGNS: tuple[tuple[str, str], ...] = (
    (r"US\$", "USD"),
    (r"HK\$", "HKD"),
    (r"S\$", "SGD"),
    (r"A\$", "AUD"),
    (r"C\$", "CAD"),
    (r"R\$", "BRL"),
    (r"(?<![^\W\d_])zł(?![^\W\d_])|\bzl\b(?=\s*$)|złotych", "PLN"),
    (r"(?<![^\W\d_])Kč(?![^\W\d_])|\bkorun\b", "CZK"),
    (r"\bkronor\b", "SEK"),
    (r"円", "JPY"),
    (r"€", "EUR"),
    (r"£", "GBP"),
    (r"₹", "INR"),
    (r"\bRs\.?(?=\s?-?\d)", "INR"),
    (r"\bRM(?=\s?\d|\b)", "MYR"),
    (r"[¥￥]", "CNY"),
    (r"人民币|元|圆", "CNY"),
    (r"\$", "USD"),
    (r"\beuros?\b", "EUR"),
    (r"\bringgit\b", "MYR"),
    (r"\brupees?\b", "INR"),
    (r"\bdollars?\b", "USD"),
    (r"\byuan\b", "CNY"),
)
_ISO_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(ISO_CURRENCIES) + r")(?![A-Za-z])")


def currency_scores(text: str) -> dict[str, float]:
    """Evidence for each currency: ISO codes count double, symbols and words once."""
    text = clean_text(text)
    scores: dict[str, float] = {}
    for match in _ISO_RE.finditer(text):
        code = "CNY" if match[1] == "RMB" else match[1]
        scores[code] = scores.get(code, 0.0) + 2.0
    taken = text
    for pattern, code in CURRENCY_SIGNS:
        hits = len(re.findall(pattern, taken, flags=re.IGNORECASE if pattern.islower() else 0))
        if hits:
            scores[code] = scores.get(code, 0.0) + hits
            taken = re.sub(pattern, " ", taken)
    return scores


def detect_currency(text: str) -> str | None:
    """The best-supported ISO 4217 code in `text`, or None without evidence."""
    scores = currency_scores(text)
    if not scores:
        return None
    best = max(scores.items(), key=lambda item: item[1])[0]
    if best == "CNY" and _KANA.search(text) and "CNY" not in text and "RMB" not in text:
        return "JPY"  # ¥ on a Japanese document (kana) is the yen
    if best == "USD" and not re.search(r"\bUSD\b|US\$|\bdollars?\b", text, re.IGNORECASE):
        # A bare "$" is the dollar of the country the document is from.
        return next((code for code, cue in _DOLLAR_COUNTRIES if cue.search(text)), best)
    return best


_KANA = re.compile(r"[\u3040-\u30ff]")
_DOLLAR_COUNTRIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("CAD", re.compile(
        r"\bCanada\b|\b(?:GST/HST|HST|QST|TVQ|TPS)\b|\b\d{9}\s?RT\s?\d{4}\b|"
        r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d\b"
    )),
    ("AUD", re.compile(r"\bAustralia\b|\bABN\b|\b(?:NSW|VIC|QLD|TAS|ACT)\s+\d{4}\b")),
    ("NZD", re.compile(r"New Zealand|\bNZBN\b")),
    ("SGD", re.compile(r"\bSingapore\b|\bUEN\b")),
    ("HKD", re.compile(r"Hong Kong")),
    ("MXN", re.compile(r"\bRFC\b|\bM[ée]xico\b")),
)  # fmt: skip
