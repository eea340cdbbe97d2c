"""Apply a bank template (JSON spec) to the text lines of a PDF statement.

The spec says where things are; this module knows nothing about any particular bank.
See `template_spec.py` for the format and its validation. The spec's regexes are compiled by
`ocrengine.extraction.patterns` and each match runs under TEMPLATE_REGEX_TIMEOUT_S (PatternTimeout).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ocrengine.extraction.patterns import TemplatePattern, compile_template_pattern

from .amounts import AmountSyntax, amount_regex, parse_amount, signed_balance
from .base import ParsedBill, ParsedStatement, ParsedTransaction
from .dates import date_regex, parse_date
from .pdf_reader import TextLine

BALANCE_FIELDS = (
    "previous_balance",
    "new_balance",
    "total_debits",
    "total_credits",
    "minimum_payment",
    "credit_limit",
)
DATE_FIELDS = ("statement_date", "due_date", "period_start")
LAST4 = re.compile(r"(\d{4})\D*$")


@dataclass
class CompiledTemplate:
    spec: dict
    syntax: AmountSyntax
    txn_formats: list[str]
    statement_formats: list[str]
    row_pattern: TemplatePattern
    row_lines: int
    skip: list[TemplatePattern]
    memo: list[TemplatePattern]
    card_header: TemplatePattern | None
    summary_row: TemplatePattern | None
    continuation_lines: int
    amount: re.Pattern[str]  # the syntax's amount (built here, escaped: not a template regex)
    statement_fields: dict[str, list[TemplatePattern]] = field(default_factory=dict)
    card_fields: dict[str, list[TemplatePattern]] = field(default_factory=dict)


def compile_template(spec: dict) -> CompiledTemplate:
    syntax = AmountSyntax.from_spec(spec.get("amounts"))
    dates = spec.get("dates", {})
    txn_formats = dates.get("formats", ["%d/%m"])
    statement_formats = dates.get("statement_formats", txn_formats)
    expand = _expander(syntax, txn_formats, statement_formats)
    rows = spec.get("transactions", {})
    cards = spec.get("cards", {})
    flags = re.IGNORECASE if spec.get("ignore_case", True) else 0
    return CompiledTemplate(
        spec=spec,
        syntax=syntax,
        txn_formats=txn_formats,
        statement_formats=statement_formats,
        row_pattern=compile_template_pattern(expand(rows["pattern"]), flags),
        row_lines=int(rows.get("lines", 1)),
        skip=[compile_template_pattern(expand(p), flags) for p in rows.get("skip", [])],
        memo=[compile_template_pattern(expand(p), flags) for p in rows.get("memo", [])],
        card_header=compile_template_pattern(expand(cards["header"]), flags)
        if cards.get("header")
        else None,
        summary_row=compile_template_pattern(expand(cards["summary_row"]), flags)
        if cards.get("summary_row")
        else None,
        continuation_lines=int(rows.get("continuation_lines", 0)),
        amount=re.compile(amount_regex(syntax)),
        statement_fields=_compile_fields(spec.get("statement_fields", {}), expand, flags),
        card_fields=_compile_fields(spec.get("card_fields", {}), expand, flags),
    )


def _expander(syntax: AmountSyntax, txn_formats: list[str], statement_formats: list[str]):
    # Placeholders keep templates readable: {AMOUNT}, {DATE} (row dates), {SDATE}.
    table = {
        "{AMOUNT}": amount_regex(syntax),
        "{DATE}": date_regex(txn_formats),
        "{SDATE}": date_regex(statement_formats),
    }

    def expand(pattern: str) -> str:
        for key, value in table.items():
            pattern = pattern.replace(key, value)
        return pattern

    return expand


def _compile_fields(fields: dict, expand, flags: int) -> dict[str, list[TemplatePattern]]:
    compiled = {}
    for name, patterns in fields.items():
        patterns = [patterns] if isinstance(patterns, str) else patterns
        compiled[name] = [
            compile_template_pattern(expand(p), flags | re.MULTILINE) for p in patterns
        ]
    return compiled


@dataclass
class _Section:
    card_last4: str
    lines: list[TextLine]


def parse_with_template(lines: list[TextLine], spec: dict) -> ParsedStatement:
    """A ParsedStatement with one bill per card section (or one for the whole account)."""
    tpl = compile_template(spec)
    full_text = "\n".join(line.text for line in lines)
    header = _statement_header(full_text, tpl)
    preamble, sections = _split_sections(lines, tpl)
    summaries = _summary_rows(full_text, tpl)
    scope = spec.get("cards", {}).get("scope", "card")
    if scope == "account" or not sections:
        all_txn_lines = sections or [_Section("", preamble)]
        bill = _new_bill(header, tpl.spec)
        _fill_fields(bill, full_text, tpl)
        bill.card_last4 = bill.card_last4 or (sections[0].card_last4 if sections else "")
        for section in all_txn_lines:
            bill.transactions += _transactions(section, tpl, bill.statement_date)
        _fill_from_summaries(bill, list(summaries.values()))
        bills = [bill]
    else:
        bills = []
        for section in sections:
            bill = _new_bill(header, tpl.spec)
            bill.card_last4 = section.card_last4
            _fill_fields(bill, "\n".join(line.text for line in section.lines), tpl)
            bill.transactions = _transactions(section, tpl, bill.statement_date)
            _fill_from_summaries(bill, [summaries.get(section.card_last4, {})])
            bills.append(bill)
    for bill in bills:
        for txn in bill.transactions:
            txn.card_last4 = txn.card_last4 or bill.card_last4
    return ParsedStatement(
        bank_code=spec["bank"],
        template_version=spec.get("version"),
        file_format="pdf",
        bills=bills,
        checks=tuple(spec.get("verify", ["balance", "printed_totals"])),
    )


def _statement_header(text: str, tpl: CompiledTemplate) -> dict:
    values: dict = {}
    for name, patterns in tpl.statement_fields.items():
        raw = _first_value(text, patterns)
        if raw is None:
            continue
        values[name] = _convert(name, raw, tpl)
    return values


def _new_bill(header: dict, spec: dict) -> ParsedBill:
    bill = ParsedBill(currency=spec.get("currency", ""))
    for name, value in header.items():
        _set(bill, name, value)
    return bill


def _fill_fields(bill: ParsedBill, text: str, tpl: CompiledTemplate) -> None:
    for name, patterns in tpl.card_fields.items():
        raw = _first_value(text, patterns)
        if raw is not None:
            _set(bill, name, _convert(name, raw, tpl))


def _set(bill: ParsedBill, name: str, value) -> None:
    if value is None:
        return
    if name == "card_number":
        bill.card_last4 = value
    elif hasattr(bill, name):
        setattr(bill, name, value)


def _convert(name: str, raw: str, tpl: CompiledTemplate):
    if name in DATE_FIELDS:
        return parse_date(" ".join(raw.split()), tpl.statement_formats)
    if name in BALANCE_FIELDS:
        return signed_balance(raw, tpl.syntax)
    if name in ("card_number", "card_last4"):
        match = LAST4.search(raw)
        return match.group(1) if match else None
    return " ".join(raw.split())


def _first_value(text: str, patterns: list[TemplatePattern]) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group("value")
    return None


def _split_sections(
    lines: list[TextLine], tpl: CompiledTemplate
) -> tuple[list[TextLine], list[_Section]]:
    if tpl.card_header is None:
        return lines, []
    preamble: list[TextLine] = []
    sections: list[_Section] = []
    for line in lines:
        match = tpl.card_header.fullmatch(line.text)
        if match:
            last4 = LAST4.search(match.group("card_number"))
            sections.append(_Section(last4.group(1) if last4 else "", []))
        elif sections:
            sections[-1].lines.append(line)
        else:
            preamble.append(line)
    # The same card printed again (e.g. continued on the next page) is one section.
    merged: dict[str, _Section] = {}
    for section in sections:
        if section.card_last4 in merged:
            merged[section.card_last4].lines += section.lines
        else:
            merged[section.card_last4] = section
    return preamble, list(merged.values())


def _summary_rows(text: str, tpl: CompiledTemplate) -> dict[str, dict[str, Decimal]]:
    """Per-card figures from a summary table (one row per card), keyed by last4."""
    if tpl.summary_row is None:
        return {}
    rows: dict[str, dict[str, Decimal]] = {}
    for line in text.splitlines():
        match = tpl.summary_row.fullmatch(line)
        if not match:
            continue
        groups = match.groupdict()
        last4 = LAST4.search(groups.get("card_number") or "")
        values = {
            name: signed_balance(raw, tpl.syntax)
            for name, raw in groups.items()
            if name in BALANCE_FIELDS and raw
        }
        rows[last4.group(1) if last4 else str(len(rows))] = values
    return rows


def _fill_from_summaries(bill: ParsedBill, summaries: list[dict[str, Decimal]]) -> None:
    """Fields the bill still lacks are the sum of its summary rows."""
    for name in BALANCE_FIELDS:
        if getattr(bill, name) is not None:
            continue
        values = [row[name] for row in summaries if row.get(name) is not None]
        if values:
            setattr(bill, name, sum(values, Decimal("0")))


def _transactions(
    section: _Section, tpl: CompiledTemplate, statement_date: date | None
) -> list[ParsedTransaction]:
    found: list[ParsedTransaction] = []
    lines = section.lines
    i = 0
    open_row: ParsedTransaction | None = None
    continued = 0
    while i < len(lines):
        line = lines[i]
        window = lines[i : i + tpl.row_lines]
        if any(p.search(line.text) for p in tpl.skip):
            open_row, i = None, i + 1
            continue
        txn = None
        if len(window) == tpl.row_lines:
            txn = _row(window, tpl, statement_date, section.card_last4)
        if txn is not None:
            found.append(txn)
            open_row, continued, i = txn, 0, i + tpl.row_lines
            continue
        if _is_continuation(line, open_row, continued, tpl):
            open_row.description = f"{open_row.description} {line.text}".strip()
            open_row.raw_text += "\n" + line.text
            continued += 1
        else:
            open_row = None
        i += 1
    return found


def _is_continuation(
    line: TextLine, open_row: ParsedTransaction | None, continued: int, tpl: CompiledTemplate
) -> bool:
    # A wrapped description: right under a row, same page, and carrying no money of its own
    # (a line with an amount is a total or a balance, never the tail of a description).
    if open_row is None or continued >= tpl.continuation_lines or line.page != open_row.page:
        return False
    return not tpl.amount.search(line.text)


def _row(
    window: list[TextLine], tpl: CompiledTemplate, statement_date: date | None, card_last4: str
) -> ParsedTransaction | None:
    raw = "\n".join(line.text for line in window)
    match = tpl.row_pattern.fullmatch(raw)
    if not match:
        return None
    groups = match.groupdict()
    parsed = parse_amount(groups["amount"], tpl.syntax)
    if parsed is None:
        return None
    amount, direction = parsed
    if groups.get("direction"):
        direction = _direction_from_flag(groups["direction"], tpl.spec) or direction
    posting = _row_date(groups.get("posting_date") or groups.get("date"), tpl, statement_date)
    txn_date = _row_date(groups.get("transaction_date") or groups.get("date"), tpl, statement_date)
    description = " ".join((groups.get("description") or "").split())
    fx_amount = None
    if groups.get("fx_amount"):
        fx = parse_amount(groups["fx_amount"], tpl.syntax)
        fx_amount = fx[0] if fx else None
    return ParsedTransaction(
        posting_date=posting,
        transaction_date=txn_date,
        description=description,
        amount=amount,
        direction=direction or "debit",
        fx_amount=fx_amount,
        fx_currency=(groups.get("fx_currency") or "").upper(),
        page=window[0].page,
        line=window[0].line,
        raw_text=raw,
        card_last4=card_last4,
        is_memo=any(p.search(description) for p in tpl.memo),
    )


def _row_date(raw: str | None, tpl: CompiledTemplate, statement_date: date | None) -> date | None:
    if not raw:
        return None
    return parse_date(" ".join(raw.split()), tpl.txn_formats, statement_date)


def _direction_from_flag(flag: str, spec: dict) -> str | None:
    flags = spec.get("transactions", {}).get("direction_flags", {})
    return flags.get(flag.strip().upper())
