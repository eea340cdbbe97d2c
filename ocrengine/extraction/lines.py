"""Line items from table-like layouts: a header row names the columns, rows below fill them."""

from __future__ import annotations

import re

from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.normalize import find_amounts, format_amount

COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "description": (
        "description",
        "item",
        "article",
        "artikel",
        "bezeichnung",
        "désignation",
        "designation",
        "omschrijving",
        "product",
        "leistung",
        "项目名称",
        "货物或应税劳务",
        "名称",
        "libellé",
        "beschreibung",
        "service",
    ),
    "quantity": (
        "qty",
        "quantity",
        "menge",
        "anzahl",
        "quantité",
        "qté",
        "aantal",
        "数量",
        "cantidad",
        "quantità",
    ),
    "unit_price": (
        "unit price",
        "price",
        "rate",
        "einzelpreis",
        "preis",
        "prix unitaire",
        "prix",
        "prijs",
        "单价",
        "precio",
        "prezzo",
    ),
    "amount": (
        "amount",
        "total",
        "betrag",
        "gesamt",
        "montant",
        "bedrag",
        "金额",
        "importe",
        "importo",
        "line total",
    ),
    "tax_rate": ("tax rate", "vat %", "vat", "mwst", "ust", "tva", "btw", "税率", "tax %", "gst"),
}
_STOP = re.compile(r"(sub\s*total|total|summe|合\s*计|totaal|montant total|zwischensumme)", re.I)


def _column_of(text: str) -> str | None:
    lowered = text.casefold()
    for column, words in COLUMN_WORDS.items():
        if any(word in lowered for word in words):
            return column
    return None


def _header(layout: Layout) -> tuple[int, dict[str, Segment]] | None:
    for row_index, row in enumerate(layout.rows):
        columns: dict[str, Segment] = {}
        for segment in row:
            column = _column_of(segment.text)
            if column == "unit_price" and column in columns and "amount" not in columns:
                column = "amount"  # "Prijs per stuk ... Prijs incl. BTW": the second price
            if column and column not in columns and len(segment.text) < 40:
                columns[column] = segment
        if "description" in columns and len(columns) >= 3:
            return row_index, columns
    return None


def _nearest(segment: Segment, columns: dict[str, Segment]) -> str:
    centre = (segment.box[0] + segment.box[2]) / 2
    return min(columns, key=lambda c: abs((columns[c].box[0] + columns[c].box[2]) / 2 - centre))


def extract_lines(layout: Layout, *, max_rows: int = 60) -> list[dict]:
    """Rows under the item table header until a totals row; each needs an amount."""
    found = _header(layout)
    if not found:
        return []
    header_row, columns = found
    items: list[dict] = []
    for row in layout.rows[header_row + 1 : header_row + 1 + max_rows]:
        if row[0].page != columns["description"].page:
            break
        if _STOP.search(row[0].text):
            break
        item: dict[str, str | None] = dict.fromkeys(COLUMN_WORDS)
        for segment in row:
            column = _nearest(segment, columns)
            if column == "description":
                item["description"] = ((item["description"] or "") + " " + segment.text).strip()
                continue
            amounts = find_amounts(segment.text)
            if not amounts:
                continue
            value = amounts[-1][0]
            if column == "tax_rate" or segment.text.strip().endswith("%"):
                item["tax_rate"] = str(value)
            elif column == "quantity":
                item["quantity"] = str(value)
            else:
                item[column] = format_amount(value)
        if item["amount"] and item["description"]:
            items.append(item)
        elif (
            items
            and item["description"]
            and not any(item[c] for c in COLUMN_WORDS if c != "description")
        ):
            items[-1]["description"] = f"{items[-1]['description']} {item['description']}"
    return items
