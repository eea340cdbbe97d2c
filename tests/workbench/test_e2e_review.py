"""End to end, in headless Chromium: the review screen's other paths — a refused correction,
the next-document shortcut, reprocessing, and an invoice the agent may not see."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from invoices.models import Invoice, InvoiceFieldChange, InvoiceLine
from invoices.services import invoices_upload
from tests.factories import DEFAULT_PASSWORD, CustomerFactory
from tests.workbench.conftest import log_in, screenshot
from tests.workbench.records import INVOICE_LINES, agent_named, invoice_png, invoice_waiting_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def signed_in(desktop, live_server, e2e_db):
    agent = agent_named("agent_review")
    page, base = desktop, live_server.url
    page.goto(base + "/workbench/login/")
    log_in(page, agent.username, DEFAULT_PASSWORD)
    page.wait_for_url(base + "/workbench/")
    return page, base, agent


def open_review(page, base: str, invoice: Invoice) -> None:
    page.goto(f"{base}/workbench/invoices/{invoice.pk}/")
    page.wait_for_selector("body[data-ready]")


def test_a_refused_correction_is_shown_on_its_field_and_stores_nothing(signed_in):
    page, base, agent = signed_in
    invoice = invoice_waiting_for(agent)
    open_review(page, base, invoice)

    page.fill("#field-currency", "euro")
    page.keyboard.press("Control+s")

    page.wait_for_selector("#hint-currency.error")
    assert "ISO 4217" in page.inner_text("#hint-currency")
    assert "Could not save" in page.inner_text("[data-role=flash]")
    assert page.evaluate("document.activeElement.id") == "field-currency"
    invoice.refresh_from_db()
    assert invoice.currency == "EUR"
    assert not InvoiceFieldChange.objects.exists()
    screenshot(page, "review-refused-correction")


def test_line_items_are_corrected_added_and_removed_in_place(signed_in):
    page, base, agent = signed_in
    invoice = invoice_waiting_for(agent)
    InvoiceLine.objects.create(invoice=invoice, position=1, description="Widgts", amount=100)
    InvoiceLine.objects.create(invoice=invoice, position=2, description="Noise", amount=7)
    open_review(page, base, invoice)
    rows = "[data-role=lines] tr"
    assert page.locator(rows).count() == 2

    page.locator(rows).nth(0).locator("[name=line-description]").fill("Widgets")
    page.locator(rows).nth(1).locator("button").click()  # remove the noise line
    page.click("[data-action=add-line]")
    page.locator(rows).nth(1).locator("[name=line-description]").fill("Delivery")
    page.locator(rows).nth(1).locator("[name=line-amount]").fill("12abc")
    page.keyboard.press("Control+s")

    # Refused: the cell is marked, the message names line and column, nothing is stored.
    page.wait_for_selector("[data-role=lines] input.invalid")
    assert "Line 2, Amount" in page.inner_text("[data-role=flash]")
    assert list(invoice.lines.values_list("description", flat=True)) == ["Widgts", "Noise"]

    page.locator(rows).nth(1).locator("[name=line-amount]").fill("12.50")
    page.click("[data-action=save]")
    page.wait_for_selector("[data-role=flash]:has-text('Saved')")
    assert list(invoice.lines.values_list("position", "description", "amount")) == [
        (1, "Widgets", Decimal("100.00")),
        (2, "Delivery", Decimal("12.50")),
    ]
    assert InvoiceFieldChange.objects.get(invoice=invoice).field == "lines"
    assert page.is_disabled("[data-action=save]")  # what is shown is what is stored
    screenshot(page, "review-lines-corrected")


def test_next_document_walks_the_queue_oldest_first(signed_in):
    page, base, agent = signed_in
    first = invoice_waiting_for(agent)
    second = Invoice.objects.create(
        original_name="second.pdf", sha256="b" * 64, mime="application/pdf", pages=1,
        status=Invoice.Status.UNRECOGNIZED, uploaded_by=agent, file="invoices/second.pdf",
    )  # fmt: skip
    open_review(page, base, first)

    page.keyboard.press("Alt+n")
    page.wait_for_url(f"{base}/workbench/invoices/{second.pk}/")
    page.wait_for_selector("body[data-ready]")
    # Its file is missing from storage: the viewer says so instead of breaking the page.
    assert page.is_visible("[data-role=page-empty]")
    assert page.inner_text("[data-role=doc-status]") == "Unrecognized"

    page.click("[data-action=next]")
    page.wait_for_url(f"{base}/workbench/invoices/{first.pk}/")


def test_reprocess_runs_the_job_and_shows_the_new_extraction(signed_in):
    page, base, agent = signed_in
    invoice = invoice_waiting_for(agent)  # seller at 0.55 confidence, as if OCR had doubted
    open_review(page, base, invoice)
    assert page.inner_text('[data-field="seller"] .chip') == "55%"

    page.click("[data-action=reprocess]")

    page.wait_for_selector("[data-role=flash]:has-text('Reprocessing finished')", timeout=120_000)
    # A function, not an expression: Playwright polls an expression with eval, which the
    # workbench's CSP refuses (it passed only when the chip had changed before the first poll).
    page.wait_for_function(
        "() => document.querySelector('[data-field=seller] .chip').textContent !== '55%'"
    )
    invoice.refresh_from_db()
    assert invoice.job is not None and invoice.job.status == "succeeded"
    assert page.inner_text("[data-role=doc-status]") == dict(Invoice.Status.choices)[invoice.status]
    assert page.input_value("#field-seller") == invoice.seller == "Acme Supplies Ltd"


def test_an_invoice_of_another_agent_is_not_found(signed_in):
    page, base, _agent = signed_in
    someone_else = invoice_waiting_for(agent_named("agent_elsewhere"))

    open_review(page, base, someone_else)

    assert "No such invoice" in page.inner_text("[data-role=doc-meta]")
    assert page.locator("[data-role=field-list] .field").count() == 0


def test_an_invoice_uploaded_without_a_customer_is_filed_under_one(signed_in):
    page, base, agent = signed_in
    mine = CustomerFactory(name="Mei Lin", assigned_agent=agent)
    CustomerFactory(name="Not Mine", assigned_agent=agent_named("agent_elsewhere"))
    invoice = invoice_waiting_for(agent)
    open_review(page, base, invoice)
    options = page.eval_on_selector_all("#field-customer option", "o => o.map(x => x.textContent)")
    assert options == ["Not yet known", "Mei Lin"]

    page.select_option("#field-customer", str(mine.pk))
    page.keyboard.press("Control+s")

    page.wait_for_selector("[data-role=flash]:has-text('Saved.')")
    invoice.refresh_from_db()
    assert invoice.customer == mine
    page.goto(base + "/workbench/")
    page.wait_for_selector("body[data-ready]")
    assert "Mei Lin" in page.inner_text(f'tr[data-id="{invoice.pk}"]')


def invoice_pdf() -> bytes:
    """An A4 invoice with a text layer: boxes come back in PDF points, not pixels."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica", 12)
    for row, text in enumerate(INVOICE_LINES):
        pdf.drawString(72, A4[1] - 120 - row * 24, text)
    pdf.save()
    return buffer.getvalue()


