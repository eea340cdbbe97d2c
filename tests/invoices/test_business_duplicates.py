"""Duplicates by business key: the same invoice arriving again as another file (a scan, a
photo, an XML copy) is kept, linked to the stored one (`duplicate_of`) and sent to review,
visible in the API (detail and filters), the admin and the workbench; through the real
upload API and worker."""

import pytest
from django.urls import reverse

from invoices.models import Invoice
from tests.invoices import documents, einvoices
from tests.invoices.cn_invoices import CnInvoice, cn_invoice_pdf, rendered_scan
from tests.invoices.conftest import INVOICES_URL, upload_processed

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(agent_client, django_capture_on_commit_callbacks):
    def _upload(name: str, data: bytes) -> Invoice:
        return upload_processed(agent_client, name, data, django_capture_on_commit_callbacks)

    return _upload


def _duplicate_check(invoice: Invoice) -> dict:
    [check] = [c for c in invoice.checks if c["name"] == "duplicate_invoice"]
    return check


def test_a_scan_of_a_stored_invoice_is_its_duplicate_by_seller_tax_id_and_number(
    upload, agent_client
):
    original = upload("invoice.pdf", documents.invoice_pdf())
    scan = upload("scan.png", documents.invoice_png())  # other bytes, OCR'd
    assert original.sha256 != scan.sha256
    assert (scan.seller_tax_id, scan.invoice_number) == ("DE811907980", "INV-2024-0042")
    assert scan.duplicate_of == original
    assert scan.status == Invoice.Status.NEEDS_REVIEW
    check = _duplicate_check(scan)
    assert check == {
        "name": "duplicate_invoice",
        "ok": False,
        "duplicate_of": original.pk,
        "url": f"/api/v1/invoices/{original.pk}/",
        "message": (
            f"The same invoice as #{original.pk} (seller tax id DE811907980, number "
            "INV-2024-0042), uploaded as another file."
        ),
    }
    original.refresh_from_db()
    assert original.duplicate_of is None and original.status == Invoice.Status.RECOGNIZED

    body = agent_client.get(f"/api/v1/invoices/{scan.pk}/").json()
    assert (body["duplicate_of"], body["duplicate_of_url"]) == (
        original.pk,
        f"/api/v1/invoices/{original.pk}/",
    )
    assert agent_client.get(f"/api/v1/invoices/{original.pk}/").json()["duplicate_of"] is None
    listed = agent_client.get(INVOICES_URL, {"is_duplicate": "true"}).json()["results"]
    assert [row["id"] for row in listed] == [scan.pk]
    listed = agent_client.get(INVOICES_URL, {"duplicate_of": original.pk}).json()["results"]
    assert [row["id"] for row in listed] == [scan.pk]
    listed = agent_client.get(INVOICES_URL, {"is_duplicate": "false"}).json()["results"]
    assert [row["id"] for row in listed] == [original.pk]


def test_a_rendered_scan_of_a_chinese_invoice_is_its_duplicate_by_code_and_number(upload):
    pdf = cn_invoice_pdf()
    original = upload("发票.pdf", pdf)
    scan = upload("扫描.jpg", rendered_scan(pdf, fmt="JPEG"))
    assert (scan.invoice_code, scan.invoice_number) == ("042001700112", "27908343")
    assert scan.duplicate_of == original
    assert "code 042001700112, number 27908343" in _duplicate_check(scan)["message"]


def test_a_shudian_pdf_and_its_xml_are_one_invoice_by_the_20_digit_number(upload):
    xml = upload("数电.xml", einvoices.shudian_xml())
    printed = upload(
        "数电.pdf",
        cn_invoice_pdf(CnInvoice(code="", number=einvoices.SHUDIAN_NUMBER, qr_date="20240115",
                                 date="2024年01月15日", check_code="", with_qr=False)),
    )  # fmt: skip
    assert printed.invoice_number == einvoices.SHUDIAN_NUMBER and printed.invoice_code == ""
    assert printed.duplicate_of == xml
    assert "数电 number 24312000000012345678" in _duplicate_check(printed)["message"]


