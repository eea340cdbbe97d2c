from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.selectors import dashboard_monthly, dashboard_summary
from billing.selectors.dashboard import SummaryFilters
from billing.serializers import (
    DashboardFilterSerializer,
    DashboardMonthlyFilterSerializer,
    DashboardMonthlySerializer,
    DashboardSummarySerializer,
)


def _filters(data: dict) -> SummaryFilters:
    return SummaryFilters(
        customer_id=data.get("customer"),
        bank_code=data.get("bank"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


class DashboardSummaryApi(APIView):
    @extend_schema(
        parameters=[DashboardFilterSerializer],
        responses=DashboardSummarySerializer,
        summary="Customers, cards, bills, transactions and money, over what you may see",
    )
    def get(self, request: Request) -> Response:
        params = DashboardFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        summary = dashboard_summary(user=request.user, filters=_filters(data))
        return Response(DashboardSummarySerializer(summary).data)


class DashboardMonthlyApi(APIView):
    @extend_schema(
        parameters=[DashboardMonthlyFilterSerializer],
        responses=DashboardMonthlySerializer,
        summary="Charges, payments and transactions per calendar month (12 by default, ≤ 120)",
    )
    def get(self, request: Request) -> Response:
        params = DashboardMonthlyFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        months = dashboard_monthly(user=request.user, filters=_filters(data), months=data["months"])
        return Response(DashboardMonthlySerializer({"months": months}).data)
