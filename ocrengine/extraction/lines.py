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
        # pl, es, it, pt, cs, sv, ja (#15)
        "nazwa",
        "opis",
        "descripción",
        "concepto",
        "descrizione",
        "descrição",
        "produto",
        "popis",
        "položka",
        "beskrivning",
        "benämning",
        "品名",
        "品目",
        "内容",
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
        "ilość",
        "ilosc",
        "quantidade",
        "qtd",
        "množství",
        "antal",
        "数量",
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
        "cena",
        "preço",
        "pris",
        "単価",
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
        "wartość",
        "wartosc",
        "valor",
        "celkem",
        "belopp",
        "金額",
    ),
    "tax_rate": ("tax rate", "vat %", "vat", "mwst", "ust", "tva", "btw", "税率", "tax %", "gst"),
}
TOTAL_ROW = re.compile(
    r"(sub\s*total|total|summe|合\s*计|totaal|montant total|zwischensumme|razem|\bsuma\b|"
    r"celkem|\bsumma\b|totale|小計|合計|imponibile|base imponible|do zapłaty)",
    re.I,
)


def _column_of(text: str) -> str | None:
    lowered = text.casefold()
    for column, words in COLUMN_WORDS.items():
        if any(word in lowered for word in words):
            return column
    return None


def _header(
    layout: Layout, first: int = 0, last: int | None = None
) -> tuple[int, dict[str, Segment]] | None:
    for row_index in range(
        first, len(layout.rows) if last is None else min(last, len(layout.rows))
    ):
        columns = _columns(layout.rows[row_index])
        if "description" in columns and len(columns) >= 3:
            return row_index, columns
    return None


def _columns(row: list[Segment]) -> dict[str, Segment]:
    columns: dict[str, Segment] = {}
    for segment in row:
        column = _column_of(segment.text)
        if column == "unit_price" and column in columns and "amount" not in columns:
            column = "amount"  # "Prijs per stuk ... Prijs incl. BTW": the second price
        if column and column not in columns and len(segment.text) < 40:
            columns[column] = segment
    return columns


# A tax line under the items ("CGST @ 9%  11,250.00", "VAT 20 %  40.00"): no item of its own.
_TAX_LINE = re.compile(
    r"^\W*(?:(?:c|s|i|ut)gst\b|(?:vat|gst|hst|qst|pst|mwst|ust|tva|iva|btw|moms|dph)\b"
    r".*\d\s*%)",
    re.I,
)
# "Carried forward" rows end a page's part of the table; the rest follows the next page's
# repeated header.
_CARRIED = re.compile(
    r"^\W*(carried\s+forward|brought\s+forward|übertrag\b|à\s+reporter|a\s+transportar|"
    r"przeniesienie|z\s+przeniesienia|riporto\b|att\s+överföra|繰越)",
    re.I,
)


def _nearest(segment: Segment, columns: dict[str, Segment]) -> str:
    centre = (segment.box[0] + segment.box[2]) / 2
    return min(columns, key=lambda c: abs((columns[c].box[0] + columns[c].box[2]) / 2 - centre))


def item_rows(layout: Layout, *, max_rows: int = 60) -> list[tuple[list[Segment], dict]]:
    """Each line item with the layout row it was read from: rows under the item table header
    until a totals row, each with an amount; a table cut by a page break goes on under the
    header the next page repeats."""
    found = _header(layout)
    if not found:
        return []
    header_row, columns = found
    items: list[tuple[list[Segment], dict]] = []
    page, position = columns["description"].page, header_row + 1
    previous: Segment | None = None  # the last row read, for the gap to the next
    while position < len(layout.rows) and len(items) < max_rows:
        row = layout.rows[position]
        table_goes_on = row[0].page == page and not _CARRIED.search(row[0].text)
        if table_goes_on:
            position += 1
            if TOTAL_ROW.search(row[0].text):
                break
            if _TAX_LINE.search(row[0].text):
                continue
            item = _row_item(row, columns)
            far = previous is not None and row[0].box[1] - previous.box[3] > previous.height * 1.8
            if item["amount"] and item["description"]:
                items.append((row, item))
            elif len(_columns(row)) >= 2 or (far and not item["amount"]):
                table_goes_on = False  # another table's header, or what follows after a gap
            elif items and item["description"] and not _has_figures(item):
                items[-1][1]["description"] += f" {item['description']}"
            previous = row[0]
        if table_goes_on:
            continue
        # The page's part of the table ended (a page break, a carried-forward row, a page
        # footer): it goes on under the header the next page repeats, if one does.
        following = _next_page_header(layout, position, page)
        if following is None:
            break
        (position, columns), previous = following, None
        page, position = columns_page(following), position + 1
    return items


def _has_figures(item: dict) -> bool:
    return any(item[column] for column in COLUMN_WORDS if column != "description")


def columns_page(found: tuple[int, dict[str, Segment]]) -> int:
    return found[1]["description"].page


def _next_page_header(
    layout: Layout, position: int, page: int
) -> tuple[int, dict[str, Segment]] | None:
    """The item header repeated near the top of the page after `page`, if there is one."""
    start = next(
        (i for i in range(position, len(layout.rows)) if layout.rows[i][0].page > page), None
    )
    if start is None:
        return None
    return _header(layout, start, start + 25)


def _row_item(row: list[Segment], columns: dict[str, Segment]) -> dict[str, str | None]:
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
    return item
