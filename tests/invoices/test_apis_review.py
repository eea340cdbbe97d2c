"""Review API: list filters and visibility, corrections with audit, approve, reprocess."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from invoices.models import Invoice, InvoiceFieldChange
from jobs.models import ProcessingJob
from ocrengine.models import DocumentType
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import CustomerFactory
from tests.invoices.conftest import post_upload
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_agents_see_their_customers_and_their_uploads_only(
    agent_client, agent, agent_customer, other_customer, supervisor_client
):
    mine = InvoiceFactory(customer=agent_customer)
    uploaded = InvoiceFactory(uploaded_by=agent)
    foreign = InvoiceFactory(customer=other_customer)
    assert _ids(agent_client.get(URL)) == {mine.pk, uploaded.pk}
    assert_error_shape(agent_client.get(f"{URL}{foreign.pk}/"), 404, "not_found")
    assert_error_shape(agent_client.patch(f"{URL}{foreign.pk}/", {"seller": "x"}), 404)
    assert_error_shape(agent_client.post(f"{URL}{foreign.pk}/approve/"), 404)
    assert_error_shape(agent_client.get(f"{URL}{foreign.pk}/file/"), 404)
    assert _ids(supervisor_client.get(URL)) == {mine.pk, uploaded.pk, foreign.pk}


def _refused_everywhere(client, invoice: Invoice) -> None:
    """Every read and write of the invoice answers 404, as for an id that does not exist."""
    detail = f"{URL}{invoice.pk}/"
    assert invoice.pk not in _ids(client.get(URL))
    assert_error_shape(client.get(detail), 404, "not_found")
    assert_error_shape(client.patch(detail, {"seller": "x"}), 404, "not_found")
    assert_error_shape(
        client.put(f"{detail}lines/", {"lines": []}, format="json"), 404, "not_found"
    )
    assert_error_shape(client.post(f"{detail}approve/"), 404, "not_found")
    assert_error_shape(client.post(f"{detail}reprocess/"), 404, "not_found")
    assert_error_shape(client.get(f"{detail}changes/"), 404, "not_found")
    assert_error_shape(client.get(f"{detail}file/"), 404, "not_found")


def test_the_uploader_keeps_nothing_once_an_invoice_is_filed_under_another_agents_customer(
    agent, agent_client, other_agent, other_customer, supervisor_client
):
    # Security audit #13: access follows the customer's agent, not the uploader.
    invoice = InvoiceFactory(uploaded_by=agent, status=Invoice.Status.NEEDS_REVIEW)
    response = supervisor_client.patch(f"{URL}{invoice.pk}/", {"customer": other_customer.pk})
    assert response.status_code == 200, response.content
    _refused_everywhere(agent_client, invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.seller) == (
        Invoice.Status.NEEDS_REVIEW,
        "Nordwind Supplies GmbH",
    )
    other_client = jwt_client(other_agent)
    assert other_client.get(f"{URL}{invoice.pk}/").status_code == 200
    assert other_client.patch(f"{URL}{invoice.pk}/", {"seller": "y"}).status_code == 200


def test_access_moves_with_the_customer_when_it_is_reassigned(
    agent, agent_client, agent_customer, other_agent
):
    invoice = InvoiceFactory(uploaded_by=agent, customer=agent_customer)
    assert agent_client.get(f"{URL}{invoice.pk}/").status_code == 200
    agent_customer.assigned_agent = other_agent
    agent_customer.save()
    _refused_everywhere(agent_client, invoice)
    assert jwt_client(other_agent).get(f"{URL}{invoice.pk}/").status_code == 200


def test_raw_text_of_a_non_invoice_row_is_withheld_without_the_sensitive_fields_permission(
    agent, agent_client, agent_customer, staff_client
):
    # Rows typed as an identity document (stored before uploads took only invoice types).
    text = "姓名 张三 公民身份号码 110105194912310021"
    id_card = InvoiceFactory(
        customer=agent_customer, raw_text=text,
        document_type=DocumentType.objects.get(code="id_card"),
    )  # fmt: skip
    invoice = InvoiceFactory(customer=agent_customer, raw_text="Invoice INV-1 total 10.00")
    assert agent_client.get(f"{URL}{id_card.pk}/").json()["raw_text"] == ""
    patched = agent_client.patch(f"{URL}{id_card.pk}/", {"seller": "x"})
    assert patched.status_code == 200 and patched.json()["raw_text"] == ""
    assert agent_client.get(f"{URL}{invoice.pk}/").json()["raw_text"] == "Invoice INV-1 total 10.00"
    assert staff_client.get(f"{URL}{id_card.pk}/").json()["raw_text"] == text
    agent.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="ocrengine", codename="view_sensitive_fields"
        )
    )
    assert jwt_client(agent).get(f"{URL}{id_card.pk}/").json()["raw_text"] == text


def test_list_filters_search_and_ordering(supervisor_client):
    customer = CustomerFactory()
    march = InvoiceFactory(date=date(2024, 3, 15), seller="Nordwind GmbH", confidence=0.95,
                           status=Invoice.Status.RECOGNIZED, customer=customer)  # fmt: skip
    april = InvoiceFactory(date=date(2024, 4, 2), seller="Globex Corp", confidence=0.4)
    InvoiceFactory(date=date(2023, 1, 1), seller="Initech", confidence=0.8,
                   status=Invoice.Status.FAILED)  # fmt: skip
    assert _ids(supervisor_client.get(URL, {"status": "recognized"})) == {march.pk}
    got = _ids(supervisor_client.get(URL, {"date_from": "2024-03-01", "date_to": "2024-04-30"}))
    assert got == {march.pk, april.pk}
    assert _ids(supervisor_client.get(URL, {"seller": "nordwind"})) == {march.pk}
    assert _ids(supervisor_client.get(URL, {"customer": customer.pk})) == {march.pk}
    assert _ids(supervisor_client.get(URL, {"confidence_min": 0.5, "confidence_max": 0.9})) == {
        Invoice.objects.get(seller="Initech").pk
    }
    assert _ids(supervisor_client.get(URL, {"search": "globex"})) == {april.pk}
    ordered = supervisor_client.get(URL, {"ordering": "-confidence"}).json()["results"]
    assert [item["confidence"] for item in ordered] == [0.95, 0.8, 0.4]
    assert _ids(supervisor_client.get(URL, {"created_from": "2000-01-01"})) == set(
        Invoice.objects.values_list("pk", flat=True)
    )


def test_bad_filter_value_is_400(supervisor_client):
    assert_error_shape(supervisor_client.get(URL, {"date_from": "not-a-date"}), 400)
    assert_error_shape(supervisor_client.get(URL, {"status": "bogus"}), 400)


def test_customer_filter_answers_alike_for_an_unseen_and_a_missing_customer(
    agent_client, agent_customer, other_customer, supervisor_client
):
    # Security audit #13: id filters choose among what the caller sees, as every list does.
    mine = InvoiceFactory(customer=agent_customer)
    theirs = InvoiceFactory(customer=other_customer)
    unseen = agent_client.get(URL, {"customer": other_customer.pk})
    missing = agent_client.get(URL, {"customer": 999_999})
    assert assert_error_shape(unseen, 400, "validation_error") == assert_error_shape(
        missing, 400, "validation_error"
    )
    assert _ids(agent_client.get(URL, {"customer": agent_customer.pk})) == {mine.pk}
    assert _ids(supervisor_client.get(URL, {"customer": other_customer.pk})) == {theirs.pk}


def test_patch_corrects_fields_and_records_who_when_old_new(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent, total_amount=Decimal("10.00"), currency="")
    response = agent_client.patch(
        f"{URL}{invoice.pk}/",
        {
            "total_amount": "238.00",
            "currency": "EUR",
            "date": "2024-03-15",
            "seller": invoice.seller,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total_amount"], body["currency"], body["date"]) == ("238.00", "EUR", "2024-03-15")
    assert body["field_confidence"]["total_amount"] == 1.0
    assert body["field_sources"]["currency"]["source"] == "manual"
    changes = {c.field: c for c in InvoiceFieldChange.objects.filter(invoice=invoice)}
    assert set(changes) == {"total_amount", "currency", "date"}  # seller did not change
    assert (changes["total_amount"].old_value, changes["total_amount"].new_value) == (
        "10.00",
        "238.00",
    )
    assert changes["date"].old_value == "" and changes["date"].changed_by == agent
    trail = agent_client.get(f"{URL}{invoice.pk}/changes/").json()["results"]
    assert {item["field"] for item in trail} == {"total_amount", "currency", "date"}
    assert trail[0]["changed_by"] == agent.username


@pytest.mark.parametrize(
    "payload",
    [
        {"date": "15/03/2024x"},
        {"total_amount": "12abc"},
        {"total_amount": "1" * 20},
        {"currency": "euro"},
        {"seller": "x" * 300},
        {"status": "approved"},
        {"raw_text": "hacked"},
        {},
    ],
)
def test_patch_validates_types_and_refuses_other_fields(agent_client, agent, payload):
    invoice = InvoiceFactory(uploaded_by=agent)
    before = Invoice.objects.filter(pk=invoice.pk).values().get()
    response = agent_client.patch(f"{URL}{invoice.pk}/", payload)
    assert_error_shape(response, 400, "validation_error")
    assert Invoice.objects.filter(pk=invoice.pk).values().get() == before
    assert not InvoiceFieldChange.objects.exists()


def test_patch_customer_must_be_one_of_the_agents(
    agent_client, agent, agent_customer, other_customer
):
    invoice = InvoiceFactory(uploaded_by=agent)
    assert_error_shape(
        agent_client.patch(f"{URL}{invoice.pk}/", {"customer": other_customer.pk}), 400
    )
    response = agent_client.patch(f"{URL}{invoice.pk}/", {"customer": agent_customer.pk})
    assert response.status_code == 200
    change = InvoiceFieldChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        "customer",
        "",
        str(agent_customer.pk),
    )


def test_approve_then_patch_and_reprocess_are_409(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent, status=Invoice.Status.NEEDS_REVIEW)
    response = agent_client.post(f"{URL}{invoice.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    invoice.refresh_from_db()
    assert invoice.reviewed_by == agent and invoice.approved_at is not None
    assert_error_shape(
        agent_client.patch(f"{URL}{invoice.pk}/", {"seller": "x"}), 409, "invoice_approved"
    )
    assert_error_shape(
        agent_client.post(f"{URL}{invoice.pk}/approve/"), 409, "invoice_not_approvable"
    )
    assert_error_shape(agent_client.post(f"{URL}{invoice.pk}/reprocess/"), 409, "invoice_approved")


@pytest.mark.parametrize("status", ["queued", "processing", "failed", "unrecognized"])
def test_only_reviewable_invoices_can_be_approved(agent_client, agent, status):
    invoice = InvoiceFactory(uploaded_by=agent, status=status)
    assert_error_shape(
        agent_client.post(f"{URL}{invoice.pk}/approve/"), 409, "invoice_not_approvable"
    )


def test_reprocess_while_a_job_runs_is_409(agent_client, agent):
    job = ProcessingJob.objects.create(kind="invoice.process", status=ProcessingJob.Status.RUNNING)
    invoice = InvoiceFactory(uploaded_by=agent, job=job, status=Invoice.Status.PROCESSING)
    error = assert_error_shape(
        agent_client.post(f"{URL}{invoice.pk}/reprocess/"), 409, "job_in_progress"
    )
    assert error["details"]["job_id"] == job.pk


def test_reprocess_answers_202_with_the_new_job(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent, status=Invoice.Status.FAILED)
    response = agent_client.post(f"{URL}{invoice.pk}/reprocess/")
    assert response.status_code == 202
    job_id = response.json()["id"]
    invoice.refresh_from_db()
    assert (invoice.job_id, invoice.status) == (job_id, Invoice.Status.QUEUED)
    assert response.json()["status_url"] == f"/api/v1/jobs/{job_id}/"


def test_user_without_role_is_403(text_pdf):
    from tests.conftest import jwt_client
    from tests.factories import UserFactory

    client = jwt_client(UserFactory(username="no_role"))
    assert_error_shape(client.get(URL), 403, "permission_denied")


def test_detail_gives_each_pages_size_in_the_units_of_its_boxes(
    agent_client, text_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = post_upload(agent_client, ("sizes.pdf", text_pdf))
    invoice_id = upload.json()["results"][0]["invoice_id"]
    body = agent_client.get(f"/api/v1/invoices/{invoice_id}/").json()
    (page,) = body["page_sizes"]
    assert page["page"] == 1 and page["source"] == "text_layer"
    # reportlab's A4 in PDF points: the unit of text-layer boxes
    assert (round(page["width"]), round(page["height"])) == (595, 842)
    for where in body["field_sources"].values():
        if where.get("box"):
            x0, y0, x1, y1 = where["box"]
            assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]


def test_a_staff_flag_does_not_widen_an_agents_view(agent, agent_customer, other_customer):
    # The role decides what a user sees; is_staff only opens the admin site's door.
    agent.is_staff = True
    agent.save(update_fields=["is_staff"])
    client = jwt_client(agent)
    mine = InvoiceFactory(customer=agent_customer)
    foreign = InvoiceFactory(
        customer=other_customer,
        job=ProcessingJob.objects.create(
            kind="invoice.process", target_type="invoices.invoice", target_id=0
        ),
    )
    assert _ids(client.get(URL)) == {mine.pk}
    assert_error_shape(client.get(f"/api/v1/jobs/{foreign.job_id}/"), 404)
