from django.conf import settings
from django.db import models
from django.db.models import Q


class ReceiptMatch(models.Model):
    """An invoice or receipt paired with the card charge that paid it.

    Proposed by `matches_propose` (or confirmed there above MATCH_AUTO_CONFIRM_SCORE), then
    confirmed or rejected by a person. A charge and an invoice are each confirmed at most
    once (the two conditional unique constraints); a rejected pair is never proposed again.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="receipt_matches"
    )
    transaction = models.ForeignKey(
        "billing.Transaction", on_delete=models.CASCADE, related_name="receipt_matches"
    )
    score = models.DecimalField(max_digits=4, decimal_places=3)
    # How the score came about: amount kind (exact / fx) and difference, days apart, the
    # normalised names and their similarity, and each part's share.
    reasons = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    auto_confirmed = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "transaction"], name="receipt_match_unique_pair"
            ),
            models.UniqueConstraint(
                fields=["transaction"],
                condition=Q(status="confirmed"),
                name="receipt_match_transaction_confirmed_once",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status="confirmed"),
                name="receipt_match_invoice_confirmed_once",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="receipt_match_score_0_1"
            ),
        ]
        indexes = [models.Index(fields=["status", "score"], name="receipt_match_status_score")]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} ↔ transaction {self.transaction_id} ({self.status})"


class MatchRun(models.Model):
    """One `match.propose` job's scope and outcome: after an invoice is recognised or approved,
    after a statement import, or on demand (API, `manage.py match_receipts`)."""

    class Trigger(models.TextChoices):
        INVOICE = "invoice", "Invoice recognised or approved"
        STATEMENT = "statement", "Statement imported"
        ON_DEMAND = "on_demand", "On demand"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    source_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The invoice or statement import that asked for it."
    )
    outcome = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey(
        "jobs.ProcessingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"match run {self.pk} ({self.trigger})"
