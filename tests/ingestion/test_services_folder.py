"""`folder_scan` on a real folder (tmp_path): files the tests write, two scans apart."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from billing.models import StatementImport
from ingestion.models import IngestedItem, PendingFile, WatchedFolder
from ingestion.services import folder_scan, ingestion_user
from invoices.models import Invoice
from invoices.services.upload import invoice_upload
from tests.billing.statement_factory import flagged_csv
from tests.invoices.documents import invoice_pdf, invoice_png

pytestmark = pytest.mark.django_db
Outcome = IngestedItem.Outcome
ROWS = [("03.03.2024", "REWE Markt Berlin", "42,17", "D")]


@pytest.fixture
def inbox(tmp_path):
    path = tmp_path / "scans"
    path.mkdir()
    return path


@pytest.fixture
def folder(inbox, customer) -> WatchedFolder:
    return WatchedFolder.objects.create(customer=customer, path=str(inbox))


def test_a_new_file_waits_one_scan_then_is_filed_and_moved_to_processed(folder, inbox):
    pdf = invoice_pdf()
    (inbox / "invoice.pdf").write_bytes(pdf)

    first = folder_scan(folder=folder)
    assert (first.settling, first.outcomes) == (1, {})
    assert not Invoice.objects.exists() and (inbox / "invoice.pdf").exists()

    second = folder_scan(folder=folder)

    assert (second.settling, second.outcomes) == (0, {"imported": 1})
    invoice = Invoice.objects.get(sha256=hashlib.sha256(pdf).hexdigest())
    assert invoice.customer == folder.customer and invoice.uploaded_by == ingestion_user()
    item = IngestedItem.objects.get(folder=folder)
    assert (item.outcome, item.invoice, item.path) == (Outcome.IMPORTED, invoice, "invoice.pdf")
    assert not (inbox / "invoice.pdf").exists()
    assert (inbox / "processed" / "invoice.pdf").read_bytes() == pdf
    assert not PendingFile.objects.exists()
    assert folder_scan(folder=folder).outcomes == {}  # processed/ itself is not scanned


def test_a_file_still_being_written_is_skipped_until_its_size_holds(folder, inbox):
    pdf = invoice_pdf()
    target = inbox / "growing.pdf"
    target.write_bytes(pdf[:100])
    folder_scan(folder=folder)
    with target.open("ab") as handle:  # the writer is not done between the two scans
        handle.write(pdf[100:])

    assert folder_scan(folder=folder).settling == 1
    assert not Invoice.objects.exists() and target.exists()

    assert folder_scan(folder=folder).outcomes == {"imported": 1}
    assert Invoice.objects.get().size == len(pdf)


def test_a_file_refused_by_the_upload_goes_to_failed_with_its_reason(folder, inbox):
    (inbox / "notes.bin").write_bytes(os.urandom(2048))
    folder_scan(folder=folder)

    assert folder_scan(folder=folder).outcomes == {"failed": 1}

    item = IngestedItem.objects.get(folder=folder)
    assert (item.outcome, item.error_code) == (Outcome.FAILED, "unsupported_media_type")
    assert (inbox / "failed" / "notes.bin").exists()
    reason = (inbox / "failed" / "notes.bin.reason.txt").read_text()
    assert reason.startswith("unsupported_media_type\n") and "accepted" in reason


def test_a_file_already_uploaded_is_recorded_as_a_duplicate(folder, inbox, supervisor):
    pdf = invoice_pdf()
    original = invoice_upload(
        file=SimpleUploadedFile("first.pdf", pdf), uploaded_by=supervisor, customer=folder.customer
    )
    (inbox / "again.pdf").write_bytes(pdf)
    folder_scan(folder=folder)

    assert folder_scan(folder=folder).outcomes == {"duplicate": 1}

    item = IngestedItem.objects.get(folder=folder)
    assert (item.outcome, item.error_code, item.invoice) == (
        Outcome.DUPLICATE, "duplicate_file", original,
    )  # fmt: skip
    assert (inbox / "processed" / "again.pdf").exists()
    assert Invoice.objects.count() == 1


def test_statements_and_images_are_told_apart_by_content(folder, inbox):
    csv = flagged_csv(ROWS)
    (inbox / "march.csv").write_bytes(csv)
    (inbox / "photo.png").write_bytes(invoice_png())
    folder_scan(folder=folder)

    assert folder_scan(folder=folder).outcomes == {"imported": 2}

    statement = StatementImport.objects.get(sha256=hashlib.sha256(csv).hexdigest())
    assert statement.customer == folder.customer
    assert Invoice.objects.get().mime == "image/png"


def test_a_statement_folder_sends_everything_to_the_statement_import(folder, inbox):
    folder.kind = "statement"
    folder.save()
    (inbox / "export.txt").write_bytes(flagged_csv(ROWS))
    folder_scan(folder=folder)

    assert folder_scan(folder=folder).outcomes == {"imported": 1}
    assert StatementImport.objects.count() == 1 and not Invoice.objects.exists()


def test_the_same_name_in_processed_is_never_overwritten(folder, inbox):
    (inbox / "processed").mkdir()
    (inbox / "processed" / "scan.png").write_bytes(b"an earlier file")
    (inbox / "scan.png").write_bytes(invoice_png())
    folder_scan(folder=folder)
    folder_scan(folder=folder)

    assert (inbox / "processed" / "scan.png").read_bytes() == b"an earlier file"
    assert (inbox / "processed" / "scan-2.png").exists()


def test_partial_downloads_and_dot_files_are_left_alone(folder, inbox):
    (inbox / "invoice.pdf.part").write_bytes(invoice_pdf())
    (inbox / ".hidden.pdf").write_bytes(invoice_pdf())
    folder_scan(folder=folder)

    assert folder_scan(folder=folder).outcomes == {}
    assert not PendingFile.objects.exists()


def test_a_missing_folder_is_an_error_on_the_folder(folder, inbox):
    inbox.rmdir()

    result = folder_scan(folder=folder)

    assert "No such file or directory" in result.error
    folder.refresh_from_db()
    assert folder.last_error == result.error and folder.last_scanned_at is not None


def test_scan_folders_command(folder, inbox, capsys):
    (inbox / "invoice.pdf").write_bytes(invoice_pdf())
    call_command("scan_folders")
    call_command("scan_folders")

    out = capsys.readouterr().out
    assert "0 still settling" in out and "1 imported" in out


def test_a_folder_another_scan_holds_is_left_to_it(folder, inbox):
    (inbox / "invoice.pdf").write_bytes(invoice_pdf())
    WatchedFolder.objects.filter(pk=folder.pk).update(
        lease_until=timezone.now() + timedelta(minutes=5)
    )

    result = folder_scan(folder=folder)

    assert (result.busy, result.settling) == (True, 0)
    assert not PendingFile.objects.exists()


def test_a_folder_outside_the_roots_is_never_read(customer, tmp_path, settings):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(flagged_csv(ROWS))
    settings.INGESTION_FOLDER_ROOTS = [tmp_path / "inboxes"]
    folder = WatchedFolder.objects.create(customer=customer, path=str(outside))

    folder_scan(folder=folder)
    result = folder_scan(folder=folder)

    assert "is not under INGESTION_FOLDER_ROOTS" in result.error
    assert (outside / "secret.csv").exists() and not PendingFile.objects.exists()


def test_a_symlink_out_of_the_roots_is_refused(customer, tmp_path, settings):
    (tmp_path / "inboxes").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "inboxes" / "link").symlink_to(tmp_path / "elsewhere")
    settings.INGESTION_FOLDER_ROOTS = [tmp_path / "inboxes"]
    folder = WatchedFolder.objects.create(
        customer=customer, path=str(tmp_path / "inboxes" / "link")
    )

    assert "is not under INGESTION_FOLDER_ROOTS" in folder_scan(folder=folder).error
