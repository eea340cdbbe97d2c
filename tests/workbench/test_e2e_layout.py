"""End to end, in headless Chromium: every page on a 390-px phone screen, and the workbench in
Chinese after the language switch."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.workbench.conftest import log_in, measure, screenshot
from tests.workbench.records import agent_named, bill_for, invoice_waiting_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def agent_with_work(e2e_db):
    agent = agent_named("agent_layout")
    return agent, bill_for(agent), invoice_waiting_for(agent)


def test_pages_fit_a_narrow_phone_screen(narrow, live_server, agent_with_work, page_timings):
    agent, bill, invoice = agent_with_work
    page, base = narrow, live_server.url
    page.goto(base + "/workbench/login/")
    measure(page, page_timings, "login", "390 px")
    screenshot(page, "narrow-login")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    for path, name in [
        ("/workbench/", "queue"),
        (f"/workbench/invoices/{invoice.pk}/", "review"),
        (f"/workbench/bills/{bill.pk}/", "bill"),
        ("/workbench/upload/", "upload"),
        ("/workbench/dashboard/", "dashboard"),
        ("/workbench/matching/", "matching"),
    ]:
        page.goto(base + path)
        measure(page, page_timings, name, "390 px")
        # Nothing wider than the screen: no sideways scrolling of the page itself.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        screenshot(page, f"narrow-{name}")


def test_the_workbench_speaks_chinese_after_the_switch(desktop, live_server, agent_with_work):
    agent, bill, invoice = agent_with_work
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/")

    page.select_option("[data-action=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.inner_text("h1") == "业务员工作台"
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    page.goto(f"{base}/workbench/bills/{bill.pk}/")
    page.wait_for_selector("body[data-ready]")

    assert page.inner_text("[data-role=bill-status]") == "待审核"
    assert page.inner_text("nav.mainnav").split() == ["队列", "上传", "概览", "对账匹配"]
    assert "未通过" in page.inner_text("[data-role=problems]")
    screenshot(page, "bill-zh")
    page.goto(f"{base}/workbench/invoices/{invoice.pk}/")
    page.wait_for_selector("body[data-ready]")
    assert page.inner_text('label[for="field-invoice_number"]') == "发票号码"
    assert page.inner_text("#hint-seller") == "置信度低"
    assert "金额 + 税额 = 价税合计" in page.inner_text("[data-role=checks]")
    screenshot(page, "review-zh")
