"""GET /api/v1/ocr/stats/: analysis statistics for supervisors and admins."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervisorOrAdmin
from ocrengine.services.stats import PERIODS, analysis_stats


class StatsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    document_type = serializers.SlugField(required=False, max_length=40)
    period = serializers.ChoiceField(choices=sorted(PERIODS), default="day")


class AnalysisStatsApi(APIView):
    permission_classes = [IsSupervisorOrAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO date-time (default: 7 days ago)"),
            OpenApiParameter("until", str, description="ISO date-time (default: now)"),
            OpenApiParameter("document_type", str),
            OpenApiParameter("period", str, enum=sorted(PERIODS)),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="Analysis statistics: success, confidence, latency, cache hits; the invoice "
        "fields' calibrated auto-approve (straight-through rate next to the measured error rate)",
    )
    def get(self, request: Request) -> Response:
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = analysis_stats(**query.validated_data)
        for part in settings.OCR_STATS_PARTS:
            body.update(import_string(part)())
        return Response(body)
