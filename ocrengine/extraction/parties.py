"""Party blocks found by layout: a seller or buyer heading ("Sprzedawca", "Nabywca", "Bill to",
"Dodavatel", "Säljare", "請求先", ...), the name and address lines under it, the tax id printed
in it; the issuer at the top of the page or in its footer when no heading names it.

What a block yields: its address (the lines after the name until the next label, a contact
line or a gap), its tax id (so the buyer's "NIP" is the buyer's, not the seller's) and, in the
footer, the issuer's name. Names under a heading are read by the label reader already.
"""

# ruff: noqa: RUF001, RUF002 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ocrengine.extraction.candidates import (
    HEADING_TAIL,
    Candidate,
    FieldRule,
    LabelHit,
    label_index,
)
from ocrengine.extraction.fallbacks import TABLE_HEADER, company_in, seller_guess
from ocrengine.extraction.labels_world import OTHER_PARTY_HEADINGS
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.taxids import (
    find_labelled_tax_id,
    find_tax_ids,
    labelled_checksum,
    national_tax_ids,
    tax_id_checksum,
)

_CONTACT = re.compile(
    r"(?:\b(?:tel|phone|fax|mobile|mob|e-?mail|www|http|telefon|téléphone|tél|teléfono|"
    r"telefone|puhelin|iban|bic|swift|bank|konto|account)\b|@|電話|ＴＥＬ|TEL)",
    re.IGNORECASE,
)
# What ends an address block: an amount, or the item table's header starting below it.
_AMOUNT_LIKE = re.compile(r"\d[.,]\d{2}(?!\d)")
_HONORIFIC = re.compile(r"^(?P<name>.{2,80}?)\s*(?:御中|様|殿)\s*$")
_OTHER_RULE = FieldRule(
    "other_party", "name", tuple((alias, False) for alias in OTHER_PARTY_HEADINGS), ()
)
MAX_ADDRESS_LINES = 4
_LEGAL_MENTION = re.compile(
    r"\bau\s+capital\b|capital\s+social|share\s+capital|\bcapital\s+de\b|stammkapital|kapitał|"
    r"capitale\s+sociale|registergericht|amtsgericht|handelsregister|"
    r"\bkrs\b|\brcs\b|registro\s+mercantil|obchodní\s+rejstřík|資本金",
    re.IGNORECASE,
)


@dataclass
class PartyBlock:
    party: str  # "seller", "buyer" or "other_party"
    heading: Segment
    lines: list[Segment] = field(default_factory=list)  # below the heading, in order
    inline_name: bool = False  # "Nabywca: ACME" names the party on the heading's line


def find_blocks(layout: Layout, hits_by_segment: dict[int, list[LabelHit]]) -> list[PartyBlock]:
    other = label_index((_OTHER_RULE,)).present_in([segment.text for segment in layout.segments])
    blocks: list[PartyBlock] = []
    for segment in layout.segments:
        hits = hits_by_segment.get(segment.index, [])
        party, inline = "", False
        if hits and hits[0].start <= 2 and any(n in ("seller", "buyer") for n in hits[0].fields):
            rest = HEADING_TAIL.sub("", segment.text[hits[0].end :])
            inline = bool(re.match(r"\s*[:：]\s*\S", rest))
            if inline or not rest.strip(" :："):
                party = "buyer" if "buyer" in hits[0].fields else "seller"
        own_other = other.hits(segment.text)
        if own_other and own_other[0].start <= 2:
            party = "other_party"
        if party:
            lines = _block_lines(layout, segment, hits_by_segment)
            blocks.append(PartyBlock(party, segment, lines, inline))
    return blocks


