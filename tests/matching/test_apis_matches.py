"""/api/v1/matches/: list and filters, confirm, reject, run; the unmatched lists; scoping and
bad input in the one error shape."""

from __future__ import annotations

from datetime import date

import pytest

from matching.models import ReceiptMatch
from matching.services import matches_propose
from tests.conftest import assert_error_shape
from tests.matching.records import charge, receipt

pytestmark = pytest.mark.django_db
URL = "/api/v1/matches/"
DAY = date(2026, 11, 10)


@pytest.fixture
def proposed(customer, other_customer):
    row = charge(customer, amount="42.00", day=DAY, description="CAFE NERO KL")
    invoice = receipt(customer, total="42.00", day=date(2026, 11, 12), seller="Nero Holdings")
    stranger = charge(other_customer, amount="9.00", day=DAY, description="X")
    receipt(other_customer, total="9.00", day=DAY, seller="Y")
    charge(customer, amount="15.00", day=DAY, description="NO RECEIPT")
    receipt(customer, total="99.00", day=DAY, seller="Never charged")
    matches_propose()
    return ReceiptMatch.objects.get(transaction=row), invoice, stranger


def test_list_shows_invoice_and_charge_side_by_side_and_filters(agent_client, proposed, customer):
    _match, invoice, _ = proposed
    body = agent_client.get(URL, {"status": "proposed"}).json()
    assert body["count"] == 1  # the other agent's customer's match is not listed
    item = body["results"][0]
    assert item["invoice"]["id"] == invoice.pk and item["invoice"]["total_amount"] == "42.00"
    assert item["transaction"]["description"] == "CAFE NERO KL"
    assert item["transaction"]["currency"] == "MYR" and item["reasons"]["days_apart"] == 2
    assert agent_client.get(URL, {"status": "confirmed"}).json()["count"] == 0
    assert (
        agent_client.get(URL, {"customer": customer.pk, "date_from": "2026-11-11"}).json()["count"]
        == 0
    )
    assert agent_client.get(URL, {"min_score": "0.99"}).json()["count"] == 0


def test_confirm_then_the_lists_change(agent_client, proposed, agent):
    match, _invoice, _ = proposed
    response = agent_client.post(f"{URL}{match.pk}/confirm/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["decided_by"] == agent.username
    charges = agent_client.get(f"{URL}unmatched-charges/").json()
    assert [row["description"] for row in charges["results"]] == ["NO RECEIPT"]
    receipts = agent_client.get(f"{URL}unmatched-receipts/").json()
    assert [row["seller"] for row in receipts["results"]] == ["Never charged"]


def test_reject_and_a_second_confirmation_is_a_conflict(agent_client, proposed, customer):
    match, _invoice, _ = proposed
    assert agent_client.post(f"{URL}{match.pk}/reject/").json()["status"] == "rejected"
    assert agent_client.post(f"{URL}{match.pk}/confirm/").json()["status"] == "confirmed"
    other = ReceiptMatch.objects.create(
        invoice=receipt(customer, total="42.00", day=DAY), transaction=match.transaction, score=0.5
    )
    assert_error_shape(agent_client.post(f"{URL}{other.pk}/confirm/"), 409, "already_matched")


def test_another_agents_match_is_not_found(other_agent, proposed, agent_client):
    match, _, _ = proposed
    from tests.conftest import jwt_client

    assert_error_shape(jwt_client(other_agent).post(f"{URL}{match.pk}/confirm/"), 404)
    assert_error_shape(agent_client.get(f"{URL}999999/"), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "maybe"},
        {"min_score": "2"},
        {"date_from": "yesterday"},
        {"customer": "999999"},
    ],
)
def test_bad_list_filters_are_400(agent_client, params, proposed):
    assert_error_shape(agent_client.get(URL, params), 400, "validation_error")


@pytest.mark.parametrize("path", ["unmatched-charges/", "unmatched-receipts/"])
def test_bad_period_is_400(agent_client, path, other_customer):
    assert_error_shape(
        agent_client.get(URL + path, {"date_from": "2026-12-01", "date_to": "2026-11-01"}), 400
    )
    # Another agent's customer is no valid choice.
    assert_error_shape(agent_client.get(URL + path, {"customer": other_customer.pk}), 400)


def test_unmatched_lists_per_customer_and_period(supervisor_client, proposed, customer):
    charges = supervisor_client.get(f"{URL}unmatched-charges/", {"customer": customer.pk}).json()
    assert charges["count"] == 2
    later = supervisor_client.get(f"{URL}unmatched-charges/", {"date_from": "2026-11-11"}).json()
    assert later["count"] == 0
    receipts = supervisor_client.get(f"{URL}unmatched-receipts/").json()
    assert receipts["count"] == 3


def test_run_on_demand_queues_a_job_that_proposes(
    agent_client, customer, django_capture_on_commit_callbacks
):
    row = charge(customer, amount="18.00", day=DAY, description="SOMEONE")
    receipt(customer, total="18.00", day=date(2026, 11, 14), seller="Other")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"{URL}run/", {"customer": customer.pk}, format="json")
    assert response.status_code == 202, response.content
    job = agent_client.get(response.json()["status_url"]).json()
    assert job["status"] == "succeeded" and job["kind"] == "match.propose"
    assert ReceiptMatch.objects.filter(transaction=row, status="proposed").exists()
    # Agents run it per customer; periods must be ordered.
    assert_error_shape(agent_client.post(f"{URL}run/", {}, format="json"), 400)
    bad = {"customer": customer.pk, "date_from": "2026-12-01", "date_to": "2026-11-01"}
    assert_error_shape(agent_client.post(f"{URL}run/", bad, format="json"), 400)


def test_anonymous_callers_are_refused(anon_client):
    assert_error_shape(anon_client.get(URL), 401)
