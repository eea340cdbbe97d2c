"""A batch of distinct, real documents for the scale-out test and benchmark: text-layer invoice
PDFs (reportlab, tests/invoices/documents.py), each with its own number, and Maybank statement
PDFs (tests/billing/statement_factory.py), each for its own card, alternating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tests.billing.statement_factory import FakeCard, FakeStatement, FakeTxn, maybank_pdf
from tests.invoices import documents


@dataclass(frozen=True)
class BatchDocument:
    kind: str  # "invoice" or "statement"
    name: str
    data: bytes
    key: str  # the invoice number, or the statement's card (last four digits)


def invoice_number(index: int) -> str:
    return f"INV-2024-{index:04d}"


def _invoice(index: int) -> BatchDocument:
    number = invoice_number(index)
    lines = tuple(
        f"Invoice Number: {number}" if line.startswith("Invoice Number:") else line
        for line in documents.INVOICE_LINES
    )
    return BatchDocument("invoice", f"invoice-{index}.pdf", documents.invoice_pdf(lines), number)


def _statement(index: int) -> BatchDocument:
    last4 = f"{index % 10000:04d}"
    day = date(2026, 11, 18)
    rows = [
        FakeTxn(
            date(2026, 11, 5), date(2026, 11, 4), "PAYMENT - THANK YOU", Decimal("634.40"), "credit"
        ),
        FakeTxn(date(2026, 11, 7), date(2026, 11, 7), "DEMO MART GROCERS", Decimal(f"{index}.61")),
        FakeTxn(date(2026, 11, 15), date(2026, 11, 14), "DEMO FUEL STATION", Decimal("312.50")),
    ]
    statement = FakeStatement(day, [FakeCard(last4, Decimal("2134.90"), rows)])
    return BatchDocument("statement", f"statement-{index}.pdf", maybank_pdf(statement), last4)


def mixed_batch(count: int, *, first: int = 0) -> list[BatchDocument]:
    """`count` distinct documents, invoices and statements alternating; batches that start at
    different `first` indices do not overlap."""
    indices = range(first, first + count)
    return [_invoice(index) if index % 2 == 0 else _statement(index) for index in indices]
