"""`mailbox_poll` against a real IMAP server (Dovecot on loopback, tests/ingestion/dovecot.py):
mail delivered by IMAP APPEND with attachments made here, then polled."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from billing.models import StatementImport
from core.encrypted_fields import unseal
from ingestion.models import IngestedItem, Mailbox
from ingestion.services import ingestion_user, mailbox_poll
from ingestion.services.imap import imap_utf7
from invoices.models import Invoice
from tests.billing.statement_factory import flagged_csv
from tests.ingestion.conftest import imap_append, imap_count, imap_flags, mail
from tests.invoices.documents import invoice_pdf, invoice_png

pytestmark = pytest.mark.django_db
Outcome = IngestedItem.Outcome
PROCESSED = "$LedgerLens"
STATEMENT_ROWS = [
    ("03.03.2024", "REWE Markt Berlin", "42,17", "D"),
    ("05.03.2024", "Gutschrift Rueckerstattung", "10,00", "C"),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def documents():
    return {
        "pdf": invoice_pdf(),
        "csv": flagged_csv(STATEMENT_ROWS),
        "junk": os.urandom(4096),
    }


def deliver_the_day(imap, folder, documents) -> None:
    imap_append(imap, folder, mail(
        "Invoice and statement",
        ("INV-2024-0042.pdf", documents["pdf"], "application/pdf"),
        ("statement-march.csv", documents["csv"], "text/csv"),
    ))  # fmt: skip
    imap_append(imap, folder, mail(
        "Invoice again", ("INV-2024-0042 copy.pdf", documents["pdf"], "application/pdf")
    ))  # fmt: skip
    imap_append(
        imap, folder, mail("Junk", ("setup.exe", documents["junk"], "application/octet-stream"))
    )
    imap_append(imap, folder, mail("Just a question"))


def test_poll_files_every_attachment_for_the_customer_and_marks_each_message(
    mailbox, imap, imap_folder, documents
):
    deliver_the_day(imap, imap_folder, documents)

    result = mailbox_poll(mailbox=mailbox)

    assert result.error == ""
    assert result.messages == 4
    assert result.outcomes == {"imported": 2, "duplicate": 1, "failed": 1, "skipped": 1}
    items = {item.filename: item for item in IngestedItem.objects.filter(mailbox=mailbox)}
    assert set(items) == {
        "INV-2024-0042.pdf", "statement-march.csv", "INV-2024-0042 copy.pdf", "setup.exe", "",
    }  # fmt: skip

    invoice = Invoice.objects.get(sha256=sha256(documents["pdf"]))
    assert invoice.customer == mailbox.customer
    assert invoice.uploaded_by == ingestion_user()
    assert invoice.original_name == "INV-2024-0042.pdf"
    with invoice.file.open("rb") as stored:  # the attachment is kept, byte for byte
        assert stored.read() == documents["pdf"]
    assert items["INV-2024-0042.pdf"].outcome == Outcome.IMPORTED
    assert items["INV-2024-0042.pdf"].invoice == invoice

    statement = StatementImport.objects.get(sha256=sha256(documents["csv"]))
    assert statement.customer == mailbox.customer
    assert statement.format == "csv"
    assert items["statement-march.csv"].outcome == Outcome.IMPORTED
    assert items["statement-march.csv"].statement_import == statement

    duplicate = items["INV-2024-0042 copy.pdf"]
    assert (duplicate.outcome, duplicate.error_code) == (Outcome.DUPLICATE, "duplicate_file")
    assert duplicate.invoice == invoice
    assert Invoice.objects.count() == 1

    junk = items["setup.exe"]
    assert (junk.outcome, junk.error_code) == (Outcome.FAILED, "unsupported_media_type")
    no_attachment = items[""]
    assert (no_attachment.outcome, no_attachment.error_code) == (Outcome.SKIPPED, "no_attachment")
    assert no_attachment.message_id.startswith("<") and no_attachment.message_id.endswith(">")

    for flags in imap_flags(imap, imap_folder):
        assert {"\\Seen", PROCESSED} <= flags
    assert imap_count(imap, imap_folder) == 4  # marked, not deleted

    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


def test_a_second_poll_takes_nothing_new(mailbox, imap, imap_folder, documents):
    deliver_the_day(imap, imap_folder, documents)
    mailbox_poll(mailbox=mailbox)
    recorded = IngestedItem.objects.count()

    again = mailbox_poll(mailbox=mailbox)

    assert (again.messages, again.outcomes, again.error) == (0, {}, "")
    assert IngestedItem.objects.count() == recorded
    assert Invoice.objects.count() == 1 and StatementImport.objects.count() == 1


def test_a_message_read_again_after_a_lost_mark_is_not_filed_twice(
    mailbox, imap, imap_folder, documents
):
    """A poll cut off after filing but before marking: the next one finds the records."""
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")))
    mailbox_poll(mailbox=mailbox)
    imap.select(imap_folder)
    imap.store("1", "-FLAGS", f"(\\Seen {PROCESSED})")  # as if the mark never happened

    again = mailbox_poll(mailbox=mailbox)

    assert (again.messages, again.outcomes) == (1, {})
    assert IngestedItem.objects.filter(mailbox=mailbox).count() == 1
    assert Invoice.objects.count() == 1
    assert {"\\Seen", PROCESSED} <= imap_flags(imap, imap_folder)[0]


def test_a_message_too_large_for_any_upload_is_marked_as_an_error_and_kept(
    mailbox, imap, imap_folder, settings
):
    settings.UPLOAD_MAX_BYTES = 1000
    big = os.urandom(200_000)
    imap_append(
        imap, imap_folder, mail("Huge", ("scan.pdf", b"%PDF-1.4\n" + big, "application/pdf"))
    )

    result = mailbox_poll(mailbox=mailbox)

    assert result.outcomes == {"failed": 1}
    item = IngestedItem.objects.get(mailbox=mailbox)
    assert (item.outcome, item.error_code) == (Outcome.FAILED, "message_too_large")
    flags = imap_flags(imap, imap_folder)[0]
    assert {"\\Seen", settings.INGESTION_ERROR_KEYWORD} <= flags and PROCESSED not in flags
    assert imap_count(imap, imap_folder) == 1  # never lost
    assert mailbox_poll(mailbox=mailbox).messages == 0  # and never retried


def test_a_message_the_email_package_cannot_parse_is_marked_as_an_error_and_kept(
    mailbox, imap, imap_folder, documents, settings
):
    """`Message-ID: <@>` makes the standard library's header parser raise (IndexError in
    Python 3.11's policy.default): the message is recorded, marked and never retried."""
    broken = mail("Broken", ("a.pdf", documents["pdf"], "application/pdf")).replace(
        b"Message-ID: <", b"Message-ID: <@>\r\nX-Original-Message-ID: <", 1
    )
    imap_append(imap, imap_folder, broken)

    result = mailbox_poll(mailbox=mailbox)

    assert result.outcomes == {"failed": 1}
    item = IngestedItem.objects.get(mailbox=mailbox)
    assert (item.outcome, item.error_code) == (Outcome.FAILED, "unreadable_message")
    assert item.message_id.startswith("sha256:")
    assert not Invoice.objects.exists()
    flags = imap_flags(imap, imap_folder)[0]
    assert {"\\Seen", settings.INGESTION_ERROR_KEYWORD} <= flags and PROCESSED not in flags
    assert mailbox_poll(mailbox=mailbox).messages == 0


