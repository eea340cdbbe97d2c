"""XLSX bytes -> rows of cells (first sheet with data); Excel dates become `date`."""

from __future__ import annotations

import io
import warnings
from datetime import date, datetime, timedelta

from .base import StatementError

EXCEL_EPOCH = date(1899, 12, 30)


def read_xlsx_rows(data: bytes) -> list[list]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" from generated workbooks
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise StatementError("unreadable_xlsx", f"The workbook cannot be read: {exc}") from exc
    try:
        for sheet in book.worksheets:
            rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            if any(any(c not in (None, "") for c in row) for row in rows):
                return rows
    finally:
        book.close()
    return []


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
