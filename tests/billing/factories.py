"""factory_boy factories for billing rows, for tests that need data without parsing a file."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.db.models import F

from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = "maybank"
    name = "Maybank"


class CreditCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditCard

    bank = factory.SubFactory(BankFactory)
    last4 = factory.Sequence(lambda n: f"{n % 10000:04d}")


class StatementImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementImport

    original_name = factory.Sequence(lambda n: f"statement{n}.pdf")
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"file{n}".encode()).hexdigest())
    format = "pdf"
    status = StatementImport.Status.VERIFIED
    file = factory.django.FileField(data=b"%PDF-1.4 test", filename="statement.pdf")


class BillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bill

    card = factory.SubFactory(CreditCardFactory)
    statement_import = factory.SubFactory(StatementImportFactory)
    statement_date = date(2026, 11, 18)
    due_date = factory.LazyAttribute(lambda bill: bill.statement_date + timedelta(days=20))
    previous_balance = Decimal("100.00")
    total_debits = Decimal("50.00")
    total_credits = Decimal("20.00")
    new_balance = Decimal("130.00")
    status = Bill.Status.VERIFIED
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(f"bill{n}".encode()).hexdigest())


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    bill = factory.SubFactory(BillFactory)
    card = factory.SelfAttribute("bill.card")
    transaction_date = date(2026, 11, 10)
    description = factory.Sequence(lambda n: f"SHOP {n}")
    amount = Decimal("10.00")
    direction = Transaction.Direction.DEBIT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Keep the bill's stored-row count and sums, as the import service does."""
        row = super()._create(model_class, *args, **kwargs)
        sums = {"row_count": F("row_count") + 1}
        field = "row_debits" if row.direction == Transaction.Direction.DEBIT else "row_credits"
        sums[field] = F(field) + row.amount
        Bill.objects.filter(pk=row.bill_id).update(**sums)
        return row
