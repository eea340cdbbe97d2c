"""GET /api/v1/invoices/auto-approve/: per field, the calibrated threshold, the straight-through
rate it gives and the measured error rate; POST .../calibrate/ recomputes them."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervisorOrAdmin
from invoices.calibration import SELLER_KEY_LENGTH, auto_approve_stats
from invoices.fields import invoice_field_names
from invoices.services.calibration import field_thresholds_calibrate


class AutoApproveQuerySerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[], required=False)
    seller = serializers.CharField(required=False, max_length=SELLER_KEY_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = invoice_field_names(editable=True)  # read at each call


class AutoApproveStatsApi(APIView):
    permission_classes = [IsSupervisorOrAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("field", str, description="one field (default: all)"),
            OpenApiParameter("seller", str, description="one seller's thresholds (default: all)"),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="Auto-approve per field: threshold, straight-through and measured error rate",
    )
    def get(self, request: Request) -> Response:
        query = AutoApproveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(auto_approve_stats(**query.validated_data))


class AutoApproveCalibrateApi(APIView):
    permission_classes = [IsSupervisorOrAdmin]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Recalibrate now")
    def post(self, request: Request) -> Response:
        rows = field_thresholds_calibrate()
        return Response(
            {"thresholds": len(rows), **auto_approve_stats()}, status=status.HTTP_200_OK
        )
