"""Merchant rules (list, create, re-apply) and an agent's recategorisation of one row."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervisorOrAdmin
from billing.models import MerchantRule
from billing.selectors.scoped import transactions_visible_to
from billing.serializers import TransactionSerializer
from billing.services.merchant_rules import (
    merchant_rule_create,
    merchant_rules_apply,
    transaction_recategorise,
)
from core.null_characters import refuse_null_characters
from customers.models import Customer


class MerchantRuleSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, required=False
    )
    amount_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    amount_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    priority = serializers.IntegerField(min_value=0, max_value=10_000, required=False)

    class Meta:
        model = MerchantRule
        fields = [
            "id", "pattern", "match_kind", "amount_min", "amount_max", "customer", "category",
            "merchant", "priority", "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at"]

    def validate(self, attrs: dict) -> dict:
        for name in ("pattern", "category", "merchant"):
            if name in attrs:
                refuse_null_characters(attrs[name], field=name)
        return attrs


class MerchantRulesApplySerializer(serializers.Serializer):
    overwrite = serializers.BooleanField(
        default=False, help_text="Also re-categorise rows that already have a category."
    )


class MerchantRulesAppliedSerializer(serializers.Serializer):
    checked = serializers.IntegerField()
    updated = serializers.IntegerField()


class RecategoriseSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=60, allow_blank=True)
    make_rule = serializers.BooleanField(
        default=False,
        help_text="Also make a rule from the description's merchant part for this customer.",
    )

    def validate_category(self, value: str) -> str:
        refuse_null_characters(value, field="category")
        return value


class RecategorisedSerializer(serializers.Serializer):
    transaction = TransactionSerializer()
    rule = MerchantRuleSerializer(allow_null=True)


class MerchantRuleListCreateApi(generics.ListAPIView):
    """Supervisors and admins manage rules; agents make theirs by recategorising a row."""

    permission_classes = [IsSupervisorOrAdmin]
    serializer_class = MerchantRuleSerializer
    queryset = MerchantRule.objects.select_related("customer").order_by("priority", "id")
    filterset_fields = ["is_active", "category", "customer"]

    @extend_schema(
        request=MerchantRuleSerializer,
        responses={201: MerchantRuleSerializer},
        summary="Create a merchant rule (description pattern, amount range -> category)",
    )
    def post(self, request: Request) -> Response:
        serializer = MerchantRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = merchant_rule_create(created_by=request.user, **serializer.validated_data)
        return Response(MerchantRuleSerializer(rule).data, status=201)


class MerchantRulesApplyApi(APIView):
    permission_classes = [IsSupervisorOrAdmin]

    @extend_schema(
        request=MerchantRulesApplySerializer,
        responses=MerchantRulesAppliedSerializer,
        summary="Re-run the active merchant rules over the stored transactions",
    )
    def post(self, request: Request) -> Response:
        serializer = MerchantRulesApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = merchant_rules_apply(overwrite=serializer.validated_data["overwrite"])
        return Response(MerchantRulesAppliedSerializer(outcome).data)


class TransactionCategoryApi(APIView):
    @extend_schema(
        request=RecategoriseSerializer,
        responses=RecategorisedSerializer,
        summary="Set a transaction's category; optionally make a merchant rule from it",
    )
    def patch(self, request: Request, pk: int) -> Response:
        row = get_object_or_404(
            transactions_visible_to(request.user).select_related("card__customer"), pk=pk
        )
        serializer = RecategoriseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, rule = transaction_recategorise(
            transaction=row, changed_by=request.user, **serializer.validated_data
        )
        return Response(RecategorisedSerializer({"transaction": row, "rule": rule}).data)
