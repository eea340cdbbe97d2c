"""Where documents arrive from besides the API: IMAP mailboxes and watched folders.

`IngestedItem` is the record of every file (or message without one) taken in; its unique keys
make a poll or scan that runs twice, or after a crash, file nothing twice."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.encrypted_fields import EncryptedSecretField

# An IMAP keyword is an atom: no spaces, parentheses, quotes or wildcards (RFC 3501).
imap_keyword_validate = RegexValidator(
    r"^\$?[A-Za-z0-9_.\-]{1,63}$", "Letters, digits, _ . - and an optional leading $."
)


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoices"
    STATEMENT = "statement", "Statements"
    # By content: images and e-invoices are invoices, spreadsheets, CSV and bank exports are
    # statements, a PDF is a statement when a bank template's markers match its first page.
    AUTO = "auto", "Decide by content"


class Mailbox(models.Model):
    class Security(models.TextChoices):
        SSL = "ssl", "TLS from the start (IMAPS, port 993)"
        STARTTLS = "starttls", "STARTTLS (port 143)"
        # Only for a server on loopback or a private network the operator trusts.
        NONE = "none", "No TLS (loopback only)"

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="mailboxes"
    )
    name = models.CharField(max_length=100, blank=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(max_length=255)
    # Stored encrypted (core/encrypted_fields.py), like the HMAC clients' secrets: logging in
    # needs the password itself, but a dump of the database must not give it away.
    password = EncryptedSecretField()
    folder = models.CharField(max_length=255, default="INBOX")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices, default=DocumentKind.AUTO)
    processed_keyword = models.CharField(
        max_length=64,
        default="$LedgerLens",
        validators=[imap_keyword_validate],
        help_text="IMAP keyword set (with \\Seen) on every message taken in.",
    )
    move_to = models.CharField(
        max_length=255,
        blank=True,
        help_text="Folder processed messages are moved to (empty: they stay, marked).",
    )
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A poll holds the mailbox until then, so two workers never poll it at once.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer__name", "id"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name or f"{self.username}@{self.host}/{self.folder}"


def folder_allowed(path: str) -> bool:
    """Whether `path`, resolved (symlinks followed), lies under one of INGESTION_FOLDER_ROOTS."""
    resolved = Path(path).resolve()
    return any(
        resolved == root.resolve() or resolved.is_relative_to(root.resolve())
        for root in settings.INGESTION_FOLDER_ROOTS
    )


def folder_path_validate(path: str) -> None:
    if not Path(path).is_absolute():
        raise ValidationError("Give the folder's absolute path.")
    if not folder_allowed(path):
        roots = ", ".join(str(root) for root in settings.INGESTION_FOLDER_ROOTS) or "none"
        raise ValidationError(f"Watched folders must lie under INGESTION_FOLDER_ROOTS ({roots}).")


class WatchedFolder(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="watched_folders"
    )
    path = models.CharField(max_length=1000, unique=True, validators=[folder_path_validate])
    kind = models.CharField(max_length=10, choices=DocumentKind.choices, default=DocumentKind.AUTO)
    is_active = models.BooleanField(default=True)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A scan holds the folder until then, so two scans never move the same file at once.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class PendingFile(models.Model):
    """A file seen in a watched folder but not yet taken: it is taken once a later scan finds
    the same size and modification time (a file still being written changes in between)."""

    folder = models.ForeignKey(WatchedFolder, on_delete=models.CASCADE, related_name="pending")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["folder", "name"], name="pending_file_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class IngestedItem(models.Model):
    class Source(models.TextChoices):
        MAIL = "mail", "Mail"
        FOLDER = "folder", "Folder"

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Duplicate"
        FAILED = "failed", "Failed"
        # A message with no usable attachment, or one that cannot be parsed.
        SKIPPED = "skipped", "Nothing to import"

    source = models.CharField(max_length=10, choices=Source.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.CASCADE, related_name="items"
    )
    folder = models.ForeignKey(
        WatchedFolder, null=True, blank=True, on_delete=models.CASCADE, related_name="items"
    )
    # Mail: the Message-ID (or `sha256:<hash of the message>` when it has none); folder: the
    # file's name in the folder.
    message_id = models.CharField(max_length=998, blank=True)
    path = models.CharField(max_length=1000, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    # The attachment's or file's bytes; for a message-level record, the whole message's.
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    statement_import = models.ForeignKey(
        "billing.StatementImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id", "sha256"],
                condition=Q(mailbox__isnull=False),
                name="ingested_item_unique_mail",
            ),
            models.UniqueConstraint(
                fields=["folder", "sha256"],
                condition=Q(folder__isnull=False),
                name="ingested_item_unique_file",
            ),
            models.CheckConstraint(
                condition=Q(source="mail", mailbox__isnull=False, folder__isnull=True)
                | Q(source="folder", folder__isnull=False, mailbox__isnull=True),
                name="ingested_item_one_source",
            ),
        ]
        indexes = [models.Index(fields=["outcome", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.filename or self.message_id}: {self.outcome}"
