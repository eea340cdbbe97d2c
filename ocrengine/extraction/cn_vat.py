"""Chinese VAT invoice (增值税发票, incl. 数电/全电) rules.

Both layouts print the buyer (购买方) before the seller (销售方) in reading order — stacked
blocks on the classic e-invoice, side-by-side columns on 数电 — so each party label (名称,
纳税人识别号) is assigned to buyer then seller by reading order, whatever the codes look like.
"""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
from decimal import Decimal

from ocrengine.extraction.candidates import (
    METHOD_WEIGHT,
    Candidate,
    FieldRule,
    LabelIndex,
    read_near,
)
from ocrengine.extraction.cn_numerals import UPPERCASE_RE, parse_uppercase_amount
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.normalize import find_amounts, format_amount

_MARKERS = ("价税合计", "纳税人识别号", "统一社会信用代码", "开票日期", "发票号码")
_NAME_LABELS = (("名称", True),)
_TAX_LABELS = (
    ("统一社会信用代码/纳税人识别号", True),
    ("纳税人识别号", True),
    ("统一社会信用代码", True),
)
_TAX_ID = re.compile(r"[0-9A-Z]{15,20}")
# The classic invoice's party blocks also print where each party sits and banks:
# "地址、电话: 武汉市洪山区珞喻路1号 027-87654321", "开户行及账号: 中国工商银行武汉分行 3202...".
_ADDRESS_LABELS = (("地址、电话", True), ("地址,电话", True), ("地址电话", True), ("地 址", True))
_BANK_LABELS = (("开户行及账号", True), ("开户银行及账号", True), ("开户行及帐号", True))
_PHONE_AT_END = re.compile(r"[\s,，]*(?:电话[:：]?\s*)?\(?\+?[\d()（）\s-]{7,20}\d\s*$")
# An address is mostly digits when the phone is glued on ("珞瑜路1077号027-87576666"): taken
# whole, the phone is cut off after.
_WHOLE_LINE = re.compile(r"\S.{3,}")
_ACCOUNT_NUMBER = re.compile(r"\d[\d\s-]{6,30}\d")


def is_cn_vat_invoice(text: str) -> bool:
    return "发票" in text and sum(marker in text for marker in _MARKERS) >= 2


def uppercase_total(layout: Layout) -> Candidate | None:
    """价税合计(大写): the total in Chinese financial numerals, the invoice's own checksum."""
    for segment in layout.segments:
        text = segment.text.replace(" ", "")
        match = UPPERCASE_RE.search(text)
        if not match or not re.search(r"[圆元角分整]", match.group(0)):
            continue
        value = parse_uppercase_amount(match.group(0))
        if value is not None and value != Decimal(0):
            return Candidate(
                "total_amount", format_amount(value), 1.05, "inline", segment, "大写", value
            )
    return None


def _slots(layout: Layout, rule: FieldRule) -> list[tuple[Segment, Candidate | None]]:
    """Every colon-terminated occurrence of the rule's label, with the value read beside it
    (None when the field is printed empty, e.g. a private buyer without a tax id)."""
    index = LabelIndex([rule])
    hits_by_segment = {seg.index: index.hits(seg.text) for seg in layout.segments}
    slots: list[tuple[Segment, Candidate | None]] = []
    for segment in layout.segments:
        hits = hits_by_segment[segment.index]
        for hit in hits:
            region = segment.text[hit.end :]
            if not re.match(r"\s*[:：]", region):
                continue  # "项目名称" in the goods table header is no party label
            region = region.split("  ")[0]
            for other in hits:
                if other.start >= hit.end:
                    region = segment.text[hit.end : other.start]
                    break
            values = read_near(layout, segment, region, rule, hits_by_segment, False)
            value = values[0] if values else None
            candidate = None
            if value is not None:
                candidate = Candidate(
                    rule.name,
                    value[0],
                    1.1 * METHOD_WEIGHT[value[2]],
                    value[2],
                    value[3],
                    hit.alias,
                )
            slots.append((segment, candidate))
    return slots


