"""Booking batches accounting packages import as they are: DATEV's EXTF Buchungsstapel, and
Xero's and QuickBooks Online's CSV imports (bills from invoices, bank lines from transactions).

Every row keeps the approval status, the reviewer and the page image's link: DATEV in
Beleglink and the Beleginfo pairs, Xero and QuickBooks in trailing columns their importers
leave unmapped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.errors import DomainError
from exports import rows
from exports.formats.accounts import account
from exports.formats.tabular import csv_text
from exports.rows import Links

TRAIL_HEADER = ["ApprovalStatus", "Reviewer", "PageImage"]


def _trail(values: dict) -> list[str]:
    return [values["approval_status"], values["reviewer"], values["page_image_url"]]


def _money(value: Decimal | None) -> str:
    return format((value or Decimal("0")).quantize(Decimal("0.01")), "f")


def _rate(invoice) -> Decimal | None:
    if invoice.net_amount and invoice.tax_amount is not None and invoice.net_amount > 0:
        return (invoice.tax_amount * 100 / invoice.net_amount).quantize(Decimal("1"))
    return None


# --- DATEV -------------------------------------------------------------------------------------

DATEV_COLUMNS = [
    "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs",
    "Basis-Umsatz", "WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext",
    "Postensperre", "Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt", "Zinssperre",
    "Beleglink",
    *[f"Beleginfo - {part} {n}" for n in range(1, 9) for part in ("Art", "Inhalt")],
]  # fmt: skip
_NUMERIC = {0, 3, 4, 12}  # Umsatz, Kurs, Basis-Umsatz, Skonto: unquoted, decimal comma


def _datev_field(index: int, value: str) -> str:
    if index in _NUMERIC or index in (6, 7, 9):  # numbers and accounts, dates (DDMM)
        return value.replace(".", ",") if index in _NUMERIC else value
    return '"' + value.replace('"', '""') + '"'


def _datev_line(values: list[str]) -> str:
    return ";".join(_datev_field(i, v) for i, v in enumerate(values))


def _datev_header(first: date, last: date, label: str, currency: str) -> str:
    created = timezone.now().strftime("%Y%m%d%H%M%S%f")[:17]
    length = len(str(account("datev_expense_account")))
    fields = [
        '"EXTF"', "700", "21", '"Buchungsstapel"', "13", created, "", '"LL"', '"LedgerLens"',
        '""', str(account("datev_advisor_number")), str(account("datev_client_number")),
        f"{first.year}0101", str(length), first.strftime("%Y%m%d"), last.strftime("%Y%m%d"),
        f'"{label}"', '""', "1", "0", "0", f'"{currency}"', "", '""', "", "", '""', "", "",
        '""', '""',
    ]  # fmt: skip
    return ";".join(fields)


def _datev_row(amount, side, currency, konto, gegenkonto, key, day, doc, doc2, text, v) -> list:
    row = [
        _money(amount), side, currency, "", "", "", str(konto), str(gegenkonto), key,
        day.strftime("%d%m"), doc[:36], doc2[:12], "", text[:60], "", "", "", "", "",
        v["page_image_url"][:210],
        "Freigabestatus", v["approval_status"], "Prüfer", v["reviewer"],
        "Freigegeben am", rows.text(v["approved_at"])[:19], "LedgerLens-ID", str(v["id"]),
    ]  # fmt: skip
    return row + [""] * (len(DATEV_COLUMNS) - len(row))


def _datev_invoice(invoice, links: Links) -> tuple[date, list[str]] | None:
    day = invoice.date or invoice.created_at.date()
    values = rows.invoice_values(invoice, links)
    rate = _rate(invoice)
    key = account("datev_tax_keys").get(str(rate), "") if rate is not None else ""
    due = invoice.due_date.strftime("%d%m%y") if invoice.due_date else ""
    amount = invoice.total_amount if invoice.total_amount is not None else invoice.net_amount
    return day, _datev_row(
        amount, "S", invoice.currency or "EUR", account("datev_expense_account"),
        account("datev_creditor_account"), key, day, invoice.invoice_number, due,
        invoice.seller, values,
    )  # fmt: skip


def _datev_transaction(row, links: Links) -> tuple[date, list[str]]:
    values = rows.transaction_values(row, links)
    side = "S" if row.direction == "debit" else "H"  # a charge is an expense, a credit back
    return row.transaction_date, _datev_row(
        row.amount, side, row.bill.currency, account("datev_expense_account"),
        account("datev_card_account"), "", row.transaction_date, f"TX{row.pk}",
        "", row.description, values,
    )  # fmt: skip


def datev_write(dataset: str, records: Iterable, links: Links) -> bytes:
    """One EXTF batch (format 700, category 21). DATEV dates a booking by day and month within
    the batch's fiscal year, so a batch spans one calendar year: filter by date otherwise."""
    build = _datev_invoice if dataset == "invoices" else _datev_transaction
    booked = [build(record, links) for record in records]
    days = [day for day, _ in booked]
    if len({day.year for day in days}) > 1:
        raise DomainError(
            "A DATEV batch covers one fiscal year; these rows span "
            f"{min(days).year}-{max(days).year}. Filter by date and export each year.",
            code="export_spans_years",
            details={"years": sorted({d.year for d in days})},
        )
    today = timezone.localdate()
    first, last = (min(days), max(days)) if days else (today, today)
    currencies = {line[2] for _, line in booked} or {"EUR"}
    label = "Rechnungen" if dataset == "invoices" else "Kartenumsätze"
    lines = [
        _datev_header(first, last, label, sorted(currencies)[0]),
        ";".join(DATEV_COLUMNS),
        *(_datev_line(line) for _, line in booked),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")


# --- Xero ------------------------------------------------------------------------------------

XERO_BILL_HEADER = [
    "*ContactName", "POAddressLine1", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate",
    "Total", "Description", "*Quantity", "*UnitAmount", "*AccountCode", "*TaxType", "TaxAmount",
    "Currency", *TRAIL_HEADER,
]  # fmt: skip
XERO_BANK_HEADER = ["*Date", "*Amount", "Payee", "Description", "Reference", *TRAIL_HEADER]


def _dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _mdy(day: date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def _bill_lines(invoice) -> list[tuple[str, Decimal, Decimal, Decimal | None]]:
    """(description, quantity, unit amount, line amount) per line; one line of the net amount
    when the invoice has none, so every invoice books."""
    lines = list(invoice.lines.all())
    if not lines:
        net = invoice.net_amount if invoice.net_amount is not None else invoice.total_amount
        return [(invoice.seller or invoice.invoice_number or "Invoice", Decimal(1), net or 0, net)]
    out = []
    for line in lines:
        quantity = line.quantity or Decimal(1)
        unit = line.unit_price
        if unit is None and line.amount is not None:
            unit = (line.amount / quantity).quantize(Decimal("0.0001"))
        out.append((line.description, quantity, unit or Decimal(0), line.amount))
    return out


def xero_write(dataset: str, records: Iterable, links: Links) -> bytes:
    if dataset == "transactions":
        body = []
        for row in records:
            v = rows.transaction_values(row, links)
            body.append([_dmy(row.transaction_date), v["signed_amount"], v["merchant"],
                         row.description, f"TX{row.pk}", *_trail(v)])  # fmt: skip
        return ("\ufeff" + csv_text(XERO_BANK_HEADER, body)).encode("utf-8")
    body = []
    for invoice in records:
        v = rows.invoice_values(invoice, links)
        due = invoice.due_date or invoice.date
        for index, (text, quantity, unit, _amount) in enumerate(_bill_lines(invoice)):
            tax = invoice.tax_amount if index == 0 else None
            body.append([
                invoice.seller or "Unknown supplier", invoice.seller_address,
                invoice.invoice_number or f"LL-{invoice.pk}", invoice.purchase_order_number,
                _dmy(invoice.date), _dmy(due), invoice.total_amount, text, quantity, unit,
                account("xero_account_code"), account("xero_tax_type"), tax, invoice.currency,
                *_trail(v),
            ])  # fmt: skip
    return ("\ufeff" + csv_text(XERO_BILL_HEADER, body)).encode("utf-8")


# --- QuickBooks Online ---------------------------------------------------------------------------

QB_BILL_HEADER = [
    "Bill No", "Supplier", "Bill Date", "Due Date", "Terms", "Memo", "Account",
    "Line Description", "Line Amount", "Line Tax Amount", "Currency Code", *TRAIL_HEADER,
]  # fmt: skip
QB_BANK_HEADER = ["Date", "Description", "Amount", *TRAIL_HEADER]


def quickbooks_write(dataset: str, records: Iterable, links: Links) -> bytes:
    if dataset == "transactions":
        body = []
        for row in records:
            v = rows.transaction_values(row, links)
            body.append([_mdy(row.transaction_date), row.description, v["signed_amount"],
                         *_trail(v)])  # fmt: skip
        return ("\ufeff" + csv_text(QB_BANK_HEADER, body)).encode("utf-8")
    body = []
    for invoice in records:
        v = rows.invoice_values(invoice, links)
        for index, (text, _q, _u, amount) in enumerate(_bill_lines(invoice)):
            tax = invoice.tax_amount if index == 0 else None
            body.append([
                invoice.invoice_number or f"LL-{invoice.pk}", invoice.seller or "Unknown supplier",
                _mdy(invoice.date), _mdy(invoice.due_date), invoice.payment_terms,
                invoice.purchase_order_number, account("quickbooks_account"), text, amount, tax,
                invoice.currency, *_trail(v),
            ])  # fmt: skip
    return ("\ufeff" + csv_text(QB_BILL_HEADER, body)).encode("utf-8")
