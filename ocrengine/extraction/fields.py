"""Orchestration: candidates from labels, layout and format rules; validators choose."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction import accountant_fields, fallbacks
from ocrengine.extraction.candidates import Candidate, FieldRule, label_candidates, label_hits
from ocrengine.extraction.cn_qr import cn_invoice_checks
from ocrengine.extraction.cn_vat import cn_vat_candidates, is_cn_vat_invoice
from ocrengine.extraction.confidence import field_confidence, overall_confidence
from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.field_positions import apply_field_positions
from ocrengine.extraction.invoice_checks import (
    choose_amounts,
    date_plausible,
    due_after_issue,
    tax_id_ok,
    totals_row_split,
)
from ocrengine.extraction.labels import BUILTIN_LABELS
from ocrengine.extraction.layout import Layout, Segment, build_layout
from ocrengine.extraction.lines import item_rows
from ocrengine.extraction.normalize import format_amount, prefers_month_first
from ocrengine.extraction.patterns import compile_template_pattern
from ocrengine.extraction.result import ExtractedField, ExtractionResult
from ocrengine.extraction.seller_names import apply_seller_names
from ocrengine.extraction.spec import enabled_validators, load_default_spec
from ocrengine.extraction.xml_einvoice import is_structured, read_einvoice, structured_checks

AMOUNT_FIELDS = ("total_amount", "net_amount", "tax_amount")
PARTY_FIELDS = ("buyer", "seller", "buyer_tax_id", "seller_tax_id")
# The canonical invoice fields (built-in labels, layout rules and checks know them by name).
INVOICE_FIELDS = (
    "invoice_number", "invoice_code", "date", "due_date", *AMOUNT_FIELDS, "currency",
    *PARTY_FIELDS, *accountant_fields.ACCOUNTANT_FIELDS,
)  # fmt: skip
# The checks `_run_checks` runs when a spec enables them ("positive_amount" is accepted in
# specs and not run: amounts are read unsigned).
INVOICE_VALIDATORS = frozenset(
    {
        "net_plus_tax_equals_total",
        "cn_uppercase_total_matches",
        "date_plausible",
        "due_date_after_date",
        "tax_id_format",
        "cn_tax_id_format",
        "positive_amount",
    }
)


def rules_from_spec(spec: dict[str, Any]) -> list[FieldRule]:
    """The spec's labels and patterns first, then built-in aliases it does not already list."""
    # Built once per distinct field list: merging hundreds of aliases and compiling patterns
    # cost about a millisecond, on every analysis of a template that seldom changes.
    return list(_rules_for(json.dumps(spec["fields"], ensure_ascii=False)))


@lru_cache(maxsize=64)
def _rules_for(fields_json: str) -> tuple[FieldRule, ...]:
    rules = []
    for field in json.loads(fields_json):
        name = field["name"]
        labels: list[tuple[str, bool]] = []
        seen: set[str] = set()
        for aliases in field.get("labels", {}).values():
            for alias in aliases:
                if alias.casefold() not in seen:
                    seen.add(alias.casefold())
                    labels.append((alias, True))
        for aliases in BUILTIN_LABELS.get(name, {}).values():
            for alias in aliases:
                if alias.casefold() not in seen:
                    seen.add(alias.casefold())
                    labels.append((alias, False))
        patterns = tuple(compile_template_pattern(p) for p in field.get("patterns", []))
        rules.append(
            FieldRule(
                name,
                field.get("type", "string"),
                tuple(labels),
                patterns,
                bool(field.get("required", False)),
            )
        )
    return tuple(rules)


def _gather(
    layout: Layout,
    rules: list[FieldRule],
    chinese: bool,
    item_segments: set[int],
    month_first: bool,
) -> dict[str, list[Candidate]]:
    hits = label_hits(layout, rules)
    found = label_candidates(
        layout,
        accountant_fields.generic_rules(rules),
        month_first=month_first,
        hits_by_segment=hits,
    )
    if chinese:
        # Buyer and seller share their labels (名称, 纳税人识别号): only the block-aware
        # Chinese rule can tell whose value a label carries.
        found = [c for c in found if c.field not in PARTY_FIELDS]
        found += cn_vat_candidates(layout)
    found, not_seller = accountant_fields.refine(
        layout, rules, hits, found, month_first=month_first, parties=not chinese
    )
    found += fallbacks.date_guess(layout, month_first)
    found += fallbacks.currency_guess(layout, chinese=chinese)
    found += fallbacks.total_guess(layout)
    found += fallbacks.number_guess(layout)
    buyer_block = {c.segment.index for c in found if c.field == "buyer" and c.segment} | not_seller
    found += fallbacks.seller_guess(layout, exclude=buyer_block)
    found += fallbacks.tax_id_guess(layout)
    by_field: dict[str, list[Candidate]] = {rule.name: [] for rule in rules}
    for candidate in found:
        if (
            candidate.field in by_field
            and candidate.value
            and not _line_item_figure(candidate, item_segments)
        ):
            by_field[candidate.field].append(candidate)
    return by_field


