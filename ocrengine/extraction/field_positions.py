"""Where a seller prints a field without a label: a spec's `field_positions` (learned from
reviewers' corrections, `invoices.services.learning`) names, for a seller's tax id, the page
and the box (fractions of the page's width and height) where the reviewer found a field's
value. An invoice of that seller with no labelled value for the field reads it there.

An entry is {"tax_id", "field", "page", "box": [x0, y0, x1, y1]}. Amounts are not placed this
way: net + tax = total chooses them together.
"""

from __future__ import annotations

from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction.candidates import Candidate, FieldRule, values_in
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.seller_names import normalised

MAX_FIELD_POSITIONS = 2000
MARGIN = 0.02  # of the page: a value printed a little further along still falls inside
UNPLACED_TYPES = {"amount"}
LEARNED_SCORE = 0.9


def apply_field_positions(
    spec: dict[str, Any],
    chosen: dict[str, Candidate],
    layout: Layout,
    document: DocumentText,
    rules: list[FieldRule],
    month_first: bool,
) -> None:
    """Fill (or replace a guess of) each field the spec places for the chosen seller tax id."""
    tax_id = chosen.get("seller_tax_id")
    entries = spec.get("field_positions") or []
    if tax_id is None or not entries:
        return
    by_name = {rule.name: rule for rule in rules}
    sizes = {page.number: (page.width or 1.0, page.height or 1.0) for page in document.pages}
    for entry in entries:
        rule = by_name.get(entry["field"])
        if rule is None or rule.type in UNPLACED_TYPES:
            continue
        if normalised(entry["tax_id"]) != normalised(tax_id.value):
            continue
        current = chosen.get(rule.name)
        if current is not None and current.method != "guess":
            continue  # a label led to a value: the page says where it is
        for segment in _inside(layout, entry, sizes.get(entry["page"])):
            values = values_in(segment.text, rule, month_first)
            if values:
                value = values[0][0]
                chosen[rule.name] = Candidate(rule.name, value, LEARNED_SCORE, "learned", segment)
                break


def _inside(layout: Layout, entry: dict, size: tuple[float, float] | None) -> list[Segment]:
    if size is None:
        return []
    width, height = size
    x0, y0, x1, y1 = entry["box"]
    found = []
    for segment in layout.segments:
        if segment.page != entry["page"]:
            continue
        centre_x = (segment.box[0] + segment.box[2]) / 2 / width
        centre_y = (segment.box[1] + segment.box[3]) / 2 / height
        if x0 - MARGIN <= centre_x <= x1 + MARGIN and y0 - MARGIN <= centre_y <= y1 + MARGIN:
            found.append(segment)
    return found


def field_position_problem(entry: Any) -> str | None:
    """What is wrong with one `field_positions` entry, or None (see `spec.validate_spec`)."""
    if _well_formed(entry):
        return None
    return (
        "needs tax_id and field (strings), page (1 or more) and box (four fractions of the "
        "page, x0 < x1, y0 < y1)"
    )


def _well_formed(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    box = entry.get("box")
    texts_ok = all(isinstance(entry.get(k), str) and entry[k] for k in ("tax_id", "field"))
    page = entry.get("page")
    page_ok = isinstance(page, int) and not isinstance(page, bool) and page >= 1
    box_ok = (
        isinstance(box, list)
        and len(box) == 4
        and all(isinstance(v, int | float) and 0 <= v <= 1 for v in box)
        and box[0] < box[2]
        and box[1] < box[3]
    )
    return texts_ok and page_ok and box_ok
