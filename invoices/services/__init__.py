"""Invoice services: the only code that writes invoices (upload, processing, review)."""

from invoices.services.processing import (
    invoice_process,
    invoice_process_failed,
    invoice_reprocess,
)
from invoices.services.review import invoice_approve, invoice_lines_replace, invoice_update
from invoices.services.upload import INVOICE_PROCESS_JOB, invoice_upload, invoices_upload

__all__ = [
    "INVOICE_PROCESS_JOB",
    "invoice_approve",
    "invoice_lines_replace",
    "invoice_process",
    "invoice_process_failed",
    "invoice_reprocess",
    "invoice_update",
    "invoice_upload",
    "invoices_upload",
]
