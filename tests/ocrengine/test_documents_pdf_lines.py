"""A PDF's text layer as lines per page (what the statement readers parse), read by the one
PDF stack: rows rebuilt from character boxes, a page without text left empty for OCR."""

import io

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from ocrengine.documents import PasswordRequired, TooManyPages
from ocrengine.documents.pdf_lines import PdfLimits, pdf_page_lines


def _pdf(*, scan_page: bool = False, password: str = "") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), encrypt=password or None)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 700, "12 NOV  DEMO MART")
    pdf.drawString(400, 699, "144.61")  # a point lower: still the description's line
    pdf.drawString(72, 680, "NEW BALANCE 2,134.90")
    pdf.showPage()
    if scan_page:
        scan = Image.new("RGB", (400, 200), "white")
        pdf.drawImage(ImageReader(scan), 40, 600, 200, 100)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_lines_are_rebuilt_from_character_boxes_in_reading_order():
    assert pdf_page_lines(_pdf()) == [["12 NOV DEMO MART 144.61", "NEW BALANCE 2,134.90"]]


def test_a_page_without_a_text_layer_comes_back_empty():
    pages = pdf_page_lines(_pdf(scan_page=True))
    assert len(pages) == 2 and pages[1] == []


def test_the_readers_limits_and_password_errors_apply():
    with pytest.raises(PasswordRequired):
        pdf_page_lines(_pdf(password="s3cret"))
    assert pdf_page_lines(_pdf(password="s3cret"), "s3cret")[0][1] == "NEW BALANCE 2,134.90"
    with pytest.raises(TooManyPages):
        pdf_page_lines(_pdf(scan_page=True), limits=PdfLimits(1, 50_000, 20_000))
