"""Plain tables: CSV (UTF-8 with a byte-order mark, so Excel opens it in the right encoding)
and XLSX (openpyxl's write-only workbook: rows stream out, typed as dates and numbers)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from exports import rows
from exports.rows import Links


def table(dataset: str, records: Iterable, links: Links):
    """The dataset's header and its rows of typed values."""
    if dataset == "invoices":
        columns, values = rows.invoice_columns(), rows.invoice_values
    elif dataset == "invoice_lines":
        columns, values = list(rows.LINE_COLUMNS), rows.line_values
    else:
        columns, values = list(rows.TRANSACTION_COLUMNS), rows.transaction_values

    def body():
        for record in records:
            row = values(record, links)
            yield [row[name] for name in columns]

    return columns, body()


def csv_text(header: list[str], body: Iterable[list[Any]], **dialect: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", **dialect)
    writer.writerow(header)
    for row in body:
        writer.writerow([rows.text(value) for value in row])
    return out.getvalue()


def csv_write(dataset: str, records: Iterable, links: Links) -> bytes:
    header, body = table(dataset, records, links)
    return ("\ufeff" + csv_text(header, body)).encode("utf-8")


def xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as stored
    if isinstance(value, list | dict):
        return rows.text(value)
    return value


def xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for title, header, body in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for row in body:
            sheet.append([xlsx_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_write(dataset: str, records: Iterable, links: Links) -> bytes:
    header, body = table(dataset, records, links)
    return xlsx_bytes([(dataset, header, body)])
