"""GET /api/v1/dashboard/summary/: figures, filters, scoping, and a constant query count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Transaction
from tests.billing.factories import BankFactory, BillFactory, CreditCardFactory, TransactionFactory
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory

URL = "/api/v1/dashboard/summary/"


def _portfolio(customer, *, bank_code: str, rows: int, day: date = date(2026, 11, 10)):
    card = CreditCardFactory(customer=customer, bank=BankFactory(code=bank_code, name=bank_code))
    bill = BillFactory(card=card, statement_date=date(day.year, day.month, 18))
    for n in range(rows):
        TransactionFactory(
            bill=bill,
            card=card,
            amount=Decimal("10.00"),
            transaction_date=day,
            description=f"SHOP {bank_code} {n}",
        )
    TransactionFactory(
        bill=bill,
        card=card,
        amount=Decimal("5.00"),
        transaction_date=day,
        description="PAYMENT",
        direction=Transaction.Direction.CREDIT,
    )
    return card


@pytest.fixture
def book(customer, other_customer):
    _portfolio(customer, bank_code="maybank", rows=3)
    _portfolio(customer, bank_code="cimb", rows=1, day=date(2026, 10, 10))
    _portfolio(other_customer, bank_code="maybank", rows=2)


def test_summary_figures_for_a_supervisor(supervisor_client, book):
    body = supervisor_client.get(URL).json()
    assert body == {
        "customers": 2,
        "cards": 3,
        "bills": 3,
        "transactions": 9,
        "total_charges": "60.00",
        "total_payments": "15.00",
        "net_balance": "45.00",
        "categories": [
            {"category": "", "transactions": 9, "charges": "60.00", "payments": "15.00"}
        ],
    }


def test_agent_sees_only_their_customers(agent_client, book):
    body = agent_client.get(URL).json()
    assert (body["customers"], body["cards"], body["transactions"]) == (1, 2, 6)
    assert body["total_charges"] == "40.00"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bank": "cimb"}, {"customers": 1, "cards": 1, "transactions": 2, "net_balance": "5.00"}),
        ({"date_from": "2026-11-01", "date_to": "2026-11-30"}, {"bills": 2, "transactions": 7}),
        ({"date_to": "2026-10-31"}, {"bills": 1, "total_charges": "10.00"}),
    ],
)
def test_summary_filters(supervisor_client, book, params, expected):
    body = supervisor_client.get(URL, params).json()
    assert {k: body[k] for k in expected} == expected


def test_summary_filter_by_customer(supervisor_client, book, other_customer):
    body = supervisor_client.get(URL, {"customer": other_customer.pk}).json()
    assert (body["customers"], body["cards"], body["transactions"]) == (1, 1, 3)


def test_bad_filters_are_a_400(supervisor_client):
    assert_error_shape(supervisor_client.get(URL, {"date_from": "soon"}), 400, "validation_error")
    response = supervisor_client.get(URL, {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert_error_shape(response, 400, "validation_error")


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("supervisor", {}),
        ("supervisor", {"bank": "maybank", "date_from": "2026-01-01"}),
        ("agent", {}),
        ("agent", {"customer": 0, "date_to": "2026-12-31"}),
    ],
)
def test_query_count_does_not_grow_with_the_data(
    who, params, supervisor_client, agent_client, customer, django_assert_num_queries
):
    client = {"supervisor": supervisor_client, "agent": agent_client}[who]
    params = {k: (customer.pk if k == "customer" else v) for k, v in params.items()}
    _portfolio(customer, bank_code="maybank", rows=2)
    # user, role groups, customers, cards, then bills with money and rows by category (or
    # bills, then the period's rows by category, whose sums are the money)
    with django_assert_num_queries(5) as small:
        first = client.get(URL, params).json()
    for n in range(5):
        other = CustomerFactory(name=f"Extra {n}", assigned_agent=customer.assigned_agent)
        _portfolio(other, bank_code="maybank" if n % 2 else f"bank{n}", rows=20)
    with django_assert_num_queries(len(small.captured_queries)):
        second = client.get(URL, params).json()
    assert second["transactions"] > first["transactions"] or "customer" in params


def test_with_and_without_a_period_agree(supervisor_client, book):
    """Bills keep the sums of their stored rows; a period covering everything must give the
    same figures as no period at all."""
    whole = supervisor_client.get(URL).json()
    period = supervisor_client.get(URL, {"date_from": "2000-01-01", "date_to": "2100-01-01"})
    assert period.json() == whole


def test_the_thirteen_issuers_exist_before_any_seeding(db, agent_client):
    """Migration 0005: the bank list works on a fresh database (this module never seeds)."""
    body = agent_client.get("/api/v1/banks/", {"page_size": 50}).json()
    codes = {bank["code"] for bank in body["results"]}
    assert {"maybank", "public_bank", "hong_leong", "bank_islam", "affin"} <= codes
    assert body["count"] == 13
