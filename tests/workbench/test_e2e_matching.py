"""End to end, in headless Chromium: the matching screen lists proposed matches (invoice beside
charge, best first); `y` confirms the selected one and `n` rejects the next, through the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from matching.models import ReceiptMatch
from matching.services import matches_propose
from tests.factories import DEFAULT_PASSWORD, CustomerFactory
from tests.matching.records import charge, receipt
from tests.workbench.conftest import log_in, measure, screenshot
from tests.workbench.records import agent_named

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAY = date(2026, 11, 10)


@pytest.fixture
def agent_with_matches(e2e_db):
    agent = agent_named("agent_matching")
    customer = CustomerFactory(name="Mei Lin", assigned_agent=agent)
    stranger = CustomerFactory(name="Someone Else", assigned_agent=agent_named("agent_other"))
    nero = charge(customer, amount="42.00", day=DAY, description="CAFE NERO KL")
    receipt(customer, total="42.00", day=DAY + timedelta(days=5), seller="Cafe Nero Sdn Bhd")
    other = charge(customer, amount="18.00", day=DAY, description="SOMEONE")
    receipt(customer, total="18.00", day=DAY + timedelta(days=2), seller="Other Shop")
    charge(stranger, amount="7.00", day=DAY, description="NOT YOURS")
    receipt(stranger, total="7.00", day=DAY + timedelta(days=3), seller="Hidden")
    matches_propose()
    return agent, nero, other


def test_agent_confirms_and_rejects_matches_with_one_key(
    desktop, live_server, agent_with_matches, page_timings
):
    agent, nero, other = agent_with_matches
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/?next=/workbench/matching/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/matching/")
    measure(page, page_timings, "matching", "desktop")
    rows = page.locator("[data-role=match-rows] tr[data-match]")
    assert rows.count() == 2  # the other agent's customer's match is not shown
    first = rows.nth(0)
    assert first.get_attribute("aria-selected") == "true"
    assert "Cafe Nero Sdn Bhd" in first.inner_text() and "CAFE NERO KL" in first.inner_text()
    assert "42.00 MYR" in first.inner_text()
    assert page.inner_text('[data-count="proposed"]') == "2"
    screenshot(page, "matching")

    page.keyboard.press("y")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-role=match-rows] tr[data-match]').length === 1"
    )
    assert ReceiptMatch.objects.get(transaction=nero).status == "confirmed"
    page.wait_for_function(
        "() => document.querySelector('[data-count=unmatched_charges]').textContent === '1'"
    )

    page.keyboard.press("n")
    page.wait_for_selector("[data-role=no-matches]")
    assert "No proposed matches" in page.inner_text("[data-role=match-rows]")
    match = ReceiptMatch.objects.get(transaction=other)
    assert (match.status, match.decided_by.username) == ("rejected", agent.username)
    page.wait_for_function(
        "() => document.querySelector('[data-count=unmatched_receipts]').textContent === '1'"
    )


def test_agent_recategorises_a_charge_and_makes_a_rule_in_one_click(desktop, live_server, e2e_db):
    # On the bill screen: a category typed into a row is saved, then "Make a rule" is offered.
    from billing.models import MerchantRule, Transaction
    from tests.workbench.records import bill_for

    agent = agent_named("agent_rules")
    bill = bill_for(agent)
    page, base = desktop, live_server.url
    page.goto(base + f"/workbench/login/?next=/workbench/bills/{bill.pk}/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(f"{base}/workbench/bills/{bill.pk}/")
    tesco = Transaction.objects.get(bill=bill, description__startswith="TESCO")
    field = page.locator(f'input[name=category][data-tx="{tesco.pk}"]')
    field.fill("Groceries")
    field.press("Tab")  # change: saved at once
    offer = page.locator(f'tr:has(input[data-tx="{tesco.pk}"]) [data-action=make-rule]')
    offer.wait_for()
    tesco.refresh_from_db()
    assert tesco.category == "Groceries" and not MerchantRule.objects.exists()
    offer.click()
    page.wait_for_selector("[data-role=flash]:has-text('Rule made')")
    rule = MerchantRule.objects.get()
    assert (rule.pattern, rule.category, rule.customer_id) == (
        "TESCO EXTRA AMPANG",
        "Groceries",
        bill.card.customer_id,
    )
    # The dashboard's totals per category (GET /api/v1/dashboard/summary/ `categories`).
    page.click("nav >> text=Dashboard")
    page.wait_for_selector("body[data-ready]")
    groceries = page.locator('[data-role=categories] tr[data-category="Groceries"]')
    assert groceries.inner_text().split("\t")[1:3] == ["1", "200.00"]