def test_processed_mail_can_be_moved_to_a_folder(mailbox, imap, imap_folder, documents):
    done = f"{imap_folder}Done"
    assert imap.create(done)[0] == "OK"
    mailbox.move_to = done
    mailbox.save()
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")))

    assert mailbox_poll(mailbox=mailbox).outcomes == {"imported": 1}

    assert imap_count(imap, imap_folder) == 0
    assert imap_count(imap, done) == 1
    assert {"\\Seen", PROCESSED} <= imap_flags(imap, done)[0]


def test_read_mail_is_left_alone(mailbox, imap, imap_folder, documents):
    """Only unseen mail is taken: a message someone already read in their mail client stays."""
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")))
    imap.select(imap_folder)
    imap.store("1", "+FLAGS", "(\\Seen)")

    assert mailbox_poll(mailbox=mailbox).messages == 0
    assert not IngestedItem.objects.exists()


def test_a_refused_login_is_kept_as_the_mailbox_error(mailbox, imap, imap_folder):
    imap_append(imap, imap_folder, mail("Question"))
    mailbox.password = "not-the-password"
    mailbox.save()

    result = mailbox_poll(mailbox=mailbox)

    assert result.error == "LOGIN refused: [AUTHENTICATIONFAILED] Authentication failed."
    mailbox.refresh_from_db()
    assert "LOGIN" in mailbox.last_error and "not-the-password" not in mailbox.last_error
    assert not IngestedItem.objects.exists()
    assert not {"\\Seen", PROCESSED} & imap_flags(imap, imap_folder)[0]  # untouched


