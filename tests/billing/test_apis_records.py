"""Banks, cards, bills and transactions over the API: filters, reconciliation figures, scoping."""

from __future__ import annotations

from datetime import date

import pytest

from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import cimb_pdf, maybank_pdf
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def two_customers(customer, other_customer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    import_file(capture, maybank_pdf(fake_statement()), customer=customer)
    import_file(capture, cimb_pdf(fake_statement(last4="7777")), customer=other_customer)


def test_banks_list_the_thirteen_issuers_and_the_other_bank(agent_client):
    body = agent_client.get("/api/v1/banks/", {"page_size": 50}).json()
    assert body["count"] == 14
    other = next(b for b in body["results"] if b["code"] == "generic")
    assert other["active_template_version"] is None  # read by the generic reader
    maybank = next(b for b in body["results"] if b["code"] == "maybank")
    assert maybank["active_template_version"] == 1


def test_bill_detail_shows_the_reconciliation(agent_client, two_customers):
    bills = agent_client.get("/api/v1/bills/").json()
    assert bills["count"] == 1  # only my customer's
    bill = agent_client.get(f"/api/v1/bills/{bills['results'][0]['id']}/").json()
    rec = bill["reconciliation"]
    assert rec == {
        "previous_balance": "2134.90",
        "debits": "601.72",
        "credits": "650.13",
        "expected_new_balance": "2086.49",
        "printed_new_balance": "2086.49",
        "difference": "0.00",
        "printed_total_debits": None,
        "printed_total_credits": None,
        "balanced": True,
    }
    assert bill["status"] == "verified" and bill["problems"] == []
    assert len(bill["transactions"]) == 5
    assert all(t["source_line"] for t in bill["transactions"])


def test_agents_never_see_other_customers_data(agent_client, two_customers):
    assert agent_client.get("/api/v1/cards/").json()["count"] == 1
    assert agent_client.get("/api/v1/transactions/").json()["count"] == 5
    from billing.models import Bill, CreditCard

    foreign_card = CreditCard.objects.get(last4="7777")
    foreign_bill = Bill.objects.get(card=foreign_card)
    assert_error_shape(agent_client.get(f"/api/v1/cards/{foreign_card.pk}/"), 404)
    assert_error_shape(agent_client.get(f"/api/v1/bills/{foreign_bill.pk}/"), 404)
    refused = agent_client.get("/api/v1/transactions/", {"card": foreign_card.pk})
    assert_error_shape(refused, 400, "validation_error")


_ID_FILTERS = [
    ("/api/v1/cards/", "customer"),
    ("/api/v1/bills/", "customer"),
    ("/api/v1/bills/", "card"),
    ("/api/v1/bills/", "statement_import"),
    ("/api/v1/transactions/", "customer"),
    ("/api/v1/transactions/", "card"),
    ("/api/v1/transactions/", "bill"),
    ("/api/v1/statements/", "customer"),
]


def _foreign_ids(other_customer) -> dict[str, int]:
    from billing.models import Bill, CreditCard

    card = CreditCard.objects.get(customer=other_customer)
    bill = Bill.objects.get(card=card)
    return {"customer": other_customer.pk, "card": card.pk, "bill": bill.pk,
            "statement_import": bill.statement_import_id}  # fmt: skip


@pytest.mark.parametrize(("url", "name"), _ID_FILTERS)
def test_filtering_by_an_unseen_id_answers_as_for_an_id_that_does_not_exist(
    agent_client, supervisor_client, two_customers, other_customer, url, name
):
    # Security audit #13: unknown ids were 400 but other agents' ids 200, an existence oracle.
    foreign = _foreign_ids(other_customer)[name]
    unseen = assert_error_shape(agent_client.get(url, {name: foreign}), 400, "validation_error")
    missing = assert_error_shape(agent_client.get(url, {name: 999_999}), 400, "validation_error")
    assert unseen == missing
    assert supervisor_client.get(url, {name: foreign}).json()["count"] >= 1


@pytest.mark.parametrize(("url", "name"), _ID_FILTERS)
def test_filtering_by_an_own_id_still_works(agent_client, two_customers, customer, url, name):
    from billing.models import Bill

    bill = Bill.objects.get(card__customer=customer)
    own = {"customer": customer.pk, "card": bill.card_id, "bill": bill.pk,
           "statement_import": bill.statement_import_id}[name]  # fmt: skip
    assert agent_client.get(url, {name: own}).json()["count"] >= 1


def test_supervisor_sees_everything(supervisor_client, two_customers):
    assert supervisor_client.get("/api/v1/cards/").json()["count"] == 2
    assert supervisor_client.get("/api/v1/transactions/").json()["count"] == 10


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bank": "cimb"}, 5),
        ({"direction": "credit"}, 4),
        ({"amount_min": "140", "amount_max": "150"}, 4),
        ({"q": "grocers"}, 4),
        ({"date_from": "2026-11-07", "date_to": "2026-11-07"}, 4),
        ({"date_from": "2026-12-01"}, 0),
    ],
)
def test_transaction_filters(supervisor_client, two_customers, params, expected):
    body = supervisor_client.get("/api/v1/transactions/", params).json()
    assert body["count"] == expected, params


def test_transaction_filter_by_customer(supervisor_client, two_customers, other_customer):
    body = supervisor_client.get("/api/v1/transactions/", {"customer": other_customer.pk}).json()
    assert body["count"] == 5
    assert {t["bank"] for t in body["results"]} == {"cimb"}


def test_bad_filter_values_are_a_400(supervisor_client, two_customers):
    response = supervisor_client.get("/api/v1/transactions/", {"date_from": "yesterday"})
    assert_error_shape(response, 400, "validation_error")
    response = supervisor_client.get("/api/v1/transactions/", {"direction": "sideways"})
    assert_error_shape(response, 400, "validation_error")


def test_bills_filter_by_period(supervisor_client, two_customers):
    assert supervisor_client.get("/api/v1/bills/", {"date_from": "2026-11-18"}).json()["count"] == 2
    assert (
        supervisor_client.get("/api/v1/bills/", {"date_to": date(2026, 11, 1)}).json()["count"] == 0
    )