def _block_lines(
    layout: Layout, heading: Segment, hits_by_segment: dict[int, list[LabelHit]]
) -> list[Segment]:
    lines: list[Segment] = []
    previous = heading
    for candidate in layout.below(heading, max_rows=7):
        if lines and candidate.row == lines[-1].row:
            continue  # one line per row: the one closest to the heading's column
        gap = candidate.box[1] - previous.box[3]
        if gap > previous.height * 1.8:
            break
        hits = hits_by_segment.get(candidate.index, [])
        if hits and hits[0].start <= 1 and any(n in ("seller", "buyer") for n in hits[0].fields):
            break  # the next party's heading
        lines.append(candidate)
        previous = candidate
    return lines


def _address_lines(
    lines: list[Segment], hits_by_segment: dict[int, list[LabelHit]]
) -> list[Segment]:
    """The lines of a block after its name, up to a label, a tax id or a contact line."""
    address: list[Segment] = []
    for segment in lines[1:]:
        hits = hits_by_segment.get(segment.index, [])
        if hits and hits[0].start <= 1:
            break
        if _CONTACT.search(segment.text) or find_tax_ids(segment.text):
            break
        if _LEGAL_MENTION.search(segment.text):
            continue  # "SAS au capital de 10 000 €": about the company, not where it is
        if not any(ch.isalnum() for ch in segment.text) or (
            _AMOUNT_LIKE.search(segment.text) or TABLE_HEADER.match(segment.text)
        ):
            break
        address.append(segment)
        if len(address) >= MAX_ADDRESS_LINES:
            break
    return address


def _joined(segments: list[Segment]) -> str:
    return ", ".join(re.sub(r"\s{2,}", " ", s.text.strip(" ,;")) for s in segments)[:500]


def _block_tax_ids(
    block: PartyBlock, hits_by_segment: dict[int, list[LabelHit]]
) -> list[Candidate]:
    name = f"{block.party}_tax_id"
    found: list[Candidate] = []
    for segment in [block.heading, *block.lines]:
        values = [(value, tax_id_checksum(value)) for value in find_tax_ids(segment.text)]
        values += national_tax_ids(segment.text)
        for hit in hits_by_segment.get(segment.index, []):
            if any(field.endswith("tax_id") for field in hit.fields):
                labelled = find_labelled_tax_id(segment.text[hit.end :])
                if labelled:
                    values.append((labelled, labelled_checksum(hit.alias, labelled)))
        for value, ok in values:
            score = 1.02 if ok is not False else 0.7
            found.append(Candidate(name, value, score, "inline", segment, extra={"checksum": ok}))
    return found


def party_candidates(
    layout: Layout,
    hits_by_segment: dict[int, list[LabelHit]],
    found: list[Candidate],
) -> tuple[list[Candidate], set[int]]:
    """(addresses, block tax ids, honorific buyers and the footer issuer; the segment indexes
    that lie in a buyer's or a delivery block, where no seller is to be read)."""
    blocks = find_blocks(layout, hits_by_segment)
    out: list[Candidate] = []
    not_seller: set[int] = set()
    for block in blocks:
        if block.party != "seller":
            not_seller.update(segment.index for segment in [block.heading, *block.lines])
        if block.party == "other_party":
            continue
        lines = [block.heading, *block.lines] if block.inline_name else block.lines
        address = _address_lines(lines, hits_by_segment)
        if address:
            out.append(
                Candidate(f"{block.party}_address", _joined(address), 0.9, "below", address[0])
            )
        out.extend(_block_tax_ids(block, hits_by_segment))
        out.extend(_block_name(block))
    out.extend(_honorific_buyers(layout))
    if not any(c.field == "buyer" for c in [*found, *out]):
        out.extend(window_addressee(layout, found, not_seller))
    out.extend(_letterhead_address(layout, found, not_seller, hits_by_segment))
    out.extend(footer_issuer(layout, not_seller))
    out.extend(payee(layout, not_seller))
    return out, not_seller


