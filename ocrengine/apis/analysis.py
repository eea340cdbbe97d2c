"""POST /api/v1/ocr/analyze/ and /api/v1/ocr/batch-analyze/: thin views over the analysis
service. JWT users, staff sessions and HMAC-signed machine clients (with the endpoint's scope)
may call them; the llm backend only for holders of ocrengine.use_llm_backend."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ActiveUserJWTAuthentication
from core.errors import PayloadTooLargeError
from ocrengine.apis.caller_access import HasRoleOrSignedClient
from ocrengine.apis.hmac_authentication import HmacSignatureAuthentication
from ocrengine.apis.permissions import ApiClientHasScope
from ocrengine.apis.throttling import AnalyzeRateThrottle
from ocrengine.models import ApiClient
from ocrengine.services.analysis import (
    AnalysisRequest,
    Caller,
    UploadedDocument,
    analysis_log_refused,
    document_analyze,
    documents_analyze_batch,
)
from ocrengine.services.backends import BACKENDS, BackendNotPermittedError, backend_permitted

AUTHENTICATION = [HmacSignatureAuthentication, ActiveUserJWTAuthentication, SessionAuthentication]


class AnalyzeItemSerializer(serializers.Serializer):
    document_type = serializers.SlugField(max_length=40)
    raw_texts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        allow_empty=False,
    )
    template_version = serializers.IntegerField(min_value=1, required=False)
    backend = serializers.ChoiceField(choices=BACKENDS, required=False)


class AnalyzeSerializer(AnalyzeItemSerializer):
    file = serializers.FileField(required=False)

    def validate(self, attrs: dict) -> dict:
        has_texts, has_file = "raw_texts" in attrs, "file" in attrs
        if has_texts == has_file:
            raise serializers.ValidationError("Send either raw_texts or a file, not both.")
        return attrs


class BatchAnalyzeSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False)

    def validate_items(self, items: list) -> list:
        limit = settings.ANALYSIS_BATCH_MAX_ITEMS
        if len(items) > limit:
            raise serializers.ValidationError(f"At most {limit} items per batch.")
        return items


class AnalysisResultSerializer(serializers.Serializer):
    """The shape of one analysis (for the schema)."""

    document_type = serializers.CharField()
    template_version = serializers.IntegerField()
    backend = serializers.CharField()
    engine = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField(allow_null=True))
    confidence = serializers.DictField(child=serializers.FloatField())
    overall_confidence = serializers.FloatField()
    checks = serializers.ListField(child=serializers.DictField())
    lines = serializers.ListField(child=serializers.DictField())
    masked = serializers.ListField(child=serializers.CharField())
    cache_hit = serializers.BooleanField()
    fallback_reason = serializers.CharField(allow_null=True)


def _analysis_request(data: dict) -> AnalysisRequest:
    upload = data.get("file")
    file = None
    if upload is not None:
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise PayloadTooLargeError(
                f"The file is larger than {settings.UPLOAD_MAX_BYTES} bytes."
            )
        file = UploadedDocument(upload.read(), upload.content_type, upload.name or "")
    return AnalysisRequest(
        document_type=data["document_type"],
        raw_texts=data.get("raw_texts"),
        file=file,
        template_version=data.get("template_version"),
        backend=data.get("backend"),
    )


def _backend_check(data: dict, request: Request) -> None:
    """Refuse (403) a backend the caller may not use, whether named or the default."""
    backend = data.get("backend") or settings.ANALYSIS_DEFAULT_BACKEND
    if not backend_permitted(backend, request.user):
        raise BackendNotPermittedError(
            f"You may not use the {backend} backend; leave it out or send backend=rules.",
            details={"backend": backend, "permission": "ocrengine.use_llm_backend"},
        )


class AnalyzeApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [HasRoleOrSignedClient, ApiClientHasScope]
    api_client_scope = ApiClient.Scope.ANALYZE
    throttle_classes = [AnalyzeRateThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=AnalyzeSerializer,
        responses=AnalysisResultSerializer,
        summary="Analyse one document (raw OCR text or a file)",
    )
    def post(self, request: Request) -> Response:
        serializer = AnalyzeSerializer(data=request.data)
        if not serializer.is_valid():
            analysis_log_refused(
                # A JSON array or a scalar body is no mapping: nothing to name the type by.
                document_type=getattr(request.data, "get", lambda key: None)("document_type"),
                caller=Caller.from_request(request),
                error_code="validation_error",
            )
            raise serializers.ValidationError(serializer.errors)
        caller = Caller.from_request(request)
        try:
            _backend_check(serializer.validated_data, request)
        except BackendNotPermittedError as error:
            analysis_log_refused(
                document_type=serializer.validated_data["document_type"],
                caller=caller,
                error_code=error.code,
            )
            raise
        result = document_analyze(
            request=_analysis_request(serializer.validated_data), caller=caller
        )
        return Response(result)


class BatchAnalyzeApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [HasRoleOrSignedClient, ApiClientHasScope]
    api_client_scope = ApiClient.Scope.BATCH_ANALYZE
    throttle_classes = [AnalyzeRateThrottle]
    parser_classes = [JSONParser]

    @staticmethod
    def throttle_cost(request: Request) -> int:
        items = request.data.get("items") if isinstance(request.data, dict) else None
        return len(items) if isinstance(items, list) else 1

    @extend_schema(
        request=BatchAnalyzeSerializer,
        responses=OpenApiTypes.OBJECT,
        summary="Analyse up to 50 documents",
    )
    def post(self, request: Request) -> Response:
        serializer = BatchAnalyzeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        caller = Caller.from_request(request)
        requests = [_batch_item(raw, request, caller) for raw in serializer.validated_data["items"]]
        results = _run_batch(requests, caller)
        failed = sum(1 for result in results if result["status"] != 200)
        return Response({"results": results, "succeeded": len(results) - failed, "failed": failed})


def _batch_item(raw: dict, request: Request, caller: Caller) -> AnalysisRequest | dict:
    """The item's analysis request, or (logged) the status and error that refuse it."""
    item = AnalyzeItemSerializer(data=raw)
    if item.is_valid() and "raw_texts" in item.validated_data:
        try:
            _backend_check(item.validated_data, request)
        except BackendNotPermittedError as error:
            refusal = {
                "status": error.status,
                "error": {"code": error.code, "message": error.message, "details": error.details},
            }
        else:
            return _analysis_request(item.validated_data)
    else:
        errors = item.errors or {"raw_texts": ["This field is required."]}
        refusal = {
            "status": 400,
            "error": {
                "code": "validation_error",
                "details": {"fields": errors},
                "message": "The item has invalid fields.",
            },
        }
    analysis_log_refused(
        document_type=raw.get("document_type"), caller=caller, error_code=refusal["error"]["code"]
    )
    return refusal


def _run_batch(requests: list, caller: Caller) -> list[dict]:
    valid = [item for item in requests if isinstance(item, AnalysisRequest)]
    analyzed = iter(documents_analyze_batch(requests=valid, caller=caller))
    results = []
    for index, item in enumerate(requests):
        if isinstance(item, AnalysisRequest):
            results.append({**next(analyzed), "index": index})
        else:
            results.append({"index": index, **item})
    return results
