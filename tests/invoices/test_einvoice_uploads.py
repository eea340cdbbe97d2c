"""XML e-invoices (UBL, CII, 数电) and OFD files as uploads: through the invoice upload API and
its worker, and through the analysis API; exact values from the data (confidence 1.0, source
"xml"); a CAMT statement and XML bombs refused in the one error shape, nothing stored."""

import io

import pytest

from invoices.models import Invoice
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape
from tests.invoices import einvoices
from tests.invoices.conftest import post_upload, stored_files, upload_processed
from tests.ocrengine.analysis_support import fresh_analysis_state

pytestmark = pytest.mark.django_db
ANALYZE_URL = "/api/v1/ocr/analyze/"


def _assert_exact(invoice: Invoice, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        assert str(getattr(invoice, name)) == value, name
        assert invoice.field_confidence[name] == 1.0, name
        assert invoice.field_sources[name]["source"] == "xml", name


def test_ubl_invoice_xml_upload_is_read_exactly(
    agent_client, media_root, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "peppol.xml", einvoices.ubl_invoice(), django_capture_on_commit_callbacks
    )
    assert invoice.mime == "application/xml"
    assert invoice.file.name == f"invoices/xml/{invoice.sha256}.xml"
    assert stored_files(media_root) == [invoice.file.name]
    assert invoice.job.status == ProcessingJob.Status.SUCCEEDED
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert invoice.confidence == 1.0
    assert (invoice.engine, invoice.pages) == ("xml", 1)
    _assert_exact(
        invoice,
        {
            "invoice_number": "UBL-2024-001",
            "date": "2024-05-02",
            "due_date": "2024-06-01",
            "net_amount": "200.00",
            "tax_amount": "38.00",
            "total_amount": "238.00",
            "currency": "EUR",
            "seller": "Nordwind Supplies GmbH",
            "seller_tax_id": "DE811907980",
            "buyer": "Globex Corporation B.V.",
            "buyer_tax_id": "NL123456789B01",
        },
    )
    assert [(line.description, str(line.amount)) for line in invoice.lines.all()] == [
        ("Oak desk", "100.00"),
        ("Desk lamp", "100.00"),
    ]
    assert "UBL-2024-001" in invoice.raw_text  # the data rendered as text, for search


def test_ubl_credit_note_upload(agent_client, django_capture_on_commit_callbacks):
    data = einvoices.ubl_invoice(number="CN-9", credit_note=True)
    invoice = upload_processed(agent_client, "credit.xml", data, django_capture_on_commit_callbacks)
    _assert_exact(invoice, {"invoice_number": "CN-9", "total_amount": "238.00"})
    assert invoice.lines.count() == 2


def test_cii_factur_x_xml_upload(agent_client, django_capture_on_commit_callbacks):
    invoice = upload_processed(
        agent_client, "factur-x.xml", einvoices.cii_invoice(), django_capture_on_commit_callbacks
    )
    assert invoice.status == Invoice.Status.RECOGNIZED
    _assert_exact(
        invoice,
        {
            "invoice_number": "FX-2024-17",
            "date": "2024-03-05",
            "due_date": "2024-04-04",
            "total_amount": "119.00",
            "seller_tax_id": "DE123456789",
        },
    )


SHUDIAN_FIELDS = {
    "invoice_number": einvoices.SHUDIAN_NUMBER,
    "date": "2024-01-15",
    "net_amount": "100.00",
    "tax_amount": "6.00",
    "total_amount": "106.00",
    "currency": "CNY",
    "seller": "上海某某科技有限公司",
    "seller_tax_id": "91420200562725281Y",
    "buyer_tax_id": "914201007483062457",
}


def test_shudian_xml_upload(agent_client, django_capture_on_commit_callbacks):
    invoice = upload_processed(
        agent_client, "数电.xml", einvoices.shudian_xml(), django_capture_on_commit_callbacks
    )
    assert invoice.status == Invoice.Status.RECOGNIZED
    _assert_exact(invoice, SHUDIAN_FIELDS)
    assert invoice.invoice_code == ""
    line = invoice.lines.get()
    assert (line.description, str(line.tax_rate)) == ("*信息技术服务*软件服务", "6.000")


def test_shudian_ofd_with_its_invoice_xml(agent_client, django_capture_on_commit_callbacks):
    data = einvoices.ofd_with_invoice_xml()
    invoice = upload_processed(
        agent_client, "invoice.ofd", data, django_capture_on_commit_callbacks
    )
    assert invoice.mime == "application/ofd"
    assert invoice.file.name.endswith(".ofd")
    _assert_exact(invoice, SHUDIAN_FIELDS)


def test_ofd_custom_data_and_tags_are_read_not_the_rendering(
    agent_client, django_capture_on_commit_callbacks
):
    data = einvoices.ofd_with_tags()
    invoice = upload_processed(agent_client, "old.ofd", data, django_capture_on_commit_callbacks)
    assert invoice.status == Invoice.Status.RECOGNIZED
    _assert_exact(
        invoice,
        {
            "invoice_code": "033001900111",
            "invoice_number": "61876678",
            "date": "2019-11-18",
            "seller": "杭州某某餐饮有限公司",
            "net_amount": "23.89",
            "tax_amount": "3.11",
            "total_amount": "27.00",
        },
    )


def test_the_page_viewer_says_an_xml_invoice_has_no_page_image(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "peppol.xml", einvoices.ubl_invoice(), django_capture_on_commit_callbacks
    )
    response = agent_client.get(f"/api/v1/invoices/{invoice.pk}/pages/1.png")
    assert_error_shape(response, 422, "document_unreadable")


def test_a_camt_statement_is_refused_as_an_invoice(agent_client, media_root):
    response = post_upload(agent_client, ("statement.xml", einvoices.camt_statement()))
    error = assert_error_shape(response, 415, "unsupported_media_type")
    assert "CAMT bank statement" in error["message"]
    assert error["details"]["detected"] == "camt"
    assert "application/xml" in error["details"]["accepted"]
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_other_xml_and_plain_zip_archives_are_refused(agent_client):
    other = b'<?xml version="1.0"?><note><to>Tove</to></note>'
    response = post_upload(agent_client, ("note.xml", other))
    assert "no invoice standard" in assert_error_shape(response, 415)["message"]
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "hello")
    response = post_upload(agent_client, ("invoice.ofd", archive.getvalue()))
    assert "not an OFD" in assert_error_shape(response, 415)["message"]


