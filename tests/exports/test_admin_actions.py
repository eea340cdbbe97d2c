"""The changelists' export actions, through a real admin login (the login form, a session)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.admin import helpers
from openpyxl import load_workbook

from exports.models import Export
from tests.exports.records import books
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def admin_session(client, staff_user):
    answer = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff_user.username, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    return client


@pytest.fixture
def data(agent, other_agent, supervisor):
    return books(agent, other_agent, reviewer=supervisor)


def act(client, url: str, action: str, ids: list[int]):
    return client.post(url, {"action": action, helpers.ACTION_CHECKBOX_NAME: ids, "index": 0})


def test_invoice_changelist_exports_the_selection_as_ubl_and_csv(admin_session, data):
    approved = data["approved"]
    response = act(admin_session, "/admin/invoices/invoice/", "export_invoices_ubl", [approved.pk])
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoice-{approved.pk}-ubl.xml"'
    )
    assert b"RE-1001" in response.content
    ids = [approved.pk, data["waiting"].pk]
    listed = act(admin_session, "/admin/invoices/invoice/", "export_invoices_csv", ids)
    rows = list(csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert sorted(row["invoice_number"] for row in rows) == ["RE-1001", "RE-1002"]
    assert rows[0]["page_image_url"].startswith("http://testserver/api/v1/invoices/")
    lines = act(admin_session, "/admin/invoices/invoice/", "export_invoice_lines_xlsx", ids)
    sheet = load_workbook(io.BytesIO(lines.content)).active
    assert sheet.max_row == 5  # header + 2 x 2 lines


def test_transaction_changelist_exports_datev(admin_session, data):
    ids = list(data["bill"].transactions.values_list("pk", flat=True))
    response = act(admin_session, "/admin/billing/transaction/", "export_transactions_datev", ids)
    assert response.status_code == 200
    assert response.content.startswith(b'"EXTF";700;21;"Buchungsstapel"')


def test_a_refused_export_is_a_message_not_an_error(admin_session, data, settings):
    settings.EXPORT_MAX_ROWS = 1
    ids = [data["approved"].pk, data["waiting"].pk]
    response = act(admin_session, "/admin/invoices/invoice/", "export_invoices_csv", ids)
    assert response.status_code == 302
    page = admin_session.get(response["Location"])
    assert "one export holds at most 1" in page.content.decode()


def test_exports_built_by_jobs_are_listed(admin_session):
    Export.objects.create(dataset="invoices", format="csv")
    assert admin_session.get("/admin/exports/export/").status_code == 200
