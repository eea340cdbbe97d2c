"""End to end, in headless Chromium: an agent logs in, picks a format on the queue page and
downloads an export of their customers' invoices (and none of another agent's), once at once
and once built by a job (EXPORT_SYNC_MAX_ROWS below the rows)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.exports.records import invoice_for
from tests.factories import DEFAULT_PASSWORD, CustomerFactory
from tests.workbench.conftest import log_in, screenshot
from tests.workbench.records import agent_named, bill_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def agent_user(e2e_db):
    return agent_named("agent_export")


def download(page, format_name: str) -> bytes:
    page.select_option("[data-role=export-format]", format_name)
    with page.expect_download() as started:
        page.click("[data-role=export-download]")
    done = started.value
    page.wait_for_selector("[data-role=export][data-state=done]")
    with open(done.path(), "rb") as file:
        return file.read()


def test_agent_downloads_an_invoice_export_from_the_queue(
    desktop, live_server, agent_user, settings
):
    mine = CustomerFactory(name="Export GmbH", assigned_agent=agent_user)
    theirs = CustomerFactory(name="Somebody Else", assigned_agent=agent_named("agent_nope"))
    invoice_for(mine, number="RE-2001", reviewer=agent_user)
    invoice_for(mine, number="RE-2002")
    invoice_for(theirs, number="XX-2003")
    page, base = desktop, live_server.url

    page.goto(base + "/workbench/login/")
    log_in(page, agent_user.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    page.wait_for_selector("body[data-ready]")
    screenshot(page, "queue-export")

    data = download(page, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(row["invoice_number"] for row in rows) == ["RE-2001", "RE-2002"]
    approved = next(row for row in rows if row["invoice_number"] == "RE-2001")
    assert approved["reviewer"] == "agent_export" and approved["approval_status"] == "approved"
    assert re.fullmatch(rf"{re.escape(base)}/api/v1/invoices/\d+/pages/1\.png",
                        approved["page_image_url"])  # fmt: skip

    # Past EXPORT_SYNC_MAX_ROWS the page follows the export.build job, then downloads.
    settings.EXPORT_SYNC_MAX_ROWS = 1
    archive = zipfile.ZipFile(io.BytesIO(download(page, "ubl")))
    assert len(archive.namelist()) == 2
    assert all(b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in archive.read(n)
               for n in archive.namelist())  # fmt: skip


def test_agent_downloads_a_bills_transactions_from_the_bill_page(desktop, live_server, agent_user):
    bill = bill_for(agent_user)
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/")
    log_in(page, agent_user.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    page.goto(f"{base}/workbench/bills/{bill.pk}/")
    page.wait_for_selector("body[data-ready]")
    rows = list(csv.DictReader(io.StringIO(download(page, "csv").decode("utf-8-sig"))))
    assert sorted(row["description"] for row in rows) == [
        "GRAB RIDE KUALA LUMPUR", "PAYMENT - THANK YOU", "TESCO EXTRA AMPANG",
    ]  # fmt: skip
    assert {row["bill_id"] for row in rows} == {str(bill.pk)}
    assert {row["approval_status"] for row in rows} == {"review"}
    # (Not DATEV: the bill's rows span this month and last, two years in January.)
    bank = list(csv.DictReader(io.StringIO(download(page, "quickbooks").decode("utf-8-sig"))))
    assert sorted(row["Amount"] for row in bank) == ["-120.50", "-200.00", "500.00"]