def test_boxes_of_a_pdf_page_are_placed_in_points_on_the_rendered_image(signed_in, settings):
    page, base, agent = signed_in
    settings.OCR_CONFIDENCE_THRESHOLD = 0.99
    [outcome] = invoices_upload(
        files=[SimpleUploadedFile("a4.pdf", invoice_pdf(), "application/pdf")], uploaded_by=agent
    )
    assert outcome.error is None, outcome.error
    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert invoice.field_sources["seller"]["source"] == "text_layer"

    open_review(page, base, invoice)

    frame = page.locator("[data-role=page-frame] img").bounding_box()
    box = page.locator('[data-box="seller"]').bounding_box()
    x0, top, _x1, _bottom = invoice.field_sources["seller"]["box"]
    # Where the text layer put it, as a share of the A4 page, whatever the image's pixels.
    assert abs((box["x"] - frame["x"]) / frame["width"] - x0 / A4[0]) < 0.01
    assert abs((box["y"] - frame["y"]) / frame["height"] - top / A4[1]) < 0.01
    assert abs((box["x"] - frame["x"]) / frame["width"] - 72 / A4[0]) < 0.01


def scanned_pdf() -> bytes:
    """A PDF holding only a picture of the invoice: no text layer, so it is rasterised and
    OCR'd, and its boxes come back in pixels of the OCR rendering (OCR_RASTER_DPI)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width = A4[0] - 72  # the 1000 x 760 px scan, 36 pt margins
    pdf.drawImage(
        ImageReader(io.BytesIO(invoice_png())),
        36,
        A4[1] - 36 - width * 0.76,
        width=width,
        height=width * 0.76,
    )
    pdf.save()
    return buffer.getvalue()


def test_boxes_of_a_scanned_pdf_page_are_placed_from_ocr_pixels(signed_in, settings):
    page, base, agent = signed_in
    settings.OCR_CONFIDENCE_THRESHOLD = 0.99
    [outcome] = invoices_upload(
        files=[SimpleUploadedFile("scan.pdf", scanned_pdf(), "application/pdf")], uploaded_by=agent
    )
    assert outcome.error is None, outcome.error
    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert invoice.field_sources["seller"]["source"] == "ocr"

    open_review(page, base, invoice)

    frame = page.locator("[data-role=page-frame] img").bounding_box()
    box = page.locator('[data-box="seller"]').bounding_box()
    # The seller line sits 290 px down the 760 px scan, which fills the page width less margins.
    scale = (A4[0] - 72) / 1000
    expected_x = (36 + 60 * scale) / A4[0]
    expected_y = (36 + 290 * scale) / A4[1]
    assert abs((box["x"] - frame["x"]) / frame["width"] - expected_x) < 0.015
    assert abs((box["y"] - frame["y"]) / frame["height"] - expected_y) < 0.015
    screenshot(page, "review-scanned-pdf")