def test_an_unreachable_server_is_an_error_not_an_exception(mailbox):
    mailbox.port = 1  # nothing listens on loopback port 1
    mailbox.save()

    result = mailbox_poll(mailbox=mailbox)

    assert result.error.startswith("Cannot connect to 127.0.0.1:1")


def test_tls_against_a_plain_port_fails_cleanly(mailbox):
    mailbox.security = Mailbox.Security.SSL
    mailbox.save()

    assert "Cannot connect" in mailbox_poll(mailbox=mailbox).error


@pytest.mark.parametrize(
    ("security", "port"), [(Mailbox.Security.SSL, "tls_port"), (Mailbox.Security.STARTTLS, "port")]
)
def test_tls_and_starttls_with_the_servers_certificate_trusted(
    mailbox, dovecot, imap, imap_folder, documents, settings, security, port
):
    settings.INGESTION_IMAP_CA_FILE = str(dovecot.root / "cert.pem")  # the fixture's own CA
    mailbox.security, mailbox.port = security, getattr(dovecot, port)
    mailbox.save()
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")))

    result = mailbox_poll(mailbox=mailbox)

    assert (result.error, result.outcomes) == ("", {"imported": 1})


@pytest.mark.parametrize(
    ("security", "port"), [(Mailbox.Security.SSL, "tls_port"), (Mailbox.Security.STARTTLS, "port")]
)
def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    mailbox, dovecot, imap, imap_folder, security, port
):
    mailbox.security, mailbox.port = security, getattr(dovecot, port)
    mailbox.save()
    imap_append(imap, imap_folder, mail("Question"))

    result = mailbox_poll(mailbox=mailbox)

    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert not IngestedItem.objects.exists()
    assert "\\Seen" not in imap_flags(imap, imap_folder)[0]


def test_the_password_is_stored_encrypted(mailbox, dovecot):
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM ingestion_mailbox WHERE id = %s", [mailbox.pk])
        (stored,) = cursor.fetchone()
    assert dovecot.password not in stored
    assert unseal(stored) == dovecot.password
    assert Mailbox.objects.get(pk=mailbox.pk).password == dovecot.password


def test_poll_mailboxes_command(mailbox, imap, imap_folder, documents, capsys):
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")))

    call_command("poll_mailboxes")

    out = capsys.readouterr().out
    assert f"mailbox {mailbox.pk}" in out and "1 messages, 1 imported" in out


def test_a_mailbox_another_poll_holds_is_left_to_it(mailbox, imap, imap_folder):
    imap_append(imap, imap_folder, mail("Question"))
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() + timedelta(minutes=5))

    result = mailbox_poll(mailbox=mailbox)

    assert (result.busy, result.messages) == (True, 0)
    assert not IngestedItem.objects.exists()


def test_a_fault_of_ours_on_one_message_marks_it_and_the_poll_goes_on(
    mailbox, imap, imap_folder, documents, settings, monkeypatch
):
    def routing_fails(data, filename, configured):
        if filename == "bad.pdf":
            raise RuntimeError("a bug")
        return "invoice"

    monkeypatch.setattr("ingestion.services.intake.document_kind", routing_fails)
    imap_append(imap, imap_folder, mail("Bad", ("bad.pdf", documents["pdf"], "application/pdf")))
    imap_append(imap, imap_folder, mail("Good", ("good.png", invoice_png(), "image/png")))

    result = mailbox_poll(mailbox=mailbox)

    assert (result.error, result.outcomes) == ("", {"failed": 1, "imported": 1})
    failed = IngestedItem.objects.get(outcome=Outcome.FAILED)
    assert failed.error_code == "ingestion_error" and "RuntimeError" in failed.error
    bad, good = imap_flags(imap, imap_folder)
    assert settings.INGESTION_ERROR_KEYWORD in bad and PROCESSED in good
    assert mailbox_poll(mailbox=mailbox).messages == 0


def test_folder_names_are_sent_in_imaps_modified_utf7():
    # RFC 3501 5.1.3's own example, and the ampersand, which stands for itself as "&-".
    assert imap_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert imap_utf7("A&B") == "A&-B"
    assert imap_utf7("INBOX") == "INBOX"


def test_a_folder_named_outside_ascii_is_polled(mailbox, imap, documents):
    name = "Eingänge 发票"
    assert imap.create(f'"{imap_utf7(name)}"')[0] == "OK"
    mailbox.folder = name
    mailbox.save()
    imap_append(
        imap,
        f'"{imap_utf7(name)}"',
        mail("Invoice", ("a.pdf", documents["pdf"], "application/pdf")),
    )

    assert mailbox_poll(mailbox=mailbox).outcomes == {"imported": 1}