def _items_sum(items: list[tuple[list[Segment], dict]]) -> list[Candidate]:
    """The line items' amounts added up: the net where no label prints it ("Taxable Value"
    in a table of its own); net + tax = total decides whether it is."""
    if not items:
        return []
    value = sum(Decimal(item["amount"]) for _, item in items)
    return [
        Candidate("net_amount", format_amount(value), 0.6, "derived", items[0][0][-1], "", value)
    ]


def _line_item_figure(candidate: Candidate, item_segments: set[int]) -> bool:
    """An amount read below a column heading ("MwSt.", "Total") that sits in a line item's
    row is that item's figure, not the document's tax or total."""
    return (
        candidate.field in AMOUNT_FIELDS
        and candidate.method == "below"
        and candidate.segment is not None
        and candidate.segment.index in item_segments
    )


def _derive(name: str, value: Decimal, basis: list[Candidate]) -> Candidate:
    return Candidate(
        name,
        format_amount(value),
        min(c.score for c in basis) * 0.8,
        "derived",
        basis[0].segment,
        "",
        value,
    )


def _money(by_field: dict[str, list[Candidate]]) -> tuple[dict[str, Candidate], dict]:
    """Pick total/net/tax together; derive the missing one from the other two."""
    totals = by_field.get("total_amount", [])
    row_nets, row_taxes = totals_row_split(totals)
    choice = choose_amounts(
        totals,
        by_field.get("net_amount", []) + row_nets,
        by_field.get("tax_amount", []) + row_taxes,
    )
    picked = {"total_amount": choice.total, "net_amount": choice.net, "tax_amount": choice.tax}
    total, net, tax = choice.total, choice.net, choice.tax
    if not choice.consistent:
        if total and tax and not net and tax.amount < total.amount:
            picked["net_amount"] = _derive("net_amount", total.amount - tax.amount, [total, tax])
        elif net and tax and not total:
            picked["total_amount"] = _derive("total_amount", net.amount + tax.amount, [net, tax])
        elif total and not tax and (not net or net.amount > total.amount):
            # No tax printed anywhere: the net amount is the total.
            picked["net_amount"] = _derive("net_amount", total.amount, [total])
    check = {"name": "net_plus_tax_equals_total", "ok": choice.consistent}
    if not choice.consistent and not (total and net and tax):
        check["ok"] = None
    return {k: v for k, v in picked.items() if v is not None}, check


def _best(candidates: list[Candidate]) -> Candidate | None:
    return max(candidates, key=lambda c: c.score) if candidates else None


def _to_field(candidate: Candidate, validated: bool | None) -> ExtractedField:
    segment = candidate.segment
    source = candidate.method if candidate.method in ("xml", "derived", "qr", "learned") else None
    return ExtractedField(
        value=candidate.value,
        confidence=field_confidence(candidate, validated),
        page=segment.page if segment else None,
        box=segment.box if segment else None,
        source=source or (segment.source if segment else "derived"),
    )


