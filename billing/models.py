from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.parsers.base import implied_fx_rate

MONEY = {"max_digits": 14, "decimal_places": 2}


class Bank(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="MY")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankTemplate(models.Model):
    """A bank's statement layout as data (JSON spec), versioned; one active per bank."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="templates")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    spec = models.JSONField()
    notes = models.CharField(max_length=200, blank=True)
    # The statement a "layout" template was made from by example: it is published only if it
    # reads this sample into reconciling bills (`template_publish`). Not exported: an id
    # means nothing in another installation.
    sample = models.ForeignKey(
        "StatementImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "version"], name="bank_template_unique_version"
            ),
            models.UniqueConstraint(
                fields=["bank"], condition=Q(status="active"), name="bank_template_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank.code} v{self.version} ({self.status})"


class CreditCard(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="cards")
    last4 = models.CharField(max_length=4)
    holder = models.CharField(max_length=200, blank=True)
    credit_limit = models.DecimalField(null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank__name", "last4"]
        # A card is a customer's: two customers may hold cards of one bank ending in the same
        # four digits, and neither may ever see the other's. A card not yet filed under a
        # customer (a supervisor's upload naming none) is unique by bank and last 4 alone.
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "bank", "last4"], name="credit_card_unique_customer_bank_last4"
            ),
            models.UniqueConstraint(
                fields=["bank", "last4"],
                condition=models.Q(customer__isnull=True),
                name="credit_card_unique_unowned_bank_last4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank.code} ••••{self.last4}"


class StatementImport(models.Model):
    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"
        OFX = "ofx", "OFX"
        CAMT = "camt", "CAMT (ISO 20022)"
        MT940 = "mt940", "MT940"
        QIF = "qif", "QIF"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        VERIFIED = "verified", "Verified"
        REVIEW = "review", "Needs review"
        DUPLICATE = "duplicate", "Duplicate"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="statements/", max_length=300)
    # A password-protected PDF is decrypted once in the upload request (the password is never
    # stored); the worker parses this copy. Empty for files that were not protected.
    parse_file = models.FileField(upload_to="statements/decrypted/", max_length=300, blank=True)
    parse_sha256 = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=255)
    # Unique among originals only: a byte-identical re-upload is recorded as its own row with
    # status `duplicate` pointing at the original (see the constraint below).
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=5, choices=Format.choices)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    bank = models.ForeignKey(
        Bank, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    card_last4 = models.CharField(
        max_length=4, blank=True, help_text="For exports that do not print the card number."
    )
    parser_key = models.CharField(max_length=40, blank=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "jobs.ProcessingJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(duplicate_of__isnull=True),
                name="statement_import_unique_original_sha256",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


class Bill(models.Model):
    class Status(models.TextChoices):
        VERIFIED = "verified", "Verified"
        REVIEW = "review", "Needs review"
        DUPLICATE = "duplicate", "Duplicate"
        FAILED = "failed", "Failed"

    class AccountKind(models.TextChoices):
        # The sign convention of the balances (billing/reconciliation.py): a card's balance
        # is what is owed; a current account's is what is held.
        CARD = "card", "Card (balance owed)"
        CURRENT = "current", "Current account (balance held)"

    card = models.ForeignKey(CreditCard, on_delete=models.PROTECT, related_name="bills")
    account_kind = models.CharField(
        max_length=10, choices=AccountKind.choices, default=AccountKind.CARD
    )
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.CASCADE, related_name="bills"
    )
    statement_date = models.DateField(db_index=True)
    due_date = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    # Balances are null when the statement does not print them (e.g. a CSV export): never
    # invented. total_debits/total_credits are the sums of the stored rows; the printed totals,
    # when the statement prints them, are kept beside them for the reconciliation view.
    previous_balance = models.DecimalField(null=True, blank=True, **MONEY)
    total_debits = models.DecimalField(**MONEY)
    total_credits = models.DecimalField(**MONEY)
    printed_total_debits = models.DecimalField(null=True, blank=True, **MONEY)
    printed_total_credits = models.DecimalField(null=True, blank=True, **MONEY)
    new_balance = models.DecimalField(null=True, blank=True, **MONEY)
    minimum_payment = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, default="MYR")
    # What is stored under this bill (rows an overlapping earlier bill already holds are not):
    # kept with the rows by the import, so the dashboard sums 12,000 bills, not 100,000 rows.
    row_count = models.PositiveIntegerField(default=0)
    row_debits = models.DecimalField(default=0, **MONEY)
    row_credits = models.DecimalField(default=0, **MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    problems = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-statement_date", "-id"]
        # Covers the dashboard's sums over bills (by card for agents and filters, or all).
        indexes = [
            models.Index(
                fields=["card", "statement_date", "row_count", "row_debits", "row_credits"],
                name="bill_card_date_row_sums",
            )
        ]

    def __str__(self) -> str:
        return f"{self.card} {self.statement_date}"


class Transaction(models.Model):
    class Direction(models.TextChoices):
        DEBIT = "debit", "Debit"
        CREDIT = "credit", "Credit"

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="transactions")
    card = models.ForeignKey(CreditCard, on_delete=models.PROTECT, related_name="transactions")
    posting_date = models.DateField(null=True, blank=True)
    transaction_date = models.DateField(db_index=True)
    description = models.CharField(max_length=500)
    amount = models.DecimalField(**MONEY)
    direction = models.CharField(max_length=6, choices=Direction.choices, db_index=True)
    category = models.CharField(max_length=60, blank=True)
    # The clean merchant name a MerchantRule gave the row ("GRAB* A-12 KL" -> "Grab").
    merchant = models.CharField(max_length=120, blank=True)
    fx_amount = models.DecimalField(null=True, blank=True, **MONEY)
    fx_currency = models.CharField(max_length=3, blank=True)
    source_page = models.PositiveIntegerField(null=True, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)
    raw_text = models.TextField(blank=True)
    occurrence = models.PositiveIntegerField(
        default=0,
        help_text="Index among identical rows, so genuine repeats survive de-duplication.",
    )

    class Meta:
        ordering = ["transaction_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transaction_amount_positive"),
            models.UniqueConstraint(
                fields=[
                    "card",
                    "transaction_date",
                    "description",
                    "amount",
                    "direction",
                    "occurrence",
                ],
                name="transaction_unique_occurrence",
            ),
        ]
        # Covering indexes for the dashboard's sums: SQLite answers them from the index alone,
        # by card (agents, bank and customer filters) or by date (everyone, period filters).
        indexes = [
            models.Index(
                fields=["card", "transaction_date", "direction", "amount"],
                name="tx_card_date_dir_amount",
            ),
            models.Index(
                fields=["transaction_date", "direction", "amount"], name="tx_date_dir_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_date} {self.description} {self.amount} {self.direction}"

    @property
    def fx_rate(self):
        """The rate the bank converted a foreign-currency row at (see implied_fx_rate)."""
        return implied_fx_rate(self.amount, self.fx_amount)


class MerchantRule(models.Model):
    """A categorisation rule as data: rows whose description matches `pattern` (a plain
    substring, case-insensitive, or a bounded regex run under the template-regex time limit),
    optionally within an amount range and for one customer, get `category` and a clean
    `merchant` name. The lowest `priority` number wins; ties go to the oldest rule."""

    class MatchKind(models.TextChoices):
        CONTAINS = "contains", "Description contains"
        REGEX = "regex", "Description matches regex"

    pattern = models.CharField(max_length=200)
    match_kind = models.CharField(
        max_length=10, choices=MatchKind.choices, default=MatchKind.CONTAINS
    )
    amount_min = models.DecimalField(null=True, blank=True, **MONEY)
    amount_max = models.DecimalField(null=True, blank=True, **MONEY)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="merchant_rules",
    )
    category = models.CharField(max_length=60)
    merchant = models.CharField(max_length=120, blank=True)
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True)
                | Q(amount_max__isnull=True)
                | Q(amount_min__lte=models.F("amount_max")),
                name="merchant_rule_amount_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pattern!r} -> {self.category}"
