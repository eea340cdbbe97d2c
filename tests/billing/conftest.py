"""Billing fixtures: the seeded banks and shipped templates, a customer per agent, and helpers
that push a statement file through the import service or the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.services import reference_data_seed, statement_import
from tests.billing.statement_factory import FakeCard, FakeStatement, FakeTxn
from tests.factories import CustomerFactory

D = Decimal


@pytest.fixture
def seeded(db):
    reference_data_seed()


@pytest.fixture
def customer(agent):
    return CustomerFactory(name="Ahmad Demo", assigned_agent=agent)


@pytest.fixture
def other_customer(other_agent):
    return CustomerFactory(name="Bea Other", assigned_agent=other_agent)


def fake_statement(
    *,
    last4: str = "0001",
    statement_date: date = date(2026, 11, 18),
    previous: str = "2134.90",
    rows: list[FakeTxn] | None = None,
) -> FakeStatement:
    rows = rows if rows is not None else default_rows(statement_date)
    return FakeStatement(statement_date, [FakeCard(last4, D(previous), rows)])


def default_rows(statement_date: date) -> list[FakeTxn]:
    y, m = statement_date.year, statement_date.month
    return [
        FakeTxn(date(y, m, 5), date(y, m, 4), "PAYMENT - THANK YOU", D("634.40"), "credit"),
        FakeTxn(date(y, m, 7), date(y, m, 7), "DEMO MART GROCERS", D("144.61")),
        FakeTxn(date(y, m, 7), date(y, m, 7), "DEMO MART GROCERS", D("144.61")),
        FakeTxn(date(y, m, 15), date(y, m, 14), "BALANCE TRANSFER DEMO :04/24", D("312.50")),
        FakeTxn(date(y, m, 16), date(y, m, 16), "CASHBACK REBATE DEMO", D("15.73"), "credit"),
    ]


def upload(data: bytes, name: str = "statement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def import_file(capture, data: bytes, name: str = "statement.pdf", **kwargs):
    """Run the whole import (upload + the job, inline) and return the refreshed import."""
    with capture(execute=True):
        result = statement_import(file=upload(data, name), uploaded_by=None, **kwargs)
    result.statement_import.refresh_from_db()
    return result.statement_import
