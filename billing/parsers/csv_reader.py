"""CSV bytes -> rows of cells: encoding and delimiter sniffed, nothing interpreted yet."""

from __future__ import annotations

import csv
import io

from .base import StatementError
from .limits import check_row_size, max_columns, max_rows

ENCODINGS = ("utf-8-sig", "utf-8", "cp1252", "latin-1")
DELIMITERS = ",;\t|"


def decode_text(data: bytes) -> str:
    """utf-8 (with or without BOM) when it decodes, else cp1252, else latin-1 (never fails)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most lines into the same (>1) number of cells."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        score = counts.count(common) * common
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv_rows(data: bytes) -> list[list[str]]:
    """Every row (blank lines as []), at most STATEMENT_MAX_ROWS rows of STATEMENT_MAX_COLUMNS
    cells: past either the read fails, since a truncated statement would be a wrong bill."""
    text = decode_text(data)
    if "\x00" in text:
        raise StatementError("unreadable_csv", "The file is binary, not a CSV export.")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    most_rows, most_columns = max_rows(), max_columns()
    rows = []
    try:
        for number, row in enumerate(reader, start=1):
            check_row_size(number, len(row), most_rows=most_rows, most_columns=most_columns)
            rows.append([cell.strip() for cell in row])
    except csv.Error as exc:  # a field over csv's size limit, a stray NUL after decoding
        raise StatementError("unreadable_csv", f"The CSV cannot be read: {exc}") from None
    return rows