@pytest.mark.parametrize(
    "hostile", [einvoices.billion_laughs_ubl, einvoices.external_entity_ubl], ids=["bomb", "xxe"]
)
def test_xml_bombs_and_external_entities_are_refused_before_storing(
    agent_client, media_root, hostile
):
    response = post_upload(agent_client, ("invoice.xml", hostile()))
    error = assert_error_shape(response, 400, "unsafe_xml")
    assert "DTD" in error["message"]
    assert not Invoice.objects.exists()
    assert not ProcessingJob.objects.exists()
    assert stored_files(media_root) == []


def test_an_ofd_carrying_a_bomb_is_refused(agent_client, media_root):
    data = einvoices.ofd_with_invoice_xml(einvoices.billion_laughs_ubl())
    response = post_upload(agent_client, ("bomb.ofd", data))
    assert_error_shape(response, 400, "unsafe_xml")
    assert stored_files(media_root) == []


def test_an_ofd_member_inflating_past_the_limit_is_413_and_not_inflated(agent_client, settings):
    settings.EINVOICE_MAX_XML_BYTES = 1024 * 1024
    bomb = b'<?xml version="1.0"?><EInvoice>' + b" " * (8 * 1024 * 1024) + b"</EInvoice>"
    data = einvoices.ofd_with_invoice_xml(bomb)
    assert len(data) < 100_000  # a small file that inflates to 8 MiB
    response = post_upload(agent_client, ("bomb.ofd", data))
    assert_error_shape(response, 413, "content_too_large")
    assert not Invoice.objects.exists()


def test_xml_over_the_einvoice_limit_is_413(agent_client, settings):
    settings.EINVOICE_MAX_XML_BYTES = 1000
    response = post_upload(agent_client, ("big.xml", einvoices.ubl_invoice()))
    assert_error_shape(response, 413, "content_too_large")
    assert not Invoice.objects.exists()


def test_broken_xml_is_400(agent_client):
    data = einvoices.ubl_invoice()[:-40]
    assert_error_shape(post_upload(agent_client, ("cut.xml", data)), 400, "corrupt_file")


# --- the analysis API ---------------------------------------------------------------------


def _analyze_file(client, name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        ANALYZE_URL, {"document_type": "invoice", "file": upload}, format="multipart"
    )


def test_the_analysis_api_reads_xml_and_ofd_invoices(agent_client):
    fresh_analysis_state()
    body = _analyze_file(agent_client, "peppol.xml", einvoices.ubl_invoice()).json()
    assert body["fields"]["invoice_number"] == "UBL-2024-001"
    assert body["fields"]["total_amount"] == "238.00"
    assert body["confidence"]["total_amount"] == 1.0
    assert body["engine"] == "xml"
    assert body["lines"][0]["description"] == "Oak desk"
    body = _analyze_file(agent_client, "inv.ofd", einvoices.ofd_with_invoice_xml()).json()
    assert body["fields"]["invoice_number"] == einvoices.SHUDIAN_NUMBER


def test_the_analysis_api_refuses_camt_and_bombs(agent_client):
    fresh_analysis_state()
    response = _analyze_file(agent_client, "statement.xml", einvoices.camt_statement())
    assert "CAMT" in assert_error_shape(response, 415, "unsupported_type")["message"]
    response = _analyze_file(agent_client, "bomb.xml", einvoices.billion_laughs_ubl())
    assert_error_shape(response, 400, "unsafe_xml")


def test_a_shudian_xml_whose_chinese_numerals_disagree_goes_to_review(
    agent_client, django_capture_on_commit_callbacks
):
    data = einvoices.shudian_xml().replace("壹佰零陆圆整".encode(), "壹佰零玖圆整".encode())
    invoice = upload_processed(agent_client, "改.xml", data, django_capture_on_commit_callbacks)
    assert invoice.status == Invoice.Status.NEEDS_REVIEW
    assert {
        "name": "cn_uppercase_total_matches",
        "ok": False,
        "message": "大写 says 109.00, the figure says 106.00",
    } in invoice.checks
    ok = upload_processed(
        agent_client, "ok.xml", einvoices.shudian_xml(number="24312000000012345679"),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    names = {c["name"]: c["ok"] for c in ok.checks}
    assert names["cn_uppercase_total_matches"] is True
    assert names["cn_invoice_number_format"] is True
