"""Statement readers: bytes + bank templates -> ParsedStatement. No Django in here.

    parse_statement(data, filename=..., templates=[...], password=None, bank_code=None)

`templates` are the active bank templates (JSON specs, see `template_spec.py`). Every line
(PDF) and cell (CSV/XLSX) is cut to MAX_LINE_CHARS before any regex reads it, and template
regexes run under TEMPLATE_REGEX_TIMEOUT_S (`ocrengine.extraction.patterns`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ocrengine.extraction.patterns import PatternSyntaxError, PatternTimeout, cap_line

from .base import (
    ParsedBill,
    ParsedStatement,
    ParsedTransaction,
    RowProblem,
    StatementError,
)
from .detect import (
    CAMT,
    CSV,
    EXPORT_FORMATS,
    MT940,
    OFX,
    PDF,
    QIF,
    XLSX,
    pick_template,
    sniff_format,
)
from .reconcile import reconcile_bill, statement_status
from .template_spec import validate_template

if TYPE_CHECKING:
    from .pdf_reader import TextLine

__all__ = [
    "ParsedBill",
    "ParsedStatement",
    "ParsedTransaction",
    "RowProblem",
    "StatementError",
    "parse_statement",
    "reconcile_bill",
    "statement_status",
    "validate_template",
]


def parse_statement(
    data: bytes,
    *,
    filename: str,
    templates: list[dict],
    password: str | None = None,
    bank_code: str | None = None,
) -> ParsedStatement:
    """Read one statement file. Raises a `DocumentError` when unreadable: a StatementError,
    or `ocrengine.documents`' PasswordRequired / PasswordIncorrect for a protected PDF.

    A bank template is chosen by its detection markers; without one the generic reader
    runs and the result is marked `needs_review` unless it reconciles.
    """
    if not data:
        raise StatementError("empty_file", "The file is empty.")
    file_format = sniff_format(data, filename)
    if file_format == PDF:
        return _parse_pdf(data, templates, password, bank_code)
    if file_format in EXPORT_FORMATS:
        return _parse_export(data, file_format)
    if file_format == XLSX:
        from .xlsx_reader import read_xlsx_rows

        rows = read_xlsx_rows(data)
    else:
        from .csv_reader import read_csv_rows

        rows = read_csv_rows(data)
    return _parse_table(rows, file_format, templates, bank_code)


def _parse_export(data: bytes, file_format: str) -> ParsedStatement:
    """A bank's data export (OFX, CAMT, MT940, QIF): read whole by its reader, no template."""
    if file_format == OFX:
        from .ofx_reader import parse_ofx

        return parse_ofx(data)
    if file_format == CAMT:
        from .camt_reader import parse_camt

        return parse_camt(data)
    if file_format == MT940:
        from .mt940_reader import parse_mt940

        return parse_mt940(data)
    from .qif_reader import parse_qif

    return parse_qif(data)


def _parse_pdf(
    data: bytes, templates: list[dict], password: str | None, bank_code: str | None
) -> ParsedStatement:
    from .pdf_generic import parse_generic_document
    from .pdf_reader import read_pdf_document, read_pdf_lines
    from .pdf_template import parse_with_template

    lines = [_capped(line) for line in read_pdf_lines(data, password)]
    spec = _pick_template([line.text for line in lines], templates, PDF, bank_code)
    if spec is not None and "layout" in spec:
        return _parse_pdf_layout(data, password, spec)
    note = ""
    if spec is not None:
        try:
            statement = parse_with_template(lines, spec)
        except PatternTimeout as error:
            raise _timed_out(error, spec) from None
        except (re.error, KeyError, TypeError, ValueError) as exc:
            # A broken template in the database must not take the import down with it.
            statement, note = None, f"it failed ({exc!r})"
        if statement is not None and _has_content(statement):
            return statement
        note = note or "it read nothing"
    # No template, or one that read nothing: the layout reader, on the text layer or, for a
    # scanned page, on what OCR read (one PDF stack: ocrengine.documents).
    statement = parse_generic_document(read_pdf_document(data, password))
    if spec is not None:
        statement.problems.append(
            f"Template {spec['bank']} v{spec.get('version')} matched but {note}; "
            "the generic reader was used."
        )
    return statement


def _parse_pdf_layout(data: bytes, password: str | None, spec: dict) -> ParsedStatement:
    """A template made by example: the generic reader with the marked columns, kind, date
    order and labels taken as given; the bank and version are the template's, and its checks."""
    from .pdf_generic import LayoutHints, parse_generic_document
    from .pdf_reader import read_pdf_document

    document = read_pdf_document(data, password)
    try:
        hints = LayoutHints.from_spec(spec["layout"])
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A broken template in the database must not take the import down with it.
        statement = parse_generic_document(document)
        statement.problems.append(
            f"Template {spec['bank']} v{spec.get('version')} has a broken layout ({exc!r}); "
            "the generic reader was used."
        )
        return statement
    statement = parse_generic_document(document, hints)
    statement.bank_code, statement.template_version = spec["bank"], spec.get("version")
    statement.checks = tuple(spec.get("verify", ["balance", "printed_totals"]))
    return statement


def _parse_table(
    rows: list[list], file_format: str, templates: list[dict], bank_code: str | None
) -> ParsedStatement:
    from .table_generic import parse_generic_table
    from .table_template import parse_table_with_template

    rows = [[cap_line(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
    head = [cap_line(" ".join(str(c) for c in row if c not in (None, ""))) for row in rows[:40]]
    spec = _pick_template(head, templates, file_format, bank_code)
    note = ""
    if spec is not None:
        try:
            statement = parse_table_with_template(rows, spec, file_format)
        except PatternTimeout as error:
            raise _timed_out(error, spec) from None
        except (re.error, KeyError, TypeError, ValueError) as exc:
            statement, note = None, f"it failed ({exc!r})"
        if statement is not None and _has_content(statement):
            return statement
        note = note or "it read nothing"
    statement = parse_generic_table(rows, file_format)
    if spec is not None:
        statement.problems.append(
            f"Template {spec['bank']} v{spec.get('version')} matched but {note}; "
            "the generic reader was used."
        )
    return statement


def _capped(line: TextLine) -> TextLine:
    text = cap_line(line.text)
    return line if text is line.text else replace(line, text=text)


def _pick_template(
    text_lines: list[str], templates: list[dict], file_format: str, bank_code: str | None
) -> dict | None:
    """`pick_template`, with a detection pattern that fails turned into a StatementError (the
    import fails with its code) rather than an exception from the reader."""
    try:
        return pick_template(text_lines, templates, file_format, bank_code)
    except PatternTimeout as error:
        raise _timed_out(error, None) from None
    except PatternSyntaxError as error:
        raise StatementError(
            "invalid_template_pattern", f"A bank template's detection pattern is invalid: {error}"
        ) from None


def _timed_out(error: PatternTimeout, spec: dict | None) -> StatementError:
    """A template pattern that ran past the time limit fails the import with its own code:
    the template needs fixing, and the generic reader would only hide why (it knows no bank)."""
    which = f"Template {spec['bank']} v{spec.get('version')}" if spec else "A bank template"
    return StatementError(
        error.code,
        f"{which}: {error}",
        {"pattern": error.pattern, "timeout_s": error.timeout_s},
    )


def _has_content(statement: ParsedStatement) -> bool:
    return any(
        bill.transactions or bill.new_balance is not None or bill.row_problems
        for bill in statement.bills
    )


__all__ += ["CAMT", "CSV", "MT940", "OFX", "PDF", "QIF", "XLSX"]
