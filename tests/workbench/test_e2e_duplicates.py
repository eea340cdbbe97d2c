"""End to end, in headless Chromium: a duplicate invoice's review page says which stored
invoice it repeats and links to it; checks that name a field (the QR against the page) list
with their message."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile

from invoices.models import Invoice
from tests.factories import DEFAULT_PASSWORD
from tests.workbench.conftest import log_in, screenshot
from tests.workbench.records import agent_named, invoice_waiting_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _copy_of(original: Invoice) -> Invoice:
    data = b"%PDF-1.4 another file of the same invoice"
    copy = Invoice.objects.get(pk=original.pk)
    copy.pk = None
    copy.original_name = "photo.pdf"
    copy.sha256 = hashlib.sha256(data).hexdigest()
    copy.duplicate_of = original
    copy.checks = [
        {"name": "cn_qr_matches_page", "field": "total_amount", "ok": False,
         "message": "QR says 120.00, page says 102.00"},
        {"name": "duplicate_invoice", "ok": False, "duplicate_of": original.pk,
         "message": f"The same invoice as #{original.pk}, uploaded as another file."},
    ]  # fmt: skip
    copy.file.save(f"{copy.sha256}.pdf", ContentFile(data), save=False)
    copy.save()
    return copy


def test_a_duplicate_says_so_and_links_to_the_stored_invoice(desktop, live_server, e2e_db):
    agent = agent_named("agent_duplicates")
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    original = invoice_waiting_for(agent)
    copy = _copy_of(original)

    page.goto(f"{base}/workbench/invoices/{copy.pk}/")
    page.wait_for_selector("body[data-ready]")
    notice = page.locator("[data-role=duplicate-notice]")
    assert notice.is_visible()
    assert f"repeats invoice #{original.pk}" in notice.inner_text()
    checks = page.inner_text("[data-role=checks]")
    assert "QR says 120.00, page says 102.00" in checks
    assert "The QR code matches the page" in checks
    screenshot(page, "review-duplicate")

    notice.locator("a").click()
    page.wait_for_url(f"{base}/workbench/invoices/{original.pk}/")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("[data-role=duplicate-notice]").is_hidden()
