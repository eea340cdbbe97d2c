"""Which upload service a file goes to: the invoice upload or the statement import.

Decided by content with the project's own sniffers (`ocrengine.documents.mime` for invoices,
`billing.parsers.detect.sniff_format` for statements), never by the name or a declared type,
except that a text file is only taken for a CSV statement when its name says so: mail carries
text parts (signatures, calendar invitations) that are no statement. What neither service
would take goes to the invoice upload, whose refusal (415 with its reason) is then recorded."""

from __future__ import annotations

import logging

from billing.parsers.detect import CSV, EXPORT_FORMATS, PDF, XLSX, marker_score, sniff_format
from ocrengine.documents import mime

from .models import DocumentKind

logger = logging.getLogger(__name__)

INVOICE, STATEMENT = DocumentKind.INVOICE.value, DocumentKind.STATEMENT.value
CSV_NAMES = (".csv", ".tsv", ".txt")
# A PDF's first page is enough to tell a bank statement by its template markers.
FIRST_PAGE_LINES = 60


def document_kind(data: bytes, filename: str, configured: str) -> str:
    """`invoice` or `statement` for these bytes, for a source configured as `configured`."""
    if configured in (INVOICE, STATEMENT):
        return configured
    if mime.detect_mime(data) is not None and mime.sniff(data) != mime.PDF:
        return INVOICE  # images, UBL/CII/数电 XML, OFD
    statement_format = sniff_format(data, filename)
    if statement_format == PDF:
        return STATEMENT if _pdf_is_statement(data) else INVOICE
    if statement_format in (XLSX, *EXPORT_FORMATS):
        return STATEMENT
    if statement_format == CSV and filename.lower().endswith(CSV_NAMES):
        return STATEMENT
    return INVOICE


def _pdf_is_statement(data: bytes) -> bool:
    """Whether an active bank template's detection markers match the PDF's first page."""
    from billing.services.statement_processing import active_template_specs
    from ocrengine.documents.pdf import pdfium_document, pdfium_lock

    try:
        with pdfium_document(data, None) as document, pdfium_lock:
            if len(document) == 0:
                return False
            text = document[0].get_textpage().get_text_range()
    except Exception:  # a damaged or protected PDF: the invoice upload gives its refusal
        logger.info("A PDF's first page could not be read to route it; taken as an invoice.")
        return False
    lines = [line.strip() for line in text.splitlines() if line.strip()][:FIRST_PAGE_LINES]
    for spec in active_template_specs():
        try:
            if marker_score(lines, spec, PDF) > 0:
                return True
        except Exception:  # a template pattern that times out decides nothing here
            continue
    return False
