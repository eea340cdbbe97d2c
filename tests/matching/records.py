"""Charges and receipts made with the ORM, for the matching tests."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date
from decimal import Decimal

from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction
from invoices.models import Invoice

_serial = itertools.count(1)


def card_of(customer, last4: str = "4242") -> CreditCard:
    bank, _ = Bank.objects.get_or_create(code="maybank", defaults={"name": "Maybank"})
    card, _ = CreditCard.objects.get_or_create(customer=customer, bank=bank, last4=last4)
    return card


def bill_of(card: CreditCard, currency: str = "MYR") -> Bill:
    n = next(_serial)
    statement = StatementImport.objects.create(
        file=f"statements/m{n}.pdf", original_name=f"m{n}.pdf",
        sha256=hashlib.sha256(f"matching-{n}".encode()).hexdigest(), format="pdf",
        status="verified", customer=card.customer,
    )  # fmt: skip
    return Bill.objects.create(
        card=card, statement_import=statement, statement_date=date(2026, 11, 30),
        total_debits=0, total_credits=0, currency=currency, status="verified",
        fingerprint=f"matching-bill-{n}",
    )  # fmt: skip


def charge(
    customer,
    *,
    amount: str,
    day: date,
    description: str = "ACME SUPPLIES KUALA LUMPUR MY",
    fx: tuple[str, str] | None = None,
    direction: str = "debit",
    bill: Bill | None = None,
) -> Transaction:
    bill = bill or bill_of(card_of(customer))
    return Transaction.objects.create(
        bill=bill, card=bill.card, transaction_date=day, description=description,
        amount=Decimal(amount), direction=direction,
        fx_amount=Decimal(fx[0]) if fx else None, fx_currency=fx[1] if fx else "",
        occurrence=next(_serial),
    )  # fmt: skip


def receipt(
    customer,
    *,
    total: str,
    day: date,
    seller: str = "Acme Supplies Sdn Bhd",
    currency: str = "MYR",
    status: str = Invoice.Status.RECOGNIZED,
) -> Invoice:
    n = next(_serial)
    digest = hashlib.sha256(f"receipt-{n}".encode()).hexdigest()
    return Invoice.objects.create(
        file=f"invoices/pdf/{digest}.pdf", original_name=f"r{n}.pdf", sha256=digest,
        mime="application/pdf", status=status, customer=customer, invoice_number=f"R-{n}",
        date=day, total_amount=Decimal(total), currency=currency, seller=seller,
    )  # fmt: skip