def extract_invoice(
    document: DocumentText,
    *,
    spec: dict | None = None,
    pdf_bytes: bytes | None = None,
) -> ExtractionResult:
    """Extract the spec's fields (default: the invoice spec) from `document`.

    Embedded CII/UBL XML in `pdf_bytes` (ZUGFeRD, Factur-X, XRechnung) wins over the text
    layer where it has a value; the text supplies the rest. Lines are read up to
    MAX_LINE_CHARS; a spec pattern that runs past TEMPLATE_REGEX_TIMEOUT_S on one of them
    raises `ocrengine.extraction.patterns.PatternTimeout`.
    """
    spec = spec or load_default_spec("invoice")
    rules = rules_from_spec(spec)
    names = [rule.name for rule in rules]
    layout = build_layout(document)
    chinese = is_cn_vat_invoice(layout.text)
    month_first = prefers_month_first(layout.text)  # decided once for the whole document
    items = item_rows(layout)
    item_segments = {s.index for row, _ in items for s in row}
    by_field = _gather(layout, rules, chinese, item_segments, month_first)
    if "net_amount" in by_field:
        by_field["net_amount"] += _items_sum(items)
    money, money_check = _money(by_field)
    chosen: dict[str, Candidate] = {}
    for name in names:
        candidate = money.get(name) if name in AMOUNT_FIELDS else _best(by_field[name])
        if candidate is not None:
            chosen[name] = candidate
    accountant_fields.complete(layout, chosen, by_field, names, month_first=month_first)
    xml_lines: list[dict] = []
    embedded = None
    if pdf_bytes:
        # A PDF's attachment, or the XML / OFD file itself (xml_einvoice.read_einvoice).
        embedded = read_einvoice(pdf_bytes)
        if embedded and is_structured(document):
            chosen = {}  # the text only renders the data: the data's values, exactly
        if embedded:
            xml_fields, xml_lines = embedded
            for name, value in xml_fields.items():
                if name in names and value:
                    chosen[name] = Candidate(name, value, 2.0, "xml")
            if all(chosen.get(n) and chosen[n].method == "xml" for n in AMOUNT_FIELDS):
                money_check = {"name": "net_plus_tax_equals_total", "ok": _adds_up(chosen)}
    apply_field_positions(spec, chosen, layout, document, rules, month_first)
    apply_seller_names(spec, chosen)
    cn_checks, cn_confirmed = [], {}
    if chinese and not is_structured(document):
        # The QR code (read from the file) fills, confirms or contradicts the page.
        cn_checks, cn_confirmed = cn_invoice_checks(chosen, pdf_bytes, names)
    elif embedded:
        cn_checks = structured_checks(xml_fields, chosen)  # 数电 data's own 大写, key rules
    checks, confirmed = _run_checks(chosen, money_check, by_field, chinese, spec)
    checks += accountant_fields.checks(chosen, confirmed)
    checks += cn_checks
    for name, ok in cn_confirmed.items():
        confirmed[name] = ok and confirmed.get(name) is not False
    fields = {
        name: _to_field(chosen[name], confirmed.get(name))
        if name in chosen
        else ExtractedField(value=None)
        for name in names
    }
    required = [rule.name for rule in rules if rule.required]
    return ExtractionResult(
        fields=fields,
        lines=xml_lines or [item for _, item in items],
        overall_confidence=overall_confidence(fields, required, checks),
        checks=checks,
    )


def _extract(
    document: DocumentText, spec: dict[str, Any] | None, *, pdf_bytes: bytes | None = None
) -> ExtractionResult:
    return extract_invoice(document, spec=spec, pdf_bytes=pdf_bytes)


# Invoices, Chinese VAT invoices and receipts (see `ocrengine.extraction.registry`).
INVOICE_EXTRACTOR = DocumentExtractor(
    name="invoice", extract=_extract, fields=INVOICE_FIELDS, validators=INVOICE_VALIDATORS
)


def _adds_up(chosen: dict[str, Candidate]) -> bool:
    values = [Decimal(chosen[n].value) for n in AMOUNT_FIELDS]
    return abs(values[1] + values[2] - values[0]) <= Decimal("0.01")


def _run_checks(
    chosen: dict[str, Candidate],
    money_check: dict,
    by_field: dict[str, list[Candidate]],
    chinese: bool,
    spec: dict,
) -> tuple[list[dict], dict[str, bool | None]]:
    enabled = enabled_validators(spec)
    checks: list[dict] = []
    confirmed: dict[str, bool | None] = {}
    if "net_plus_tax_equals_total" in enabled and money_check["ok"] is not None:
        checks.append(money_check)
        for name in AMOUNT_FIELDS:
            confirmed[name] = money_check["ok"]
    if "cn_uppercase_total_matches" in enabled and chinese:
        uppercase = [c for c in by_field.get("total_amount", []) if c.alias == "大写"]
        total = chosen.get("total_amount")
        if uppercase and total:
            ok = Decimal(uppercase[0].value) == Decimal(total.value)
            checks.append({"name": "cn_uppercase_total_matches", "ok": ok})
            confirmed["total_amount"] = ok and confirmed.get("total_amount") is not False
    date = chosen.get("date")
    if "date_plausible" in enabled and date:
        ok = date_plausible(date.value)
        checks.append({"name": "date_plausible", "ok": ok})
        confirmed.setdefault("date", ok if not ok else None)
    due = chosen.get("due_date")
    if "due_date_after_date" in enabled and date and due:
        ok = due_after_issue(date.value, due.value)
        checks.append({"name": "due_date_after_date", "ok": ok})
    for name in ("seller_tax_id", "buyer_tax_id"):
        if name in chosen and ("tax_id_format" in enabled or "cn_tax_id_format" in enabled):
            ok = tax_id_ok(chosen[name].value, chinese=chinese)
            checks.append({"name": f"{name}_format", "ok": ok})
            confirmed[name] = ok
    return checks, confirmed