def _owner(tax: Segment, names: list[Segment]) -> int:
    """Index of the party block a tax-id label belongs to: the nearest name label above it
    (same or earlier row), horizontally closest — stacked and side-by-side layouts alike."""
    above = [i for i, name in enumerate(names) if (name.page, name.row) <= (tax.page, tax.row)]
    if not above:
        return 0
    return min(
        above,
        key=lambda i: (
            tax.row - names[i].row > 3,
            abs(tax.box[0] - names[i].box[0]),
            tax.row - names[i].row,
        ),
    )


def party_candidates(layout: Layout) -> list[Candidate]:
    """Buyer then seller, by reading order of the 名称 labels; tax ids by block."""
    names = _slots(layout, FieldRule("name", "name", _NAME_LABELS, ()))
    taxes = _slots(layout, FieldRule("tax_id", "string", _TAX_LABELS, (_TAX_ID,)))
    candidates: list[Candidate] = []
    for (_label, candidate), target in zip(names, ("buyer", "seller"), strict=False):
        if candidate is not None:
            value = re.split(r"\s{2,}|密码区", candidate.value)[0].strip()
            candidates.append(
                Candidate(
                    target,
                    value,
                    candidate.score,
                    candidate.method,
                    candidate.segment,
                    candidate.alias,
                )
            )
    name_segments = [segment for segment, _ in names[:2]]
    blocks = (
        (taxes, ("buyer_tax_id", "seller_tax_id"), str.strip),
        (_slots(layout, FieldRule("address", "string", _ADDRESS_LABELS, (_WHOLE_LINE,))),
         ("buyer_address", "seller_address"), _address),
        # Only the seller's account says where to pay; the buyer's is its own business.
        (_slots(layout, FieldRule("bank", "string", _BANK_LABELS, (_ACCOUNT_NUMBER,))),
         ("", "bank_account"),
         _account_number),
    )  # fmt: skip
    for slots, targets, clean in blocks:
        for position, (segment, candidate) in enumerate(slots):
            owner = _owner(segment, name_segments) if len(name_segments) == 2 else position
            value = clean(candidate.value) if candidate else None
            if value and owner < 2 and targets[owner]:
                candidates.append(
                    Candidate(
                        targets[owner],
                        value,
                        candidate.score,
                        candidate.method,
                        candidate.segment,
                        candidate.alias,
                    )
                )
    return candidates


def _address(value: str) -> str:
    """The address without the phone number printed after it; "" for what an empty line's
    reader found beside it instead: the vertical block headings' characters (方, 区) or the
    cipher of the 密码区."""
    value = re.split(r"\s{2,}|密码区", value)[0]
    value = _PHONE_AT_END.sub("", value).strip(" ,，;；")
    if len(value.replace(" ", "")) < 4 or re.search(r"[<>*+/=]", value):
        return ""
    return value


def _account_number(value: str) -> str:
    """The account number without the bank's name before it ("" when none is printed)."""
    numbers = _ACCOUNT_NUMBER.findall(re.split(r"密码区|备注", value)[0])
    return re.sub(r"[\s-]", "", numbers[-1]) if numbers else ""


def totals_row(layout: Layout) -> list[Candidate]:
    """The 合计 row under the goods table: its first amount is 金额 (net), its last 税额 (tax).

    A tax of "***" (exempt) or a single amount means the tax is zero.
    """
    for row in layout.rows:
        for position, segment in enumerate(row):
            text = segment.text.replace(" ", "")
            if not text.startswith("合计") or "价税" in text:
                continue
            rest = " ".join([text[2:]] + [s.text for s in row[position + 1 :]])
            amounts = [value for value, _, _ in find_amounts(rest.replace("¥", " "))]
            if not amounts:
                continue
            net = amounts[0]
            tax = amounts[-1] if len(amounts) > 1 else Decimal(0)
            return [
                Candidate("net_amount", format_amount(net), 1.0, "right", segment, "合计", net),
                Candidate("tax_amount", format_amount(tax), 1.0, "right", segment, "合计", tax),
            ]
    return []


def cn_vat_candidates(layout: Layout) -> list[Candidate]:
    candidates = party_candidates(layout) + totals_row(layout)
    total = uppercase_total(layout)
    if total is not None:
        candidates.append(total)
    return candidates
