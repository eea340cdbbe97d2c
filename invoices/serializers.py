"""Input and output shapes of the invoice API."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.null_characters import NullFreeSlugRelatedField
from customers.models import Customer
from invoices.fields import invoice_field_names
from invoices.models import Invoice, InvoiceFieldChange, InvoiceLine
from ocrengine.extraction.bank_details import iban_ok
from ocrengine.models import DocumentType

# Line items one correction may hold; extracted invoices stay far below it.
MAX_LINES = 500


@extend_schema_field(OpenApiTypes.INT)
class CustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id, limited to the customers the caller may use (set per request)."""


def status_url(job_id: int | None) -> str | None:
    return f"/api/v1/jobs/{job_id}/" if job_id else None


class InvoiceUploadSerializer(serializers.Serializer):
    """Multipart input: `files` (repeatable) and/or `file`, plus optional customer and type."""

    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )
    file = serializers.FileField(required=False, allow_empty_file=True)
    customer = CustomerField(queryset=Customer.objects.none(), required=False, allow_null=True)
    document_type = NullFreeSlugRelatedField(
        slug_field="code", queryset=DocumentType.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, customers=None, max_files: int = 20, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the customers this user may file for: others read as "does not exist".
        self.fields["customer"].queryset = customers
        self.max_files = max_files

    def validate(self, attrs: dict) -> dict:
        files = list(attrs.pop("files", []))
        if attrs.get("file") is not None:
            files.insert(0, attrs.pop("file"))
        if not files:
            raise serializers.ValidationError({"files": ["Attach at least one file."]})
        if len(files) > self.max_files:
            raise serializers.ValidationError(
                {"files": [f"At most {self.max_files} files per upload."]}
            )
        attrs["files"] = files
        return attrs


class UploadAcceptedSerializer(serializers.Serializer):
    name = serializers.CharField()
    accepted = serializers.BooleanField()
    invoice_id = serializers.IntegerField(allow_null=True)
    job_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    status_url = serializers.CharField(allow_null=True, help_text="Poll this job URL.")
    error = serializers.DictField(allow_null=True, help_text="The error shape's `error` object.")


class UploadResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = UploadAcceptedSerializer(many=True)


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit_price", "amount", "tax_rate"]


class InvoiceListSerializer(serializers.ModelSerializer):
    # An invoice in the list: its own columns around the invoice fields that are `listed`
    # (invoices/fields.py). Output only: every field is read-only.
    document_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = "__all__"  # get_field_names decides, from invoices/fields.py

    def get_field_names(self, declared_fields, info) -> list[str]:
        return [
            "id", "original_name", "status", "document_type", "customer",
            *invoice_field_names(listed=True),
            "confidence", "pages", "job", "status_url", "created_at", "updated_at",
        ]  # fmt: skip

    def get_extra_kwargs(self) -> dict:
        return {name: {"read_only": True} for name in self.get_field_names({}, None)}

    def get_status_url(self, invoice: Invoice) -> str | None:
        return status_url(invoice.job_id)


class InvoiceDetailSerializer(InvoiceListSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_url = serializers.SerializerMethodField()
    page_sizes = serializers.SerializerMethodField()
    duplicate_of_url = serializers.SerializerMethodField()

    def get_field_names(self, declared_fields, info) -> list[str]:
        names = [
            *super().get_field_names(declared_fields, info),
            "mime", "size", "sha256", *invoice_field_names(listed=False),
            "field_confidence", "field_sources", "checks",
            "raw_text", "engine", "engine_version", "template_version", "error_code", "error",
            "uploaded_by", "reviewed_by", "approved_at", "lines", "file_url", "page_sizes",
            "duplicate_of", "duplicate_of_url",
        ]  # fmt: skip
        return list(dict.fromkeys(names))  # a column made an invoice field appears once

    def get_file_url(self, invoice: Invoice) -> str:
        return f"/api/v1/invoices/{invoice.pk}/file/"

    def get_duplicate_of_url(self, invoice: Invoice) -> str | None:
        """The stored invoice this one repeats by business key, if it does."""
        if invoice.duplicate_of_id is None:
            return None
        return f"/api/v1/invoices/{invoice.duplicate_of_id}/"

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "page": {"type": "integer"},
                    "width": {"type": "number"},
                    "height": {"type": "number"},
                    "source": {"type": "string", "enum": ["text_layer", "ocr", "xml"]},
                },
            },
        }
    )
    def get_page_sizes(self, invoice: Invoice) -> list[dict]:
        """Each page's size in the units its field boxes use (PDF points for a text layer,
        pixels for OCR'd pages), so a viewer can place boxes on any rendering of the page."""
        keys = ("page", "width", "height", "source")
        return [{key: page.get(key) for key in keys} for page in invoice.boxes or []]


class InvoiceUpdateSerializer(serializers.ModelSerializer):
    """Corrections a reviewer may make; types and lengths are checked here."""

    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use an ISO 4217 code such as EUR or CNY."},
    )
    customer = CustomerField(queryset=Customer.objects.none(), required=False, allow_null=True)

    class Meta:
        model = Invoice
        fields = "__all__"  # get_field_names decides, from invoices/fields.py

    def get_field_names(self, declared_fields, info) -> list[str]:
        return [*invoice_field_names(editable=True), "customer"]

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers

    def validate_iban(self, value: str) -> str:
        """An IBAN is kept compact and upper-case, and only when its check digits hold."""
        iban = "".join(value.split()).upper()
        if iban and not iban_ok(iban):
            raise serializers.ValidationError("Not a valid IBAN: its check digits do not hold.")
        return iban

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be changed."] for name in sorted(unknown)}
            )
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one field."]})
        return attrs


class InvoiceLineInputSerializer(serializers.ModelSerializer):
    """One corrected line; numbers must fit their columns (digits and places)."""

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit_price", "amount", "tax_rate"]
        extra_kwargs = {name: {"required": False} for name in fields[1:]}

    def to_internal_value(self, data):
        if isinstance(data, dict):  # anything else gets DRF's own "expected a dict" error
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Not a line field."] for name in sorted(unknown)}
                )
        return super().to_internal_value(data)


class InvoiceLinesSerializer(serializers.Serializer):
    """The whole list of line items, in order; an empty list removes them all."""

    lines = InvoiceLineInputSerializer(many=True, allow_empty=True, max_length=MAX_LINES)


class InvoiceFieldChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = InvoiceFieldChange
        fields = ["id", "field", "old_value", "new_value", "changed_by", "changed_at"]
        read_only_fields = fields
