"""GET /api/v1/dashboard/monthly/: charges and payments per calendar month, scoped like the
summary, every month of the period listed, in one grouped query."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.billing.test_apis_dashboard import _portfolio
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory

URL = "/api/v1/dashboard/monthly/"
SEP_TO_NOV = {"date_from": "2026-09-01", "date_to": "2026-11-30"}


@pytest.fixture
def book(customer, other_customer):
    _portfolio(customer, bank_code="maybank", rows=3)  # November: 30.00 charges, 5.00 paid
    _portfolio(customer, bank_code="cimb", rows=1, day=date(2026, 10, 10))  # October
    _portfolio(other_customer, bank_code="maybank", rows=2)  # November, another agent's


def test_every_month_of_the_period_with_its_sums(supervisor_client, book):
    body = supervisor_client.get(URL, SEP_TO_NOV).json()
    for month in body["months"]:  # by category: tests/billing/test_merchant_rules.py
        assert sum(int(c["transactions"]) for c in month.pop("categories")) == month["transactions"]
    assert body == {
        "months": [
            {"month": "2026-09", "transactions": 0, "charges": "0.00", "payments": "0.00"},
            {"month": "2026-10", "transactions": 2, "charges": "10.00", "payments": "5.00"},
            {"month": "2026-11", "transactions": 7, "charges": "50.00", "payments": "10.00"},
        ]
    }


def test_an_agent_sees_their_customers_and_the_filters_narrow_it(agent_client, book, customer):
    november = agent_client.get(URL, SEP_TO_NOV).json()["months"][2]
    assert (november["transactions"], november["charges"]) == (4, "30.00")
    by_bank = agent_client.get(URL, {**SEP_TO_NOV, "bank": "cimb"}).json()["months"]
    assert [month["charges"] for month in by_bank] == ["0.00", "10.00", "0.00"]
    by_customer = agent_client.get(URL, {**SEP_TO_NOV, "customer": customer.pk}).json()
    assert by_customer == agent_client.get(URL, SEP_TO_NOV).json()


def test_the_monthly_sums_add_up_to_the_summary(supervisor_client, book):
    months = supervisor_client.get(URL, SEP_TO_NOV).json()["months"]
    summary = supervisor_client.get("/api/v1/dashboard/summary/", SEP_TO_NOV).json()
    assert sum(m["transactions"] for m in months) == summary["transactions"]
    assert f"{sum(float(m['charges']) for m in months):.2f}" == summary["total_charges"]


def test_by_default_the_twelve_months_ending_with_this_one(supervisor_client):
    months = [m["month"] for m in supervisor_client.get(URL).json()["months"]]
    today = timezone.localdate()
    assert len(months) == 12 and months[-1] == today.strftime("%Y-%m")
    assert months == sorted(months)


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "soon"},
        {"date_from": "2026-12-01", "date_to": "2026-11-01"},
        {"date_from": "2000-01-01", "date_to": "2026-11-30"},  # more than 120 months
        {"date_from": "2999-01-01"},  # after this month
        {"customer": "x"},
    ],
)
def test_bad_filters_are_a_400(supervisor_client, params):
    assert_error_shape(supervisor_client.get(URL, params), 400, "validation_error")


def test_query_count_does_not_grow_with_the_data(
    supervisor_client, customer, django_assert_num_queries
):
    _portfolio(customer, bank_code="maybank", rows=2)
    with django_assert_num_queries(2) as small:  # the user with its role, one grouped query
        supervisor_client.get(URL, SEP_TO_NOV)
    for n in range(4):
        _portfolio(CustomerFactory(name=f"Extra {n}"), bank_code=f"bank{n}", rows=15,
                   day=date(2026, 9 + n % 3, 5))  # fmt: skip
    with django_assert_num_queries(len(small.captured_queries)):
        body = supervisor_client.get(URL, SEP_TO_NOV).json()
    assert sum(m["transactions"] for m in body["months"]) == 3 + 4 * 16
