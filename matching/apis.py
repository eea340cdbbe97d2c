"""Receipt matches: list, confirm, reject, run the matcher; the two unmatched lists."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import sees_all_customers
from billing.models import Transaction
from core.errors import InvalidFieldsError
from customers.selectors import customers_visible_to
from invoices.models import Invoice
from invoices.serializers import InvoiceListSerializer
from matching.filters import ReceiptMatchFilter
from matching.models import MatchRun, ReceiptMatch
from matching.selectors import matches_visible_to, unmatched_charges, unmatched_receipts
from matching.serializers import (
    MatchedTransactionSerializer,
    MatchRunQueuedSerializer,
    MatchRunRequestSerializer,
    PeriodFilterSerializer,
    ReceiptMatchSerializer,
)
from matching.services import match_confirm, match_reject, match_run_request


class ReceiptMatchListApi(generics.ListAPIView):
    queryset = ReceiptMatch.objects.none()  # the schema's model; get_queryset scopes
    serializer_class = ReceiptMatchSerializer
    filterset_class = ReceiptMatchFilter
    ordering_fields = ["score", "created_at"]

    def get_queryset(self):
        return matches_visible_to(self.request.user).order_by("-score", "id")


class ReceiptMatchDetailApi(generics.RetrieveAPIView):
    queryset = ReceiptMatch.objects.none()  # the schema's model; get_queryset scopes
    serializer_class = ReceiptMatchSerializer

    def get_queryset(self):
        return matches_visible_to(self.request.user)


class _Decision(APIView):
    decide = staticmethod(match_confirm)

    def post(self, request: Request, pk: int) -> Response:
        match = get_object_or_404(matches_visible_to(request.user), pk=pk)
        match = self.decide(match=match, decided_by=request.user)
        match = matches_visible_to(request.user).get(pk=match.pk)
        return Response(ReceiptMatchSerializer(match).data)


class ReceiptMatchConfirmApi(_Decision):
    decide = staticmethod(match_confirm)

    @extend_schema(request=None, responses=ReceiptMatchSerializer, summary="Confirm a match")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class ReceiptMatchRejectApi(_Decision):
    decide = staticmethod(match_reject)

    @extend_schema(request=None, responses=ReceiptMatchSerializer, summary="Reject a match")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


def _period(request: Request) -> dict:
    params = PeriodFilterSerializer(
        data=request.query_params, customers=customers_visible_to(request.user)
    )
    params.is_valid(raise_exception=True)
    return params.validated_data


class UnmatchedChargesApi(generics.ListAPIView):
    queryset = Transaction.objects.none()  # the schema's model; get_queryset scopes
    serializer_class = MatchedTransactionSerializer

    @extend_schema(parameters=[PeriodFilterSerializer], summary="Charges without a receipt")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return unmatched_charges(user=self.request.user, **_period(self.request))

    def filter_queryset(self, queryset):
        return queryset  # the period serializer above is the only filter


class UnmatchedReceiptsApi(generics.ListAPIView):
    queryset = Invoice.objects.none()  # the schema's model; get_queryset scopes
    serializer_class = InvoiceListSerializer

    @extend_schema(parameters=[PeriodFilterSerializer], summary="Receipts never charged")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return unmatched_receipts(user=self.request.user, **_period(self.request))

    def filter_queryset(self, queryset):
        return queryset


class MatchRunApi(APIView):
    @extend_schema(
        request=MatchRunRequestSerializer,
        responses={202: MatchRunQueuedSerializer},
        summary="Run the matcher now for a customer and period (a match.propose job)",
    )
    def post(self, request: Request) -> Response:
        serializer = MatchRunRequestSerializer(
            data=request.data, customers=customers_visible_to(request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = data.get("customer")
        if customer is None and not sees_all_customers(request.user):
            raise InvalidFieldsError({"customer": ["Agents run the matcher per customer."]})
        run = match_run_request(
            trigger=MatchRun.Trigger.ON_DEMAND,
            customer=customer,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            requested_by=request.user,
        )
        body = {
            "run_id": run.pk,
            "job_id": run.job_id,
            "status": run.job.status,
            "status_url": f"/api/v1/jobs/{run.job_id}/",
        }
        return Response(MatchRunQueuedSerializer(body).data, status=202)
