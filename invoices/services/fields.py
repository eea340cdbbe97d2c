"""Turning extracted strings into column values: dates, decimals, bounded strings.

A value that does not fit its column (an unparsable date, an amount too large for the column,
a name longer than the column) is left blank and reported, never allowed to crash the job.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import models

from invoices.fields import invoice_field_names
from invoices.models import Invoice, InvoiceLine

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass
class Conversion:
    values: dict[str, object] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # field -> why it was left blank


def _decimal_fits(value: Decimal, column: models.DecimalField) -> Decimal | None:
    if not value.is_finite():
        return None
    quantum = Decimal(1).scaleb(-column.decimal_places)
    try:
        rounded = value.quantize(quantum)
    except InvalidOperation:
        return None
    digits = len(rounded.as_tuple().digits)
    return rounded if digits <= column.max_digits else None


def column_value(column: models.Field, raw: object) -> tuple[object, str]:
    """(value for the column, "" ) or (blank, reason) when `raw` does not fit."""
    blank = None if column.null else ""
    if raw is None or raw == "":
        return blank, ""
    if isinstance(column, models.JSONField):  # the tax breakdown: a list of {rate, net, tax}
        return (raw, "") if isinstance(raw, list) else ([], f"not a list: {str(raw)[:40]!r}")
    text = str(raw).replace("\x00", "").strip()  # PostgreSQL refuses NUL characters
    if isinstance(column, models.DateField):
        try:
            return dt.date.fromisoformat(text[:10]), ""
        except ValueError:
            return blank, f"not an ISO date: {text[:40]!r}"
    if isinstance(column, models.DecimalField):
        try:
            value = _decimal_fits(Decimal(text.replace(",", "")), column)
        except InvalidOperation:
            value = None
        if value is None:
            return blank, f"not an amount that fits {column.max_digits} digits: {text[:40]!r}"
        return value, ""
    if column.name == "currency":
        code = text.upper()
        return (
            (code, "") if _CURRENCY.match(code) else (blank, f"not an ISO 4217 code: {text[:40]!r}")
        )
    if column.max_length and len(text) > column.max_length:
        return blank, f"longer than {column.max_length} characters"
    return text, ""


def fields_to_columns(flat: dict[str, str | None]) -> Conversion:
    conversion = Conversion()
    for name in invoice_field_names():
        value, reason = column_value(Invoice._meta.get_field(name), flat.get(name))
        conversion.values[name] = value
        if reason:
            conversion.rejected[name] = reason
    return conversion


def line_rows(invoice: Invoice, lines: list[dict]) -> list[InvoiceLine]:
    """InvoiceLine objects for the extracted line items; values that don't fit stay blank."""
    rows = []
    for position, item in enumerate(lines, start=1):
        description = str(item.get("description") or "").replace("\x00", "").strip()[:500]
        values = {
            name: column_value(InvoiceLine._meta.get_field(name), item.get(name))[0]
            for name in ("quantity", "unit_price", "amount", "tax_rate")
        }
        rows.append(
            InvoiceLine(invoice=invoice, position=position, description=description, **values)
        )
    return rows
