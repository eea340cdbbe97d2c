"""CSV bytes -> rows of cells: encoding and delimiter sniffed, nothing interpreted yet."""

from __future__ import annotations

import csv
import io
import re

from .base import StatementError
from .limits import check_row_size, max_columns, max_rows

ENCODINGS = ("utf-8-sig", "utf-8", "cp1252", "latin-1")
DELIMITERS = ",;\t|"


def decode_text(data: bytes) -> str:
    """UTF-16/32 by their byte-order mark (or, without one, by the zero bytes of UTF-16's
    ASCII), else utf-8 (with or without BOM) when it decodes, else cp1252, else latin-1 (never
    fails)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    sixteen = _utf16_without_bom(data)
    if sixteen:
        return data.decode(sixteen, errors="replace")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str:
    """The UTF-16 byte order ("utf-16-le"/"utf-16-be") when most odd (even) bytes of the head
    are zero, as in UTF-16 text that is mostly ASCII; "" otherwise."""
    head = data[:4000]
    if len(head) < 8:
        return ""
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return ""


def _looks_binary(text: str) -> bool:
    """NULs, or more than 1 in 100 characters of the head a control character: not text."""
    head = text[:20000]
    if "\x00" in head or "\x00" in text:
        return True
    controls = sum(1 for c in head if ord(c) < 32 and c not in "\t\r\n\f\v")
    return controls > len(head) / 100


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most lines into the same (>1) number of cells.

    A tab that splits most lines evenly wins (tabs appear in no other role); a semicolon that
    does wins over a comma where amounts have decimal commas ("Einkauf, REWE;-12,34" splits
    as evenly on both)."""
    lines = [line for line in text.splitlines() if line.strip()][:200]
    scores: dict[str, tuple[int, int]] = {}
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common >= 2:
            scores[delimiter] = (counts.count(common) * common, counts.count(common))
    if not scores:
        return ","
    if "\t" in scores and scores["\t"][1] >= 0.8 * len(lines):
        return "\t"
    decimal_commas = len(re.findall(r"\d,\d{2}(?!\d)", "\n".join(lines)))
    if ";" in scores and scores[";"][1] >= 0.5 * len(lines) and decimal_commas >= len(lines) / 3:
        return ";"
    return max(DELIMITERS, key=lambda d: (scores.get(d, (-1, 0))[0], -DELIMITERS.index(d)))


def _declared_delimiter(text: str) -> tuple[str, str]:
    """Excel's "sep=;" first line: the delimiter it declares, and the text without it."""
    first, _, rest = text.partition("\n")
    match = re.fullmatch(r'"?sep=(.)"?\s*', first.strip("\ufeff"), re.IGNORECASE)
    if match:
        return rest, match[1]
    return text, ""


def read_csv_rows(data: bytes) -> list[list[str]]:
    """Every row (blank lines as []), at most STATEMENT_MAX_ROWS rows of STATEMENT_MAX_COLUMNS
    cells: past either the read fails, since a truncated statement would be a wrong bill."""
    text = decode_text(data)
    if _looks_binary(text):
        raise StatementError("unreadable_csv", "The file is binary, not a CSV export.")
    text, delimiter = _declared_delimiter(text)
    delimiter = delimiter or sniff_delimiter(text)
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
