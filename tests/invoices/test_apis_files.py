"""GET .../file/ and .../pages/{n}.png for viewers."""

import io
import re

import pytest
from PIL import Image

from invoices.models import Invoice
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import post_upload, upload_processed
from tests.ocrengine import invoice_makers

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"


@pytest.fixture
def two_page_invoice(agent_client, django_capture_on_commit_callbacks) -> tuple[Invoice, bytes]:
    data = documents.invoice_pdf(pages=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(agent_client, ('../x/"evil";\r\nname\u00e9.PDF', data))
    return Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"]), data


def test_file_returns_the_original_bytes_with_type_and_a_safe_name(agent_client, two_page_invoice):
    invoice, data = two_page_invoice
    response = agent_client.get(f"{URL}{invoice.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert re.fullmatch(r'inline; filename="[A-Za-z0-9._ -]+\.pdf"', disposition), disposition
    download = agent_client.get(f"{URL}{invoice.pk}/file/", {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment;")


def test_pages_render_as_png_and_out_of_range_is_404(agent_client, two_page_invoice):
    invoice, _ = two_page_invoice
    assert invoice.pages == 2
    response = agent_client.get(f"{URL}{invoice.pk}/pages/2.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(__import__("io").BytesIO(response.content))
    assert image.width > 500
    for number in (0, 3):
        error = assert_error_shape(agent_client.get(f"{URL}{invoice.pk}/pages/{number}.png"), 404)
        assert error["code"] == "page_not_found"


def test_page_of_an_unreadable_document_is_422(agent_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(agent_client, ("t.pdf", documents.invoice_pdf()[:300]))
    invoice_id = response.json()["results"][0]["invoice_id"]
    response = agent_client.get(f"{URL}{invoice_id}/pages/1.png")
    assert_error_shape(response, 422, "document_unreadable")
    original = agent_client.get(f"{URL}{invoice_id}/file/")
    assert original.status_code == 200


def test_a_scan_read_turned_is_shown_as_it_was_read(
    agent_client, django_capture_on_commit_callbacks
):
    # Scanned sideways: OCR turns the page to read it, so its boxes lie on the turned page, and
    # the viewer's image is turned the same way (else every box would sit on the wrong spot).
    upright = Image.open(io.BytesIO(invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN)))
    sideways = invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN, angle=90)
    invoice = upload_processed(
        agent_client, "sideways.png", sideways, django_capture_on_commit_callbacks
    )
    page = invoice.boxes[0]
    assert page["turned"] == 270
    assert (page["width"], page["height"]) == upright.size
    shown = Image.open(io.BytesIO(agent_client.get(f"{URL}{invoice.pk}/pages/1.png").content))
    assert shown.size == upright.size
    number_box = next(line["box"] for line in page["lines"] if "F-2024/0117" in line["text"])
    x0, y0, x1, y1 = (int(v) for v in number_box)
    ink = shown.convert("L").crop((x0, y0, x1, y1)).getextrema()[0]
    assert ink < 128  # the box of the invoice number covers printed text on the shown image