# A name label inside a party block ("Denominazione: Studio Ferri", "Nazwa: ACME Sp. z o.o.",
# "Razón social: ..."): the block's party, whoever it is.
_BLOCK_NAME_LABEL = re.compile(
    r"^\s*(?:denominazione|ragione\s+sociale|raz[oó]n\s+social|denomina[cç][aã]o|"
    r"nazwa(?:\s+firmy)?|n[aá]zev(?:\s+firmy)?|firma|firmenname|company(?:\s+name)?|"
    r"name|nom|nome|naam|namn)\s*[:：]\s*(?P<name>\S.{1,120})$",
    re.IGNORECASE,
)


def _block_name(block: PartyBlock) -> list[Candidate]:
    if block.party not in ("seller", "buyer"):
        return []
    for segment in block.lines:
        match = _BLOCK_NAME_LABEL.match(segment.text)
        if match:
            return [Candidate(block.party, match["name"].strip(), 0.97, "inline", segment)]
    return []


def _honorific_buyers(layout: Layout) -> list[Candidate]:
    """Japanese bills address the buyer as "株式会社〇〇 御中" (or "〇〇 様")."""
    for segment in layout.segments[:40]:
        match = _HONORIFIC.match(segment.text)
        if match and not any(ch.isdigit() for ch in match["name"]):
            return [Candidate("buyer", match["name"].strip(), 0.95, "inline", segment)]
    return []


def _letterhead_address(
    layout: Layout,
    found: list[Candidate],
    not_seller: set[int],
    hits_by_segment: dict[int, list[LabelHit]],
) -> list[Candidate]:
    """The lines under the letterhead's company name, when no seller heading gave one."""
    if any(c.field == "seller" and c.method != "guess" and c.segment for c in found):
        return []  # a heading named the seller: its block gave the address
    buyers = {c.segment.index for c in found if c.field == "buyer" and c.segment}
    letterheads = seller_guess(layout, exclude=not_seller | buyers)
    if not letterheads or letterheads[0].segment is None:
        return []
    head = letterheads[0].segment
    lines = [head]
    for segment in layout.below(head, max_rows=4):
        if segment.row == lines[-1].row or segment.index in not_seller:
            continue
        if segment.box[1] - lines[-1].box[3] > lines[-1].height * 1.8:
            break
        lines.append(segment)
    address = [
        s
        for s in _address_lines(lines, hits_by_segment)
        if any(ch.isdigit() for ch in s.text) or "," in s.text
    ]
    if not address:
        return []
    return [Candidate("seller_address", _joined(address), 0.5, "letterhead", address[0])]


def footer_issuer(layout: Layout, not_seller: set[int]) -> list[Candidate]:
    """A company with its legal form in the last rows of the first page: the issuer's footer
    ("ACME Sp. z o.o. · ul. Długa 5 · NIP ..."). Bank and contact lines do not count."""
    if not layout.rows:
        return []
    first_page = layout.rows[0][0].page
    rows = [row for row in layout.rows if row[0].page == first_page][-6:]
    for row in rows:
        for segment in row:
            if segment.index in not_seller:
                continue
            name = company_in(segment.text)
            if not name or _CONTACT.search(name):
                continue
            # On a line with bank or contact details, only the name the line starts with is
            # the issuer's ("Groenrijk B.V. · Dorpsstraat 4 · IBAN ..."), not a bank's.
            if not _CONTACT.search(segment.text) or segment.text.lstrip().startswith(name):
                return [Candidate("seller", name, 0.4, "guess", segment)]
    return []


