"""GET /api/v1/{invoices,invoices/lines,transactions}/export/?format=…: the list's filters and
scoping, the one error shape, and large exports built by a job and downloaded from its URL."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from exports.models import Export
from tests.conftest import assert_error_shape
from tests.exports.records import books


@pytest.fixture
def data(agent, other_agent, supervisor):
    return books(agent, other_agent, reviewer=supervisor)


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_invoice_csv_download_follows_the_list_filters(agent_client, data):
    response = agent_client.get("/api/v1/invoices/export/", {"format": "csv", "status": "approved"})
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-csv-')
    assert [row["invoice_number"] for row in rows_of(response)] == ["RE-1001"]
    searched = agent_client.get("/api/v1/invoices/export/", {"format": "csv", "search": "1002"})
    assert [row["invoice_number"] for row in rows_of(searched)] == ["RE-1002"]
    links = rows_of(agent_client.get("/api/v1/invoices/export/?format=csv"))
    assert links[0]["page_image_url"].startswith("http://testserver/api/v1/invoices/")


def test_agents_export_only_their_customers_rows(agent_client, supervisor_client, data):
    mine = {row["invoice_number"] for row in rows_of(
        agent_client.get("/api/v1/invoices/export/?format=csv"))}  # fmt: skip
    assert mine == {"RE-1001", "RE-1002"}
    everyone = {row["invoice_number"] for row in rows_of(
        supervisor_client.get("/api/v1/invoices/export/?format=csv"))}  # fmt: skip
    assert everyone == {"RE-1001", "RE-1002", "XX-9001"}
    cards = {row["card_last4"] for row in rows_of(
        agent_client.get("/api/v1/transactions/export/?format=csv"))}  # fmt: skip
    assert cards == {"4242"}
    lines = rows_of(agent_client.get("/api/v1/invoices/lines/export/?format=csv"))
    assert {row["invoice_number"] for row in lines} == {"RE-1001", "RE-1002"}


def test_another_agents_customer_as_a_filter_is_refused(agent_client, data, other_agent):
    theirs = data["foreign"].customer_id
    response = agent_client.get(f"/api/v1/invoices/export/?format=csv&customer={theirs}")
    assert_error_shape(response, 400)


def test_bad_format_is_a_400_naming_the_formats(agent_client, data):
    error = assert_error_shape(
        agent_client.get("/api/v1/transactions/export/?format=ubl"), 400,
        "unsupported_export_format",
    )  # fmt: skip
    assert "datev" in error["details"]["formats"] and "ubl" not in error["details"]["formats"]
    assert_error_shape(agent_client.get("/api/v1/invoices/export/"), 400,
                       "unsupported_export_format")  # fmt: skip
    assert_error_shape(agent_client.get("/api/v1/invoices/export/?format=csv&date_from=x"), 400)


def test_anonymous_callers_get_401(anon_client, data):
    assert_error_shape(anon_client.get("/api/v1/invoices/export/?format=csv"), 401)


def test_ubl_of_several_invoices_downloads_as_zip(agent_client, data):
    response = agent_client.get("/api/v1/invoices/export/?format=ubl")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 2


def test_a_large_export_is_a_job_with_a_download_url(
    agent_client, other_agent, data, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.get("/api/v1/invoices/export/?format=xlsx&ordering=invoice_number")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status_url"] == f"/api/v1/jobs/{body['job']}/"
    export = Export.objects.get(pk=body["id"])
    assert export.status == Export.Status.READY and export.rows == 2
    detail = agent_client.get(f"/api/v1/exports/{export.pk}/").json()
    assert detail["status"] == "ready"
    download = agent_client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an XLSX is a ZIP
    # Another agent sees neither the export nor its file.
    from tests.conftest import jwt_client

    stranger = jwt_client(other_agent)
    assert_error_shape(stranger.get(body["download_url"]), 404)


def test_too_large_an_export_is_refused(agent_client, data, settings):
    settings.EXPORT_MAX_ROWS = 1
    assert_error_shape(agent_client.get("/api/v1/invoices/export/?format=csv"), 400,
                       "export_too_large")  # fmt: skip
