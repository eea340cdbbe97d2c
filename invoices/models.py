from django.conf import settings
from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}


class Invoice(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        RECOGNIZED = "recognized", "Recognized"
        NEEDS_REVIEW = "needs_review", "Needs review"
        UNRECOGNIZED = "unrecognized", "Unrecognized"
        FAILED = "failed", "Failed"
        APPROVED = "approved", "Approved"

    file = models.FileField(upload_to="invoices/", max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    mime = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=14, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    document_type = models.ForeignKey(
        "ocrengine.DocumentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )

    # The canonical extraction fields as real columns; invoices/fields.py says how each is
    # shown, searched and corrected.
    invoice_number = models.CharField(max_length=64, blank=True, db_index=True)
    invoice_code = models.CharField(max_length=32, blank=True)
    date = models.DateField(null=True, blank=True, db_index=True)
    due_date = models.DateField(null=True, blank=True)
    total_amount = models.DecimalField(null=True, blank=True, **MONEY)
    net_amount = models.DecimalField(null=True, blank=True, **MONEY)
    tax_amount = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)
    seller = models.CharField(max_length=255, blank=True, db_index=True)
    seller_tax_id = models.CharField(max_length=40, blank=True)
    buyer = models.CharField(max_length=255, blank=True)
    buyer_tax_id = models.CharField(max_length=40, blank=True)
    # What accountants book and pay by (issue #15).
    purchase_order_number = models.CharField(max_length=64, blank=True)
    payment_terms = models.CharField(max_length=120, blank=True)
    iban = models.CharField(max_length=34, blank=True)  # ISO 13616, mod-97 checked
    bic = models.CharField(max_length=11, blank=True)
    bank_account = models.CharField(max_length=40, blank=True)
    seller_address = models.CharField(max_length=500, blank=True)
    buyer_address = models.CharField(max_length=500, blank=True)
    service_period_start = models.DateField(null=True, blank=True)
    service_period_end = models.DateField(null=True, blank=True)
    tax_breakdown = models.JSONField(
        default=list, blank=True, help_text="per tax rate: [{rate, net, tax}]"
    )

    field_confidence = models.JSONField(default=dict, blank=True)
    field_sources = models.JSONField(
        default=dict, blank=True, help_text="field → page, box, source"
    )
    checks = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(null=True, blank=True, db_index=True)
    raw_text = models.TextField(blank=True)
    boxes = models.JSONField(default=list, blank=True)
    engine = models.CharField(max_length=40, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "jobs.ProcessingJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The stored invoice this one repeats by business key (seller tax id + number, the 数电
    # number, or code + number) though its file differs: a scan, a photo, an email copy.
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.invoice_number or self.original_name


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(null=True, blank=True, max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(null=True, blank=True, max_digits=14, decimal_places=4)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    tax_rate = models.DecimalField(null=True, blank=True, max_digits=6, decimal_places=3)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoice_line_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class InvoiceFieldChange(models.Model):
    """Audit trail of human corrections: who changed which field, when, from what."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # What the extractor said of the old value (None: it had none, or a person's value was
    # corrected): calibration's "wrong at this confidence", and where it was read on the page.
    old_confidence = models.FloatField(null=True, blank=True)
    old_source = models.JSONField(default=dict, blank=True, help_text="page, box, source")

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value!r} -> {self.new_value!r}"


class FieldThreshold(models.Model):
    """The confidence from which a field's extracted value goes straight through, computed from
    reviewer outcomes (invoices/services/calibration.py) per field, for all sellers (seller "")
    and per seller. Replaced as a whole by each `calibrate_thresholds` run."""

    class Status(models.TextChoices):
        CALIBRATED = "calibrated", "Calibrated"  # the pipeline routes by `threshold`
        TOO_FEW_SAMPLES = "too_few_samples", "Too few samples"  # the global default stays
        UNREACHABLE = "unreachable", "Target unreachable"  # every value is reviewed

    field = models.CharField(max_length=40)
    seller = models.CharField(max_length=255, blank=True, help_text="normalised; blank = all")
    status = models.CharField(max_length=16, choices=Status.choices)
    threshold = models.FloatField(null=True, blank=True, help_text="null: no value goes through")
    target_error_rate = models.FloatField()
    samples = models.PositiveIntegerField()
    errors = models.PositiveIntegerField()
    straight_through_rate = models.FloatField(help_text="share of samples at ≥ threshold")
    measured_error_rate = models.FloatField(
        null=True, blank=True, help_text="share of the samples at ≥ threshold that were wrong"
    )
    bins = models.JSONField(default=list, blank=True, help_text="[{from, samples, errors}]")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["field", "seller"]
        constraints = [
            models.UniqueConstraint(fields=["field", "seller"], name="field_threshold_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field} ({self.seller or 'all sellers'}): {self.threshold}"
