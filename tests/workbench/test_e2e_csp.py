"""End to end, in headless Chromium: the workbench's Content-Security-Policy blocks nothing the
pages themselves do (scripts, the review screen's boxes, page images from blobs)."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.workbench.conftest import log_in
from tests.workbench.records import agent_named, invoice_waiting_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Installed before any page script: every violation the browser reports, kept on the window.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_no_page_trips_the_content_security_policy(desktop, live_server, e2e_db):
    page, base = desktop, live_server.url
    agent = agent_named("agent_csp")
    invoice = invoice_waiting_for(agent)
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(base + "/workbench/login/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")

    for path in ["/workbench/", "/workbench/upload/", "/workbench/dashboard/",
                 f"/workbench/invoices/{invoice.pk}/", "/workbench/login/"]:  # fmt: skip
        page.goto(base + path)
        page.wait_for_selector("body[data-ready]")
        if "/invoices/" in path:
            # The boxes are placed by script over the page image, which comes from a blob.
            page.wait_for_selector('[data-box="seller"]')
            assert page.locator('[data-box="seller"]').bounding_box()["width"] > 0
            assert page.evaluate(
                "document.querySelector('[data-role=page-image]').src.startsWith('blob:')"
            )
        assert page.evaluate("window.__cspViolations") == [], path
