"""End to end, in headless Chromium: a bill that does not reconcile in the queue, on the bill
screen (equation, failing checks, transaction filters) and in the dashboard's monthly chart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from billing.models import Transaction
from billing.services import reference_data_seed
from tests.factories import DEFAULT_PASSWORD, CustomerFactory
from tests.workbench.conftest import log_in, measure, screenshot
from tests.workbench.records import agent_named, bill_for, month_start

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def agent_with_bill(e2e_db):
    agent = agent_named("agent_bills")
    return agent, bill_for(agent)


def test_agent_reads_a_bill_that_does_not_reconcile(
    desktop, live_server, agent_with_bill, page_timings
):
    agent, bill = agent_with_bill
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/?next=/workbench/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    measure(page, page_timings, "queue (with a bill)", "desktop")
    assert page.inner_text('[data-count="review"]') == "1"
    assert page.locator('tr[data-kind="bill"]').count() == 1
    assert "Mei Lin" in page.inner_text('tr[data-kind="bill"]')

    page.click('tr[data-kind="bill"] a')
    page.wait_for_url(f"{base}/workbench/bills/{bill.pk}/")
    measure(page, page_timings, "bill", "desktop")
    assert page.inner_text("[data-role=equation-sign]") == "≠"
    assert page.inner_text('[data-value="computed"]') == "320.50 MYR"
    assert "off by 10.00 MYR" in page.inner_text("[data-role=equation-verdict]")
    assert "330.50" in page.inner_text('[data-role=problems] li[data-code="balance_mismatch"]')
    assert page.locator("[data-role=transactions] tr").count() == 3
    screenshot(page, "bill")

    page.select_option("select[name=direction]", "credit")
    # Functions, not bare expressions: Playwright evals those in the page, which the page's CSP
    # (no 'unsafe-eval') refuses.
    page.wait_for_function(
        "() => document.querySelectorAll('[data-role=transactions] tr').length === 1"
    )
    assert "PAYMENT" in page.inner_text("[data-role=transactions]")
    page.select_option("select[name=direction]", "")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-role=transactions] tr').length === 3"
    )
    page.fill("input[name=search]", "tesco")
    page.wait_for_selector("[data-role=transactions] tr:has-text('TESCO')")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-role=transactions] tr').length === 1"
    )

    page.click("nav >> text=Dashboard")
    measure(page, page_timings, "dashboard (with transactions)", "desktop")
    assert page.inner_text('[data-figure="total_charges"]') == "320.50"
    assert page.inner_text('[data-figure="bills"]') == "1"
    # Twelve months, a charge and a payment bar each; two months carry money.
    assert page.locator("[data-role=chart] rect.bar").count() == 24
    heights = page.eval_on_selector_all(
        "[data-role=chart] rect.bar.debit", "bars => bars.map(b => +b.getAttribute('height'))"
    )
    assert [h > 0 for h in heights[-2:]] == [True, True] and sum(h > 0 for h in heights) == 2
    screenshot(page, "dashboard-chart")


def test_the_chart_sums_any_number_of_rows_to_the_cent(desktop, live_server, agent_with_bill):
    agent, bill = agent_with_bill
    day = month_start(0) + timedelta(days=2)
    Transaction.objects.bulk_create(
        Transaction(bill=bill, card=bill.card, transaction_date=day, description="PARKING",
                    amount=Decimal("1.00"), direction="debit", occurrence=n)
        for n in range(200)
    )  # fmt: skip
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/?next=/workbench/dashboard/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/dashboard/")
    page.wait_for_selector("body[data-ready]")

    # 203 rows, more than a page of transactions: the server sums each month, to the cent.
    titles = page.eval_on_selector_all(
        "[data-role=chart] rect.bar.debit title", "titles => titles.map(t => t.textContent)"
    )
    assert titles[-1].endswith("Charges: 400.00")
    assert titles[-2].endswith("Charges: 120.50")


STATEMENT_ROWS = [  # a headerless bank export: date; description; amount; O(ut)/I(n)
    "02.11.2026;GROCERIES;12,50;O",
    "03.11.2026;SALARY REFUND;100,00;I",
    "05.11.2026;MYSTERY;8,00;",
]


def test_a_dropped_statement_is_followed_to_its_bill(desktop, live_server, e2e_db):
    reference_data_seed()
    agent = agent_named("agent_statements")
    customer = CustomerFactory(name="Ahmad Demo", assigned_agent=agent)
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/?next=/workbench/upload/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/upload/")
    page.wait_for_selector("body[data-ready]")
    page.select_option("[data-role=customer]", str(customer.pk))
    page.select_option("[data-role=bank]", "public_bank")
    page.fill("[data-role=card-last4]", "9876")

    # A real drop event carrying the file, as the browser fires it when a file is let go.
    page.evaluate(
        """text => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "export.csv", {type: "text/csv"}));
            const zone = document.querySelector('.dropzone[data-kind="statement"]');
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        "\n".join(STATEMENT_ROWS) + "\n",
    )

    row = page.locator('[data-role=uploads] tr[data-name="export.csv"]')
    row.locator("[data-statement-status=review]").wait_for()
    assert row.get_attribute("data-status") == "succeeded"
    screenshot(page, "upload-statement")
    row.locator("a").click()
    page.wait_for_selector("body[data-ready]")
    assert "/workbench/bills/" in page.url
    assert page.locator('[data-role=problems] li[data-code="row_unreadable"]').count() == 1
    assert page.locator("[data-role=transactions] tr").count() == 2


def test_upload_progress_follows_the_job_through_each_status(desktop, live_server, e2e_db):
    """Tests run jobs inline, so the first poll already sees the end; here the first two polls
    are answered as a busy worker would answer them, to see the row walk through each state."""
    reference_data_seed()
    agent = agent_named("agent_progress")
    customer = CustomerFactory(name="Ahmad Demo", assigned_agent=agent)
    page, base = desktop, live_server.url
    early = iter(["queued", "running"])

    def answer(route):
        status = next(early, None)
        if status is None:
            return route.continue_()
        job_id = int(route.request.url.rstrip("/").rsplit("/", 1)[1])
        return route.fulfill(json={"id": job_id, "status": status, "target": None})

    page.route("**/api/v1/jobs/*/", answer)
    page.goto(base + "/workbench/login/?next=/workbench/upload/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/upload/")
    page.wait_for_selector("body[data-ready]")
    page.evaluate(
        """() => {
            window.seen = [];
            new MutationObserver(changes => changes.forEach(change =>
                window.seen.push(change.target.getAttribute("data-status"))
            )).observe(document.querySelector("[data-role=uploads]"),
                       {attributes: true, subtree: true, attributeFilter: ["data-status"]});
        }"""
    )
    page.select_option("[data-role=customer]", str(customer.pk))
    page.select_option("[data-role=bank]", "public_bank")
    page.fill("[data-role=card-last4]", "9876")

    page.set_input_files(
        "[data-role=statement-input]",
        files=[{"name": "export.csv", "mimeType": "text/csv",
                "buffer": ("\n".join(STATEMENT_ROWS) + "\n").encode()}],
    )  # fmt: skip

    page.locator("[data-statement-status=review]").wait_for()
    assert page.evaluate("window.seen") == ["sending", "queued", "running", "succeeded"]
