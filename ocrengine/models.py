from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.encrypted_fields import EncryptedSecretField


class DocumentType(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sensitive_fields = models.JSONField(default=list, blank=True)
    llm_model = models.CharField(max_length=100, blank=True, help_text="Model for the llm backend.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        # Analysis results show sensitive fields (ID numbers, addresses) unmasked only to holders.
        permissions = [("view_sensitive_fields", "Can see sensitive fields unmasked")]

    def __str__(self) -> str:
        return self.code


class PromptTemplate(models.Model):
    """A versioned field spec + LLM prompt for one document type. Once used it never changes:
    publishing makes a new version.

    One version per type may be its canary: it answers `canary_percent` % of the type's analyse
    traffic (chosen by each document's content hash) while the active default answers the rest,
    until it is promoted (it becomes the default) or rolled back (archived)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CANARY = "canary", "Canary"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="templates"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_default = models.BooleanField(default=False)
    spec = models.JSONField(help_text="Field spec: fields with labels, patterns, validators.")
    prompt = models.TextField(blank=True, help_text="Prompt text for the llm backend.")
    notes = models.CharField(max_length=200, blank=True)
    used_at = models.DateTimeField(null=True, blank=True, help_text="First use; immutable after.")
    canary_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Set on the type's canary: the share of analyse traffic it answers (1-99).",
    )
    canary_started_at = models.DateTimeField(null=True, blank=True)
    canary_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_type__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "version"], name="prompt_template_unique_version"
            ),
            models.UniqueConstraint(
                fields=["document_type"],
                condition=Q(is_default=True),
                name="prompt_template_one_default_per_type",
            ),
            models.UniqueConstraint(
                fields=["document_type"],
                condition=Q(canary_percent__isnull=False),
                name="prompt_template_one_canary_per_type",
            ),
            # A canary has a share of 1-99 % and is not the default; nothing else has a share.
            models.CheckConstraint(
                condition=Q(
                    status="canary", is_default=False, canary_percent__gte=1, canary_percent__lte=99
                )
                | (~Q(status="canary") & Q(canary_percent__isnull=True)),
                name="prompt_template_canary_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type.code} v{self.version} ({self.status})"


class AnalysisLog(models.Model):
    class ClientKind(models.TextChoices):
        WEB = "web", "Web"
        MOBILE = "mobile", "Mobile"
        API = "api", "API"

    class TemplateRoute(models.TextChoices):
        DEFAULT = "default", "Default version"
        CANARY = "canary", "Canary version"
        REQUESTED = "requested", "Version named in the request"

    document_type = models.CharField(max_length=40, db_index=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    # How the answering version was chosen; blank when the call failed before routing.
    template_route = models.CharField(max_length=10, choices=TemplateRoute.choices, blank=True)
    backend = models.CharField(max_length=20)
    engine = models.CharField(max_length=40, blank=True)
    client_kind = models.CharField(
        max_length=10, choices=ClientKind.choices, default=ClientKind.API
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_client = models.ForeignKey(
        "ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    success = models.BooleanField(default=True)
    confidence = models.FloatField(null=True, blank=True)
    latency_ms = models.FloatField(default=0)
    cache_hit = models.BooleanField(default=False)
    error_code = models.CharField(max_length=60, blank=True)
    fallback_reason = models.CharField(max_length=200, blank=True)
    # When the call was made, not when its row was written (rows are written in batches).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        # The llm backend sends a caller's documents (and spends the key) outside: only holders.
        permissions = [("use_llm_backend", "Can have documents analysed by the llm backend")]

    def __str__(self) -> str:
        return f"{self.document_type} analysis at {self.created_at:%Y-%m-%d %H:%M:%S}"


def api_client_scopes_validate(value) -> None:
    """Scopes are a list of ApiClient.Scope values."""
    if not isinstance(value, list) or not all(isinstance(scope, str) for scope in value):
        raise ValidationError("Scopes are a list of names.")
    unknown = sorted(set(value) - set(ApiClient.Scope.values))
    if unknown:
        raise ValidationError(
            f"Unknown scopes: {', '.join(unknown)} (known: {', '.join(ApiClient.Scope.values)})."
        )


class ApiClient(models.Model):
    """A machine client signing requests with HMAC. Two secrets may be active at once so keys
    rotate without downtime. It may call only the endpoints its scopes name."""

    class Scope(models.TextChoices):
        ANALYZE = "analyze", "POST /api/v1/ocr/analyze/"
        BATCH_ANALYZE = "batch-analyze", "POST /api/v1/ocr/batch-analyze/"

    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=40, unique=True)
    # Stored encrypted (core/encrypted_fields.py): checking a signature needs the secret
    # itself, so it cannot be hashed, but a dump of the database must not give it away.
    secret = EncryptedSecretField()
    previous_secret = EncryptedSecretField(blank=True)
    scopes = models.JSONField(
        default=list,
        blank=True,
        validators=[api_client_scopes_validate],
        help_text="Endpoints the client may call (ApiClient.Scope).",
    )
    is_active = models.BooleanField(default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_clients",
        help_text="Whose permissions the client acts with (e.g. to see sensitive fields).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"


class RateLimitCounter(models.Model):
    """Calls per caller per fixed window, for the analysis rate limit when it counts in the
    database (RATE_LIMIT_STORE=database: one upsert per call instead of the database cache's
    read-then-write); rows older than the window before the current one are deleted."""

    caller = models.CharField(max_length=120)
    window = models.BigIntegerField(help_text="Unix time // window length.")
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "window"], name="rate_limit_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.caller} @ {self.window}: {self.calls}"


class ApiNonce(models.Model):
    """Nonces seen within the signature window; the unique constraint refuses replays."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="api_nonce_unique")]

    def __str__(self) -> str:
        return self.nonce


class TemplateEvaluation(models.Model):
    """A labelled set uploaded in the admin (a zip with a corpus-format MANIFEST.tsv) and the
    template versions to compare on it; a background job fills in the report."""

    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    versions = models.JSONField(default=list, blank=True, help_text="Empty: the default version.")
    archive = models.FileField(upload_to="evaluations/%Y/%m/")
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.ProcessingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.document_type.code} evaluation #{self.pk}"
