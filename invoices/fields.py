"""The invoice's canonical fields, in one list: what each is called, how it is shown and what
may be done with it.

The serializers (list, detail, correction), the admin (list columns, the "Extracted fields"
fieldset, search, labels), the API's search, ordering and filters, the extraction result's
mapping onto columns, and the workbench's review form (field order, input type, labels in the
page's language) all read this list when they are used. Adding a canonical field to invoices
is therefore: its column on `Invoice` (and the migration), the extractor's spec in
`ocrengine/prompt_specs/`, and one `InvoiceField` here (docs/EXTENDING.md).

Labels are translated through the one `django.po` catalogue; a new label needs its msgid
translated there (tests/workbench/test_pages.py checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

Kind = Literal["text", "date", "amount", "currency", "breakdown"]
Filter = Literal["", "exact", "contains", "range"]


@dataclass(frozen=True)
class InvoiceField:
    name: str  # the model column and the API key; also the extraction's canonical name
    label: Any = field(compare=False)  # a lazy translation
    kind: Kind = "text"
    editable: bool = True  # a reviewer may correct it (API, admin, workbench)
    listed: bool = False  # a column of the invoice list (API and admin)
    searchable: bool = False  # ?search= and the admin's search box
    sortable: bool = False  # ?ordering=
    filter: Filter = ""  # ?name= (exact), ?name= (contains), ?name_from=&name_to= (range)


# In the order a reviewer reads an invoice: identity, dates, parties, amounts.
INVOICE_FIELDS: tuple[InvoiceField, ...] = (
    InvoiceField("invoice_number", _("Invoice number"), listed=True, searchable=True,
                 sortable=True, filter="exact"),
    InvoiceField("invoice_code", _("Invoice code"), searchable=True),
    InvoiceField("date", _("Date"), "date", listed=True, sortable=True, filter="range"),
    InvoiceField("due_date", _("Due date"), "date", sortable=True),
    InvoiceField("seller", _("Seller"), listed=True, searchable=True, sortable=True,
                 filter="contains"),
    InvoiceField("seller_tax_id", _("Seller tax id"), searchable=True),
    InvoiceField("buyer", _("Buyer"), listed=True, searchable=True, filter="contains"),
    InvoiceField("buyer_tax_id", _("Buyer tax id"), searchable=True),
    InvoiceField("net_amount", _("Net amount"), "amount"),
    InvoiceField("tax_amount", _("Tax"), "amount"),
    InvoiceField("total_amount", _("Total"), "amount", listed=True, sortable=True),
    InvoiceField("currency", _("Currency"), "currency", listed=True, filter="exact"),
    # What accountants book and pay by (#15).
    InvoiceField("purchase_order_number", _("Purchase order number"), searchable=True,
                 filter="exact"),
    InvoiceField("payment_terms", _("Payment terms")),
    InvoiceField("seller_address", _("Seller address")),
    InvoiceField("buyer_address", _("Buyer address")),
    InvoiceField("iban", _("IBAN"), searchable=True, filter="exact"),
    InvoiceField("bic", _("BIC")),
    InvoiceField("bank_account", _("Bank account")),
    InvoiceField("service_period_start", _("Service period start"), "date", filter="range"),
    InvoiceField("service_period_end", _("Service period end"), "date"),
    # [{rate, net, tax}] per tax rate, as read from the page: shown, not typed in a form box.
    InvoiceField("tax_breakdown", _("Tax breakdown"), "breakdown", editable=False),
)  # fmt: skip


def invoice_fields(**flags: Any) -> list[InvoiceField]:
    """The fields whose attributes match `flags` (`invoice_fields(searchable=True)`), in the
    list's order. Read at each call, never copied at import."""
    return [
        spec
        for spec in INVOICE_FIELDS
        if all(getattr(spec, key) == value for key, value in flags.items())
    ]


def invoice_field_names(**flags: Any) -> list[str]:
    return [spec.name for spec in invoice_fields(**flags)]


def invoice_field_label(name: str) -> Any:
    return next((spec.label for spec in INVOICE_FIELDS if spec.name == name), None)


def invoice_fields_for_page() -> list[dict[str, Any]]:
    """The list as the workbench's review page reads it (rendered into the page as JSON), with
    the labels in the active language."""
    return [
        {"name": spec.name, "label": str(spec.label), "kind": spec.kind, "editable": spec.editable}
        for spec in INVOICE_FIELDS
    ]
