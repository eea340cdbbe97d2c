"""Invoices and transactions the export tests make: approved and in review, with lines and a
tax breakdown, for the agent's customer and for another agent's."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction
from invoices.models import Invoice, InvoiceLine
from tests.factories import CustomerFactory
from tests.invoices.factories import InvoiceFactory


def invoice_for(
    customer, *, number: str, reviewer=None, day=date(2026, 3, 15), **fields
) -> Invoice:
    approved = reviewer is not None
    values = dict(
        customer=customer, invoice_number=number, date=day, due_date=date(2026, 4, 14),
        seller="Nordwind Supplies GmbH", seller_tax_id="DE123456789", buyer="Muster AG",
        buyer_tax_id="DE987654321", seller_address="Hauptstr. 1, 10115 Berlin",
        net_amount=Decimal("100.00"), tax_amount=Decimal("19.00"),
        total_amount=Decimal("119.00"), currency="EUR", iban="DE89370400440532013000",
        bic="COBADEFFXXX", payment_terms="30 days net", purchase_order_number="PO-77",
        tax_breakdown=[{"rate": "19", "net": "100.00", "tax": "19.00"}],
        status=Invoice.Status.APPROVED if approved else Invoice.Status.NEEDS_REVIEW,
        reviewed_by=reviewer, approved_at=timezone.now() if approved else None,
    )  # fmt: skip
    values.update(fields)
    invoice = InvoiceFactory(**values)
    InvoiceLine.objects.create(invoice=invoice, position=1, description="Paper A4",
                               quantity=Decimal("10"), unit_price=Decimal("6.00"),
                               amount=Decimal("60.00"), tax_rate=Decimal("19"))  # fmt: skip
    InvoiceLine.objects.create(invoice=invoice, position=2, description="Toner",
                               quantity=Decimal("1"), unit_price=Decimal("40.00"),
                               amount=Decimal("40.00"), tax_rate=Decimal("19"))  # fmt: skip
    return invoice


def transactions_for(customer, *, last4: str = "4242", status: str = "verified") -> Bill:
    bank, _ = Bank.objects.get_or_create(code="maybank", defaults={"name": "Maybank"})
    card = CreditCard.objects.create(customer=customer, bank=bank, last4=last4)
    digest = hashlib.sha256(f"export-{last4}".encode()).hexdigest()
    statement = StatementImport.objects.create(
        file=f"statements/{digest}.pdf", original_name="statement.pdf", sha256=digest,
        format="pdf", status=status, customer=customer,
    )  # fmt: skip
    bill = Bill.objects.create(
        card=card, statement_import=statement, statement_date=date(2026, 3, 31),
        previous_balance=Decimal("0"), total_debits=Decimal("320.50"),
        total_credits=Decimal("20.00"), new_balance=Decimal("300.50"), currency="MYR",
        status=status, fingerprint=f"export-{last4}",
    )  # fmt: skip
    for day, text, amount, direction, page in [
        (date(2026, 3, 2), "GRAB RIDE KUALA LUMPUR", "120.50", "debit", 1),
        (date(2026, 3, 9), "TESCO EXTRA AMPANG", "200.00", "debit", 1),
        (date(2026, 3, 20), "REFUND TESCO", "20.00", "credit", 2),
    ]:
        Transaction.objects.create(
            bill=bill, card=card, transaction_date=day, posting_date=day, description=text,
            amount=Decimal(amount), direction=direction, source_page=page,
        )  # fmt: skip
    return bill


def books(agent, other_agent, reviewer):
    """The agent's customer's two invoices (one approved) and three transactions; another
    agent's customer's invoice and transactions, which the agent must never export."""
    mine = CustomerFactory(name="Mine GmbH", assigned_agent=agent)
    theirs = CustomerFactory(name="Theirs Ltd", assigned_agent=other_agent)
    approved = invoice_for(mine, number="RE-1001", reviewer=reviewer)
    waiting = invoice_for(mine, number="RE-1002", currency="EUR")
    foreign = invoice_for(theirs, number="XX-9001", reviewer=reviewer)
    bill = transactions_for(mine)
    other_bill = transactions_for(theirs, last4="9999")
    return {"approved": approved, "waiting": waiting, "foreign": foreign, "bill": bill,
            "other_bill": other_bill, "customer": mine}  # fmt: skip
