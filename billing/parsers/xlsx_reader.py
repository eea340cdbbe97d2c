"""XLSX bytes -> rows of cells (the first sheet with transaction-like rows, a date and a number
on one row, else the first sheet with data); Excel dates become `date`.

A workbook is a zip of XML parts and openpyxl trusts what they declare, so before it opens
one: at most XLSX_MAX_MEMBERS parts and XLSX_MAX_UNCOMPRESSED_BYTES in all (sizes from the
zip's directory; Python's zipfile never inflates a part past its declared size). Sheets are
read with their declared dimension reset (a forged `A1:XFD1048576` would pad every row to
16,384 cells) and only up to STATEMENT_MAX_ROWS rows and STATEMENT_MAX_COLUMNS columns;
a value beyond either fails the read rather than being dropped.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from datetime import date, datetime, timedelta

from .base import StatementError
from .limits import (
    check_row_size,
    max_columns,
    max_rows,
    xlsx_max_members,
    xlsx_max_uncompressed_bytes,
)

EXCEL_EPOCH = date(1899, 12, 30)


def xlsx_archive_check(archive: zipfile.ZipFile) -> None:
    """StatementError `workbook_too_large` when the archive has too many parts or declares
    too many uncompressed bytes."""
    members = archive.infolist()
    most_members = xlsx_max_members()
    if len(members) > most_members:
        raise StatementError(
            "workbook_too_large",
            f"The workbook has {len(members):,} parts; the limit is {most_members:,}.",
            {"members": len(members), "limit": most_members},
        )
    total = sum(member.file_size for member in members)
    most_bytes = xlsx_max_uncompressed_bytes()
    if total > most_bytes:
        raise StatementError(
            "workbook_too_large",
            f"The workbook unpacks to {total:,} bytes; the limit is {most_bytes:,}.",
            {"uncompressed": total, "limit": most_bytes},
        )


def read_xlsx_rows(data: bytes) -> list[list]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xlsx_archive_check(archive)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" from generated workbooks
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except StatementError:
        raise
    except Exception as exc:
        raise StatementError("unreadable_xlsx", f"The workbook cannot be read: {exc}") from exc
    try:
        first: list[list] = []
        for sheet in book.worksheets:
            rows = _sheet_rows(sheet, max_rows(), max_columns())
            if rows and _has_transactions(rows):
                return rows
            first = first or rows
        return first
    except StatementError:
        raise
    except Exception as exc:  # a part that is not the XML it claims to be
        raise StatementError("unreadable_xlsx", f"The workbook cannot be read: {exc}") from exc
    finally:
        book.close()


def _has_transactions(rows: list[list]) -> bool:
    """Whether some row holds a date and a number, as a transaction row does: a workbook whose
    first sheet is a summary or a cover page is read from the sheet with the rows."""
    for row in rows[:500]:
        dated = any(isinstance(c, date) or (isinstance(c, str) and _DATE.search(c)) for c in row)
        numbered = any(
            (isinstance(c, (int, float)) and not isinstance(c, bool))
            or (isinstance(c, str) and _NUMBER.fullmatch(c.strip()))
            for c in row
        )
        if dated and numbered:
            return True
    return False


_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\.? ?[^\W\d_]{3,9}\.? \d{2,4}")
_NUMBER = re.compile(r"[-+(]?[^\d\s]{0,3}\s?\d[\d.,' ]*\)?-?(?:\s?[A-Z]{2,3})?")


def _sheet_rows(sheet, most_rows: int, most_columns: int) -> list[list]:
    """The sheet's rows from A1 to its last value, each as wide as the widest row with a
    value; [] for a sheet without values. One row and one column past the limits are read, to
    tell a sheet that ends at the limit from one that goes beyond it."""
    sheet.reset_dimensions()
    rows, width = [], 0
    for number, row in enumerate(
        sheet.iter_rows(
            min_row=1, min_col=1, max_row=most_rows + 1, max_col=most_columns + 1, values_only=True
        ),
        start=1,
    ):
        cells = [_cell(value) for value in row]
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if not cells:
            rows.append(cells)
            continue
        check_row_size(number, len(cells), most_rows=most_rows, most_columns=most_columns)
        rows.append(cells)
        width = max(width, len(cells))
    while rows and not rows[-1]:
        rows.pop()
    return [cells + [None] * (width - len(cells)) for cells in rows]


def _cell(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def excel_serial_to_date(serial: float) -> date | None:
    """An Excel date serial (days since 1899-12-30) left as a plain number by the export."""
    if not 20000 <= serial <= 80000:  # 1954..2119: anything else is not a date
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))