# Who the money goes to is who issued the bill: "Titulaire du compte : NETPRESSE",
# "Kontoinhaber: Muster GmbH", "Payable to ACME Ltd". Payer-side words ("Rechnungsempfänger",
# 收款人 the cashier) are left out on purpose.
_PAYEE = re.compile(
    r"(?:account\s+holder|account\s+name|beneficiary(?:\s+name)?|payee|(?:make\s+)?(?:cheques?\s+)?"
    r"payable\s+to|in\s+favou?r\s+of|kontoinhaber(?:in)?|zahlungsempfänger|begünstigter|"
    r"titulaire(?:\s+du\s+compte)?|bénéficiaire|rekeninghouder|begunstigde|t\.n\.v\.|"
    r"intestatario(?:\s+del\s+conto)?|beneficiario|titular(?:\s+d[ae]\s+(?:conta|cuenta))?|"
    r"właściciel\s+rachunku|odbiorca\s+płatności|majitel\s+účtu|kontohavare|betalningsmottagare|"
    r"口座名義(?:人)?|户名)\s*[:：]?\s*(?P<name>[^\W\d_][^:：|·•]{1,79}?)\s*(?:$|\s[-\u2013|·•]\s|\s{3,}|"
    r"\b(?:iban|bic|swift|bank|konto|account|n°|no\.?)\b)",
    re.IGNORECASE,
)


def payee(layout: Layout, not_seller: set[int]) -> list[Candidate]:
    """The account holder the bill asks to be paid to, named on the same line as the label. A
    better guess than the first line of the page (which may be the buyer's company), not as good
    as a name with its legal form in the letterhead or under a seller heading."""
    for segment in layout.segments:
        if segment.index in not_seller:
            continue
        match = _PAYEE.search(segment.text)
        if match:
            name = match["name"].strip(" .,;")
            if sum(ch.isalpha() for ch in name) >= 3 and len(name.split()) <= 6:
                return [Candidate("seller", name, 0.5, "payee", segment)]
    return []


# A postal line: "10115 Berlin", "00-001 Warszawa", "3500 MJ Utrecht", "D-63571 Gelnhausen",
# "SE-114 55 Stockholm", "LS11 5QT"-style codes are left to their labels.
_POSTAL = re.compile(
    r"^(?:[A-Z]{1,2}-)?(?:\d{2}-\d{3}|\d{3}\s?\d{2}|\d{4}(?:\s?[A-Z]{2})?|\d{5})\s+[^\W\d_]{2,}"
)


def window_addressee(
    layout: Layout, found: list[Candidate], not_seller: set[int]
) -> list[Candidate]:
    """No buyer heading: the address block of a window envelope, a name over a street over a
    postal line near the top of the first page, that is not the letterhead's. A guess, scored
    low."""
    if not layout.segments:
        return []
    page = layout.segments[0].page
    sellers = {c.segment.index for c in found if c.field == "seller" and c.segment}
    sellers |= {c.segment.index for c in seller_guess(layout, exclude=not_seller) if c.segment}
    for postal in layout.segments[:30]:  # the address window sits at the top
        if postal.page != page:
            break
        if not _POSTAL.match(postal.text):
            continue
        block = _lines_above(layout, postal, 3)
        names = [s for s in block if not any(ch.isdigit() for ch in s.text)]
        if not names or names[0].index in sellers or names[0].index == layout.segments[0].index:
            continue
        name = names[0]
        letters = sum(ch.isalpha() for ch in name.text)
        if letters < 3 or _CONTACT.search(name.text) or name.text.rstrip().endswith(":"):
            continue
        address = [s for s in block if s.index != name.index and s.box[1] > name.box[1]]
        out = [Candidate("buyer", name.text.strip(), 0.4, "guess", name)]
        out.append(Candidate("buyer_address", _joined([*address, postal]), 0.4, "guess", postal))
        return out
    return []


def _lines_above(layout: Layout, segment: Segment, count: int) -> list[Segment]:
    """Up to `count` lines directly above `segment` in its column, top first."""
    above: list[Segment] = []
    current = segment
    for row in range(segment.row - 1, max(-1, segment.row - 1 - count), -1):
        candidates = [
            s for s in layout.rows[row]
            if s.page == segment.page and abs(s.box[0] - segment.box[0]) <= max(segment.height, 12)
        ]  # fmt: skip
        if not candidates or current.box[1] - candidates[0].box[3] > current.height * 1.8:
            break
        current = candidates[0]
        above.append(current)
    return above[::-1]
