"""The reader for PDF statements of a bank without a template, driven by the page layout.

From the positioned rows of `pdf_layout` (text layer or OCR alike) it finds:
- transaction rows: a date at the start of the row and amounts in value columns; the value
  columns are the page's right-hand amount columns, found by where amounts line up, labelled
  by the table's heading when there is one (Débit / Crédit / Amount / Balance / Soll / Haben
  / 借方 ...); continuation rows join the description; amounts printed inside the
  description (an FX memo "14,00 USD") stay out of the sums;
- sections: an opening balance line, rows, a closing balance line (a statement may hold
  several accounts); "carried forward" / "brought forward" pairs inside a section are skipped;
- summary fields: statement date, due date, previous and new balance, minimum payment, from
  labels in several languages (`statement_labels`), the value after the label or under it.

Where the reading is ambiguous (which column is a debit, whether a sign means charge or
payment, card or current account) every interpretation is tried and reconciliation is the
arbiter: the one under which the balances tie to the cent (or the running balance column
holds row by row) wins. Nothing here is tuned to one bank. The result is `needs_review`
unless the chosen interpretation ties.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocrengine.engines.base import DocumentText

from ..base import AccountKind, ParsedStatement
from ..layout_tokens import DateOrder
from ..pdf_layout import layout_rows
from ..reconcile import reconcile_bill
from .arbiter import best_reading, describe_reading
from .bills import bill_of_section
from .rows import (
    MAX_VALUE_COLUMNS,
    VALUE_ROLES,
    column_headings,
    date_column,
    document_currency,
    join_date_rows,
    kind_cue,
    latest_date,
    month_first_hint,
    starts_with_date,
    value_columns,
)
from .sections import drop_misplaced_balances, read_sections
from .summary import Summary

__all__ = ["LayoutHints", "layout_suggestion", "parse_generic_document"]


@dataclass(frozen=True)
class LayoutHints:
    """What a supervisor marked on a sample statement (a "layout" bank template): the value
    columns and their roles, the account kind, the date order, the label of each summary
    field. Marked things are taken as given; everything else is still read from the page."""

    kind: AccountKind | None = None
    month_first: bool | None = None
    columns: tuple[tuple[str, float, float], ...] = ()  # (role, x0, x1), fractions of the width
    labels: tuple[tuple[str, str], ...] = ()  # (field, label text as printed)

    @classmethod
    def from_spec(cls, spec: dict | None) -> LayoutHints:
        spec = spec or {}
        order = spec.get("date_order")
        return cls(
            kind=spec.get("kind"),
            month_first=None if order is None else order == "month_first",
            columns=tuple(
                (column["role"], float(column["x0"]), float(column["x1"]))
                for column in spec.get("columns", [])
                if column.get("role") in VALUE_ROLES
            ),
            labels=tuple(sorted((spec.get("labels") or {}).items())),
        )

    def as_spec(self) -> dict:
        spec: dict = {"columns": [{"role": r, "x0": x0, "x1": x1} for r, x0, x1 in self.columns]}
        if self.kind:
            spec["kind"] = self.kind
        if self.month_first is not None:
            spec["date_order"] = "month_first" if self.month_first else "day_first"
        if self.labels:
            spec["labels"] = dict(self.labels)
        return spec


def parse_generic_document(
    document: DocumentText, hints: LayoutHints | None = None
) -> ParsedStatement:
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="pdf")
    statement.needs_review, _used = _read(document, hints or LayoutHints(), statement)
    return statement


def layout_suggestion(document: DocumentText) -> dict:
    """How the generic reader reads this document, as a "layout" spec to start a bank
    template from: the supervisor corrects what is wrong and saves it."""
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="pdf")
    _review, reading = _read(document, LayoutHints(), statement)
    return reading.as_spec() if reading is not None else LayoutHints().as_spec()


def _read(
    document: DocumentText, hints: LayoutHints, statement: ParsedStatement
) -> tuple[bool, LayoutHints | None]:
    """Fill `statement`; (needs review, the reading used, as hints)."""
    rows = join_date_rows([row for row in layout_rows(document) if row.cells])
    tokens = [d.token for row in rows for d in row.dates]
    if hints.month_first is None:
        order = DateOrder.of(tokens, month_first_hint(rows))
    else:
        order = DateOrder(month_first=hints.month_first, decided=True)
    summary = Summary.read(rows, order, dict(hints.labels))
    reference = summary.statement_date or latest_date(rows, order)
    date_x = date_column(rows)
    candidates = [row for row in rows if starts_with_date(row, date_x)]
    if hints.columns:
        marked = sorted(hints.columns, key=lambda column: column[1])
        columns = [(x0, x1) for _, x0, x1 in marked]
        headings = {index: role for index, (role, _, _) in enumerate(marked)}
    else:
        columns = value_columns(candidates)[-MAX_VALUE_COLUMNS:]
        headings = column_headings(rows, columns, set(map(id, candidates)))
    kind_prior = hints.kind or kind_cue(rows)
    if not columns:
        statement.problems.append(
            "No transaction table was recognised (rows starting with a date, amounts in columns)."
        )
        statement.bills.append(summary.bill(kind_prior or "card"))
        return True, None
    sections = read_sections(rows, candidates, columns, date_x)
    for section in sections:
        drop_misplaced_balances(section, order, reference)
    kinds = (hints.kind,) if hints.kind else ("card", "current")
    reading, score = best_reading(sections, columns, headings, summary, kind_prior, kinds)
    for section in sections:
        statement.bills.append(
            bill_of_section(section, reading, summary, order, reference, len(sections))
        )
    currency = document_currency(rows)
    for bill in statement.bills:
        bill.currency = currency
    errors = [
        p for bill in statement.bills for p in reconcile_bill(bill) if p["severity"] == "error"
    ]
    if not score.ties:
        statement.problems.append(
            "The generic reader found no reading of the columns under which the balances "
            f"reconcile; it used {describe_reading(reading)}."
        )
    used = LayoutHints(
        kind=reading.kind,
        month_first=order.month_first,
        columns=tuple(
            (role, round(x0, 4), round(x1, 4))
            for role, (x0, x1) in zip(reading.roles, columns, strict=False)
            if role in VALUE_ROLES
        ),
        labels=tuple(sorted(summary.labels.items())),
    )
    return bool(errors) or not score.ties, used