def test_other_invoices_of_the_same_seller_are_no_duplicates(upload):
    upload("a.pdf", cn_invoice_pdf())
    other = upload("b.pdf", cn_invoice_pdf(CnInvoice(number="27908344")))
    assert other.duplicate_of is None
    assert not [c for c in other.checks if c["name"] == "duplicate_invoice"]
    assert other.status == Invoice.Status.RECOGNIZED


def test_a_third_copy_links_to_the_original_and_reprocessing_keeps_one_link(
    upload, agent_client, django_capture_on_commit_callbacks
):
    original = upload("invoice.pdf", documents.invoice_pdf())
    scan = upload("scan.png", documents.invoice_png())
    photo = upload("photo.jpg", documents.invoice_png(fmt="JPEG"))
    assert scan.duplicate_of == original and photo.duplicate_of == original
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/v1/invoices/{original.pk}/reprocess/")
    assert response.status_code == 202
    original.refresh_from_db()
    assert original.duplicate_of is None  # its copies are no originals to it
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(f"/api/v1/invoices/{scan.pk}/reprocess/")
    scan.refresh_from_db()
    assert scan.duplicate_of == original
    assert len([c for c in scan.checks if c["name"] == "duplicate_invoice"]) == 1


def test_the_admin_shows_and_filters_duplicates(upload, client, staff_user):
    original = upload("invoice.pdf", documents.invoice_pdf())
    scan = upload("scan.png", documents.invoice_png())
    client.force_login(staff_user)
    changelist = reverse("admin:invoices_invoice_changelist")
    response = client.get(changelist, {"duplicate_of__isempty": "0"})
    assert response.status_code == 200
    link = reverse("admin:invoices_invoice_change", args=[original.pk])
    assert f'href="{link}"'.encode() in response.content
    assert f"#{original.pk}".encode() in response.content
    assert b"scan.png" in response.content and b"invoice.pdf" not in response.content
    response = client.get(reverse("admin:invoices_invoice_change", args=[scan.pk]))
    assert b"Duplicate of" in response.content and f'href="{link}"'.encode() in response.content


def test_the_workbench_review_page_has_a_duplicate_notice(upload, agent_client, client):
    """The review page's shell has the notice; its script fills it from the invoice's
    `duplicate_of` with a link to the stored invoice's review page, in either language."""
    from django.utils import translation

    from workbench.views import SCRIPT_MESSAGES

    original = upload("invoice.pdf", documents.invoice_pdf())
    scan = upload("scan.png", documents.invoice_png())
    page = client.get(f"/workbench/invoices/{scan.pk}/").content.decode()
    assert 'data-role="duplicate-notice"' in page
    with open("static/workbench/js/review.js", encoding="utf-8") as handle:
        script = handle.read()
    assert 'LL.t("duplicate_notice", { id: invoice.duplicate_of })' in script
    assert '"/workbench/invoices/" + invoice.duplicate_of + "/"' in script
    assert agent_client.get(f"/api/v1/invoices/{scan.pk}/").json()["duplicate_of"] == original.pk
    with translation.override("zh-hans"):
        notice = str(SCRIPT_MESSAGES["duplicate_notice"]) % {"id": original.pk}
    assert f"#{original.pk}" in notice and "重复" in notice


def test_correcting_a_misread_number_links_or_unlinks_the_duplicate(upload, agent_client):
    original = upload("a.pdf", cn_invoice_pdf())
    other = upload("b.pdf", cn_invoice_pdf(CnInvoice(number="27908344", with_qr=False)))
    assert other.duplicate_of is None
    url = f"/api/v1/invoices/{other.pk}/"
    response = agent_client.patch(url, {"invoice_number": "27908343"}, format="json")
    assert response.status_code == 200, response.content
    assert agent_client.get(url).json()["duplicate_of"] == original.pk
    agent_client.patch(url, {"invoice_number": "27908345"}, format="json")
    other.refresh_from_db()
    assert other.duplicate_of is None
    assert not [c for c in other.checks if c["name"] == "duplicate_invoice"]
