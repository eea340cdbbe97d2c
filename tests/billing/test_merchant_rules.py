"""Merchant rules: applied when a statement is stored, re-run on demand (command, admin, API),
made from an agent's recategorisation in one click; per-category totals on the dashboard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from billing.models import MerchantRule, Transaction
from billing.services.merchant_rules import (
    merchant_part,
    merchant_rule_create,
    merchant_rules_apply,
)
from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import maybank_pdf
from tests.conftest import assert_error_shape
from tests.matching.records import charge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
DAY = date(2026, 11, 10)


def test_rules_are_applied_when_a_statement_is_imported(
    customer, django_capture_on_commit_callbacks
):
    merchant_rule_create(pattern="demo mart", category="Groceries", merchant="Demo Mart")
    merchant_rule_create(
        pattern=r"BALANCE TRANSFER .{0,20}:\d{2}/\d{2}", match_kind="regex", category="Transfers"
    )
    # Lower priority number wins; a customer's own rule applies to that customer only.
    merchant_rule_create(pattern="demo", category="Never", priority=500)
    statement = import_file(
        django_capture_on_commit_callbacks, maybank_pdf(fake_statement()), customer=customer
    )
    rows = {
        (t.description, t.category, t.merchant)
        for t in Transaction.objects.filter(bill__statement_import=statement)
    }
    assert ("DEMO MART GROCERS", "Groceries", "Demo Mart") in rows
    assert ("BALANCE TRANSFER DEMO :04/24", "Transfers", "") in rows
    assert ("PAYMENT - THANK YOU", "", "") in rows


def test_amount_range_and_customer_narrow_a_rule(customer, other_customer):
    small = charge(customer, amount="9.00", day=DAY, description="GRAB RIDE")
    big = charge(customer, amount="90.00", day=DAY, description="GRAB RIDE")
    theirs = charge(other_customer, amount="9.00", day=DAY, description="GRAB RIDE")
    merchant_rule_create(
        pattern="grab", category="Transport", amount_max=Decimal("20"), customer=customer
    )
    assert merchant_rules_apply() == {"checked": 3, "updated": 1}
    categories = dict(Transaction.objects.values_list("pk", "category"))
    assert (categories[small.pk], categories[big.pk], categories[theirs.pk]) == (
        "Transport",
        "",
        "",
    )
    assert merchant_rules_apply()["updated"] == 0  # re-runnable, idempotent


def test_rerun_keeps_a_persons_category_unless_overwriting(customer):
    row = charge(customer, amount="5.00", day=DAY, description="STARBUCKS KLCC")
    Transaction.objects.filter(pk=row.pk).update(category="Client meals")
    merchant_rule_create(pattern="starbucks", category="Coffee")
    call_command("apply_merchant_rules")
    row.refresh_from_db()
    assert row.category == "Client meals"
    call_command("apply_merchant_rules", "--overwrite")
    row.refresh_from_db()
    assert row.category == "Coffee"


def test_a_bad_regex_is_refused_and_a_slow_one_fails_one_row_only(supervisor_client, customer):
    response = supervisor_client.post(
        "/api/v1/merchant-rules/",
        {"pattern": "(unclosed", "match_kind": "regex", "category": "X"},
        format="json",
    )
    assert "pattern" in assert_error_shape(response, 400, "validation_error")["details"]["fields"]
    for bad in ({"pattern": "", "category": "X"}, {"pattern": "a", "category": ""},
                {"pattern": "a", "category": "X", "amount_min": "5", "amount_max": "1"},
                {"pattern": "a", "category": "X", "match_kind": "glob"}):  # fmt: skip
        assert_error_shape(
            supervisor_client.post("/api/v1/merchant-rules/", bad, format="json"), 400
        )


def test_api_creates_lists_and_applies_rules(supervisor_client, agent_client, customer):
    charge(customer, amount="12.00", day=DAY, description="NETFLIX.COM 866-579")
    created = supervisor_client.post(
        "/api/v1/merchant-rules/",
        {"pattern": "netflix", "category": "Subscriptions", "merchant": "Netflix"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert supervisor_client.get("/api/v1/merchant-rules/").json()["count"] == 1
    applied = supervisor_client.post("/api/v1/merchant-rules/apply/", {}, format="json").json()
    assert applied == {"checked": 1, "updated": 1}
    assert Transaction.objects.get().merchant == "Netflix"
    assert_error_shape(agent_client.get("/api/v1/merchant-rules/"), 403)


def test_a_rule_made_from_an_agents_recategorisation(agent_client, customer, other_customer):
    row = charge(customer, amount="23.50", day=DAY, description="SQ *BLUE BOTTLE 1234 KL MY")
    later = charge(
        customer, amount="7.00", day=date(2026, 11, 20), description="SQ *BLUE BOTTLE 99"
    )
    stranger = charge(other_customer, amount="7.00", day=DAY, description="SQ *BLUE BOTTLE 99")
    response = agent_client.patch(
        f"/api/v1/transactions/{row.pk}/category/",
        {"category": "Coffee", "make_rule": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["transaction"]["category"] == "Coffee"
    rule = MerchantRule.objects.get()
    assert (body["rule"]["id"], rule.pattern, rule.merchant) == (
        rule.pk,
        "BLUE BOTTLE KL",
        "Blue Bottle Kl",
    )
    assert rule.customer == customer and rule.created_by.username == "agent_ann"
    later.refresh_from_db()
    stranger.refresh_from_db()
    assert later.category == ""  # "BLUE BOTTLE 99" lacks "KL": the rule is the agent's words
    assert stranger.category == ""  # another customer's rows are never touched
    # Without make_rule only the row changes; bad input is a 400; others' rows are a 404.
    agent_client.patch(
        f"/api/v1/transactions/{later.pk}/category/", {"category": "Coffee"}, format="json"
    )
    assert MerchantRule.objects.count() == 1
    assert_error_shape(
        agent_client.patch(
            f"/api/v1/transactions/{row.pk}/category/", {"category": "x" * 61}, format="json"
        ),
        400,
    )
    assert_error_shape(
        agent_client.patch(
            f"/api/v1/transactions/{row.pk}/category/",
            {"category": "", "make_rule": True},
            format="json",
        ),
        400,
    )
    assert_error_shape(
        agent_client.patch(
            f"/api/v1/transactions/{stranger.pk}/category/", {"category": "X"}, format="json"
        ),
        404,
    )


def test_merchant_part_of_statement_descriptions():
    assert merchant_part("GRAB* A-8X2 KUALA LUMPUR MY") == "GRAB KUALA LUMPUR"
    assert merchant_part("SQ *BLUE BOTTLE 1234") == "BLUE BOTTLE"
    assert merchant_part("NETFLIX.COM 866-579") == "NETFLIX.COM"


def test_admin_action_applies_rules(client, staff_user, customer):
    from tests.factories import DEFAULT_PASSWORD

    client.post(
        reverse("admin:login"), {"username": staff_user.username, "password": DEFAULT_PASSWORD}
    )
    row = charge(customer, amount="4.00", day=DAY, description="TESCO EXTRA")
    rule = merchant_rule_create(pattern="tesco", category="Groceries")
    url = reverse("admin:billing_merchantrule_changelist")
    response = client.post(
        url, {"action": "apply_selected", "_selected_action": [rule.pk]}, follow=True
    )
    assert b"categorised 1" in response.content
    row.refresh_from_db()
    assert row.category == "Groceries"


def test_dashboard_totals_per_category(supervisor_client, customer):
    charge(customer, amount="10.00", day=DAY, description="TESCO")
    charge(customer, amount="30.00", day=DAY, description="GRAB")
    charge(customer, amount="5.00", day=DAY, description="GRAB")
    charge(customer, amount="8.00", day=DAY, description="REFUND", direction="credit")
    merchant_rule_create(pattern="grab", category="Transport")
    merchant_rule_create(pattern="tesco", category="Groceries")
    merchant_rules_apply()
    summary = supervisor_client.get("/api/v1/dashboard/summary/").json()
    assert summary["categories"] == [
        {"category": "Transport", "transactions": 2, "charges": "35.00", "payments": "0.00"},
        {"category": "Groceries", "transactions": 1, "charges": "10.00", "payments": "0.00"},
        {"category": "", "transactions": 1, "charges": "0.00", "payments": "8.00"},
    ]
    period = supervisor_client.get(
        "/api/v1/dashboard/summary/", {"date_from": "2026-11-01", "date_to": "2026-11-30"}
    ).json()
    assert period["categories"] == summary["categories"]
    assert period["total_charges"] == "45.00"
    months = supervisor_client.get(
        "/api/v1/dashboard/monthly/", {"date_from": "2026-10-01", "date_to": "2026-11-30"}
    ).json()["months"]
    assert months[0]["categories"] == []
    assert [(c["category"], c["charges"]) for c in months[1]["categories"]] == [
        ("Transport", "35.00"),
        ("Groceries", "10.00"),
        ("", "0.00"),
    ]
