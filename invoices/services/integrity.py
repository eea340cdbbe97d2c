"""Invoices' part of `manage.py verify_integrity` (core/integrity.py): every stored invoice
file still hashes to the checksum taken at upload."""

from __future__ import annotations

from collections.abc import Iterator

from core.integrity import IntegrityProblem, stored_file_mismatch
from invoices.models import Invoice


def invoice_file_problems() -> Iterator[IntegrityProblem]:
    invoices = Invoice.objects.exclude(file="").only("pk", "file", "sha256")
    for invoice in invoices.iterator(chunk_size=500):
        message = stored_file_mismatch(invoice.file.name, invoice.sha256)
        if message:
            yield IntegrityProblem("file", f"invoice #{invoice.pk}", message)
