"""GET /api/v1/invoices/corrections/: every reviewer correction as labelled data (field, old,
new, the extractor's confidence and box, seller), for supervisors and admins."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsSupervisorOrAdmin
from invoices.fields import invoice_field_names
from invoices.models import InvoiceFieldChange
from invoices.services.review import LINES_SOURCE_KEY


class CorrectionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    seller = serializers.CharField(source="invoice.seller", read_only=True)
    invoice_status = serializers.CharField(source="invoice.status", read_only=True)

    class Meta:
        model = InvoiceFieldChange
        fields = [
            "id",
            "invoice",
            "invoice_status",
            "seller",
            "field",
            "old_value",
            "new_value",
            "old_confidence",
            "old_source",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = fields


class CorrectionQuerySerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[], required=False)
    seller = serializers.CharField(required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [*invoice_field_names(editable=True), "customer", LINES_SOURCE_KEY]
        self.fields["field"].choices = names


class CorrectionListApi(generics.ListAPIView):
    permission_classes = [IsSupervisorOrAdmin]
    serializer_class = CorrectionSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("field", str, description="one field"),
            OpenApiParameter("seller", str, description="sellers whose name contains this"),
        ],
        summary="Reviewer corrections as labelled data, newest first",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvoiceFieldChange.objects.none()
        query = CorrectionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        changes = InvoiceFieldChange.objects.select_related("invoice", "changed_by")
        if name := query.validated_data.get("field"):
            changes = changes.filter(field=name)
        if seller := query.validated_data.get("seller"):
            changes = changes.filter(invoice__seller__icontains=seller)
        return changes.order_by("-changed_at", "-id")
