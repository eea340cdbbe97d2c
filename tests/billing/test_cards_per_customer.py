"""Cards belong to one customer: an upload never reaches, reveals or changes another
customer's card, even when both cards are of one bank and end in the same four digits."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Bill, CreditCard, StatementImport
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf, maybank_xlsx
from tests.conftest import jwt_client

pytestmark = pytest.mark.usefixtures("seeded")
URL = "/api/v1/statements/"
OCTOBER = date(2026, 10, 18)


def _upload(client, capture, data: bytes, name: str = "statement.pdf", **fields) -> dict:
    with capture(execute=True):
        response = client.post(
            URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart"
        )
    assert response.status_code in (200, 202), response.content
    return client.get(f"{URL}{response.json()['id']}/").json()


def test_same_bank_and_last4_under_two_customers_are_two_cards(
    agent_client,
    other_agent,
    customer,
    other_customer,
    django_capture_on_commit_callbacks,
):
    other_client = jwt_client(other_agent)
    october = maybank_pdf(fake_statement(statement_date=OCTOBER, previous="0.00"))
    theirs = _upload(
        other_client, django_capture_on_commit_callbacks, october, customer=other_customer.pk
    )
    their_bill = Bill.objects.get(statement_import_id=theirs["id"])
    # Next month's statement of *this* agent's customer, whose previous balance does not chain
    # onto the other customer's October bill.
    mine = _upload(
        agent_client,
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement()),
        customer=customer.pk,
    )

    assert mine["status"] == "verified", mine["problems"]
    assert CreditCard.objects.filter(bank__code="maybank", last4="0001").count() == 2
    my_bill = Bill.objects.get(statement_import_id=mine["id"])
    assert my_bill.card.customer == customer
    assert their_bill.card.customer == other_customer
    # Nothing of the other card's figures reaches this agent's import.
    assert str(their_bill.new_balance) not in str(mine["problems"])
    # The other agent's bill and import are untouched, and they see only their own card.
    their_bill.refresh_from_db()
    assert their_bill.status == Bill.Status.VERIFIED and their_bill.problems == []
    assert other_client.get("/api/v1/bills/").json()["count"] == 1
    assert agent_client.get("/api/v1/bills/").json()["count"] == 1
    assert agent_client.get(f"/api/v1/bills/{their_bill.pk}/").status_code == 404


def test_an_earlier_statement_of_another_customer_never_rechecks_my_bill(
    agent_client,
    other_agent,
    customer,
    other_customer,
    django_capture_on_commit_callbacks,
):
    mine = _upload(
        agent_client,
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement()),
        customer=customer.pk,
    )
    october = maybank_pdf(fake_statement(statement_date=OCTOBER, previous="0.00"))
    _upload(
        jwt_client(other_agent),
        django_capture_on_commit_callbacks,
        october,
        customer=other_customer.pk,
    )

    my_bill = Bill.objects.get(statement_import_id=mine["id"])
    assert my_bill.status == Bill.Status.VERIFIED and my_bill.problems == []
    assert StatementImport.objects.get(pk=mine["id"]).status == "verified"


def test_the_same_statement_for_another_customer_is_not_their_duplicate(
    agent_client,
    other_agent,
    customer,
    other_customer,
    django_capture_on_commit_callbacks,
):
    statement = fake_statement()
    _upload(
        jwt_client(other_agent),
        django_capture_on_commit_callbacks,
        maybank_pdf(statement),
        customer=other_customer.pk,
    )
    # Other bytes (an Excel export), same card digits, date and new balance.
    mine = _upload(
        agent_client,
        django_capture_on_commit_callbacks,
        maybank_xlsx(statement),
        "statement.xlsx",
        customer=customer.pk,
        bank="maybank",
    )
    assert mine["status"] != "duplicate" and mine["duplicate_of"] is None, mine
    assert Bill.objects.get(statement_import_id=mine["id"]).card.customer == customer


def test_an_unfiled_card_is_never_claimed_by_an_agents_upload(
    agent_client,
    supervisor_client,
    customer,
    django_capture_on_commit_callbacks,
):
    october = maybank_pdf(fake_statement(statement_date=OCTOBER, previous="0.00"))
    _upload(supervisor_client, django_capture_on_commit_callbacks, october)
    unfiled = CreditCard.objects.get(customer=None)

    mine = _upload(
        agent_client,
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement()),
        customer=customer.pk,
    )
    unfiled.refresh_from_db()
    assert unfiled.customer is None
    assert Bill.objects.get(statement_import_id=mine["id"]).card.customer == customer
    # The agent sees nothing of the unfiled card's October bill.
    assert agent_client.get("/api/v1/cards/").json()["count"] == 1
    assert "previous_balance_mismatch" not in str(mine["problems"])


def test_a_supervisor_upload_naming_no_customer_uses_the_only_matching_card(
    supervisor_client, customer, django_capture_on_commit_callbacks
):
    october = maybank_pdf(fake_statement(statement_date=OCTOBER, previous="0.00"))
    _upload(supervisor_client, django_capture_on_commit_callbacks, october, customer=customer.pk)
    november = _upload(
        supervisor_client, django_capture_on_commit_callbacks, maybank_pdf(fake_statement())
    )
    assert Bill.objects.get(statement_import_id=november["id"]).card.customer == customer
    assert CreditCard.objects.count() == 1


def test_a_supervisor_upload_naming_no_customer_is_refused_when_digits_are_ambiguous(
    agent_client,
    other_agent,
    supervisor_client,
    customer,
    other_customer,
    django_capture_on_commit_callbacks,
):
    october = fake_statement(statement_date=OCTOBER, previous="0.00")
    _upload(
        agent_client, django_capture_on_commit_callbacks, maybank_pdf(october), customer=customer.pk
    )
    _upload(
        jwt_client(other_agent),
        django_capture_on_commit_callbacks,
        maybank_xlsx(october),
        "october.xlsx",
        customer=other_customer.pk,
        bank="maybank",
    )
    unnamed = _upload(
        supervisor_client, django_capture_on_commit_callbacks, maybank_pdf(fake_statement())
    )
    assert (unnamed["status"], unnamed["error_code"]) == ("failed", "card_customer_ambiguous")
    assert Bill.objects.count() == 2
