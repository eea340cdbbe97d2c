"""The recipe "add a field to invoices" (docs/EXTENDING.md): with its column and the
extractor's spec, one InvoiceField in invoices/fields.py is all it takes; the API (list, detail,
corrections, search, ordering, filters), the admin (columns, fieldset, search, label) and the
workbench's review form follow.

Shown with a column the model already has but that is not an invoice field (`engine`), so no
migration is needed.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin import site
from django.urls import reverse

from invoices import fields
from invoices.fields import InvoiceField
from invoices.models import Invoice, InvoiceFieldChange
from tests.invoices.conftest import INVOICES_URL
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_field(monkeypatch) -> InvoiceField:
    spec = InvoiceField(
        "engine", "Engine used", listed=True, searchable=True, sortable=True, filter="exact"
    )
    monkeypatch.setattr(fields, "INVOICE_FIELDS", (*fields.INVOICE_FIELDS, spec))
    return spec


@pytest.fixture
def invoice(agent, agent_customer):
    return InvoiceFactory(customer=agent_customer, uploaded_by=agent, engine="rapidocr")


def test_before_the_spec_the_column_is_no_invoice_field(agent_client, invoice):
    listed = agent_client.get(INVOICES_URL).json()["results"][0]
    assert "engine" not in listed
    refused = agent_client.patch(f"{INVOICES_URL}{invoice.pk}/", {"engine": "x"}, format="json")
    assert refused.status_code == 400
    assert agent_client.get(INVOICES_URL, {"search": "rapidocr"}).json()["count"] == 0


def test_the_api_lists_searches_filters_orders_and_corrects_the_new_field(
    engine_field, agent_client, invoice
):
    InvoiceFactory(customer=invoice.customer, uploaded_by=invoice.uploaded_by, engine="tesseract")
    listed = agent_client.get(INVOICES_URL, {"ordering": "engine"}).json()["results"]
    assert [row["engine"] for row in listed] == ["rapidocr", "tesseract"]
    assert agent_client.get(INVOICES_URL, {"search": "rapidocr"}).json()["count"] == 1
    assert agent_client.get(INVOICES_URL, {"engine": "tesseract"}).json()["count"] == 1

    response = agent_client.patch(
        f"{INVOICES_URL}{invoice.pk}/", {"engine": "corrected"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["engine"] == "corrected"
    change = InvoiceFieldChange.objects.get(invoice=invoice)
    assert (change.field, change.old_value, change.new_value) == ("engine", "rapidocr", "corrected")


def test_the_schema_describes_the_new_field(engine_field, agent_client):
    schema = agent_client.get("/api/v1/schema/", {"format": "json"}).json()
    listed = schema["components"]["schemas"]["InvoiceList"]["properties"]
    assert listed["engine"]["readOnly"] is True
    assert "engine" in schema["components"]["schemas"]["PatchedInvoiceUpdate"]["properties"]


def test_the_admin_lists_searches_and_shows_the_new_field(
    engine_field, client, staff_user, invoice
):
    client.force_login(staff_user)
    changelist = client.get(reverse("admin:invoices_invoice_changelist"), {"q": "rapidocr"})
    assert changelist.status_code == 200
    assert b"column-engine" in changelist.content
    assert invoice.original_name.encode() in changelist.content

    # (`engine` stays read-only here: the admin already shows it under "How they were read".)
    request = changelist.wsgi_request
    fieldsets = dict(site._registry[Invoice].get_fieldsets(request, invoice))
    assert fieldsets["Extracted fields"]["fields"][-1] == "engine"


def test_the_admin_labels_the_fields_as_the_workbench_does(client, staff_user):
    client.force_login(staff_user)
    invoice = InvoiceFactory()
    change = client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert re.search(rb'<label[^>]* for="id_total_amount">Total:</label>', change.content)


def test_the_review_page_gets_the_new_field(engine_field, client):
    html = client.get(reverse("workbench:review", kwargs={"invoice_id": 1})).content.decode()
    data = re.search(r'<script id="workbench-config" type="application/json">(.*?)</script>', html)
    config = json.loads(data.group(1))
    assert config["invoiceFields"][-1] == {
        "name": "engine", "label": "Engine used", "kind": "text", "editable": True,
    }  # fmt: skip
