"""How much of a statement file the readers take on: settings when Django is configured (see
`ocrengine.documents.limits`), else these defaults. Past a limit a read fails with its code;
it never truncates, since a truncated statement would make a wrong bill."""

from __future__ import annotations

from ocrengine.documents.limits import limit

from .base import StatementError

DEFAULT_MAX_ROWS = 50_000
DEFAULT_MAX_COLUMNS = 100
DEFAULT_XLSX_MAX_MEMBERS = 500
DEFAULT_XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024


def max_rows() -> int:
    """Rows of a CSV file or an XLSX sheet (blank ones included)."""
    return limit("STATEMENT_MAX_ROWS", default=DEFAULT_MAX_ROWS)


def max_columns() -> int:
    return limit("STATEMENT_MAX_COLUMNS", default=DEFAULT_MAX_COLUMNS)


def xlsx_max_members() -> int:
    return limit("XLSX_MAX_MEMBERS", default=DEFAULT_XLSX_MAX_MEMBERS)


def xlsx_max_uncompressed_bytes() -> int:
    return limit("XLSX_MAX_UNCOMPRESSED_BYTES", default=DEFAULT_XLSX_MAX_UNCOMPRESSED_BYTES)


def check_row_size(number: int, cells: int, *, most_rows: int, most_columns: int) -> None:
    """Refuse row `number` (1-based) of `cells` cells when it lies past the row or column limit."""
    if number > most_rows:
        raise StatementError(
            "too_many_rows",
            f"The file has more than {most_rows:,} rows; the limit is {most_rows:,}.",
            {"limit": most_rows},
        )
    if cells > most_columns:
        raise StatementError(
            "too_many_columns",
            f"Row {number} has more than {most_columns:,} columns; the limit is {most_columns:,}.",
            {"row": number, "limit": most_columns},
        )
