from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from billing.filters import StatementImportFilter
from billing.models import Bill, StatementImport
from billing.selectors import imports_visible_to
from billing.serializers import StatementImportSerializer, StatementUploadSerializer
from billing.services import statement_import
from customers.selectors import customers_assignable_by


class StatementListCreateApi(generics.ListAPIView):
    queryset = StatementImport.objects.none()  # for the schema; requests use get_queryset
    serializer_class = StatementImportSerializer
    filterset_class = StatementImportFilter
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["created_at", "status"]

    def get_queryset(self):
        return imports_visible_to(self.request.user).prefetch_related(
            Prefetch("bills", queryset=Bill.objects.only("id", "statement_import_id"))
        )

    @extend_schema(
        request={"multipart/form-data": StatementUploadSerializer},
        responses={202: StatementImportSerializer, 200: StatementImportSerializer},
        summary="Upload a statement (PDF, XLSX, CSV, OFX)",
        description="202 with the import and its job; 200 when the same file was already "
        "imported (the upload is recorded with status `duplicate` and `duplicate_of`).",
    )
    def post(self, request: Request) -> Response:
        serializer = StatementUploadSerializer(
            data=request.data, customers=customers_assignable_by(request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = statement_import(
            file=data["file"],
            uploaded_by=request.user,
            customer=data.get("customer"),
            bank=data.get("bank"),
            password=data.get("password") or None,
            card_last4=data.get("card_last4", ""),
        )
        body = StatementImportSerializer(result.statement_import).data
        return Response(body, status=202 if result.queued else 200)


class StatementDetailApi(generics.RetrieveAPIView):
    queryset = StatementImport.objects.none()
    serializer_class = StatementImportSerializer

    def get_queryset(self):
        return imports_visible_to(self.request.user).prefetch_related("bills")
