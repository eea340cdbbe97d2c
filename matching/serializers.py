from __future__ import annotations

from rest_framework import serializers

from billing.models import Transaction
from customers.models import Customer
from invoices.models import Invoice
from matching.models import ReceiptMatch


class MatchedInvoiceSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")

    class Meta:
        model = Invoice
        fields = [
            "id", "status", "customer", "customer_name", "seller", "invoice_number", "date",
            "total_amount", "currency",
        ]  # fmt: skip


class MatchedTransactionSerializer(serializers.ModelSerializer):
    card_last4 = serializers.CharField(source="card.last4", read_only=True)
    bank = serializers.CharField(source="card.bank.code", read_only=True)
    currency = serializers.CharField(source="bill.currency", read_only=True)
    customer = serializers.IntegerField(source="card.customer_id", read_only=True)

    class Meta:
        model = Transaction
        fields = [
            "id", "bill", "customer", "bank", "card_last4", "transaction_date", "description",
            "merchant", "category", "amount", "currency", "fx_amount", "fx_currency",
        ]  # fmt: skip


class ReceiptMatchSerializer(serializers.ModelSerializer):
    invoice = MatchedInvoiceSerializer(read_only=True)
    transaction = MatchedTransactionSerializer(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = ReceiptMatch
        fields = [
            "id", "status", "score", "reasons", "auto_confirmed", "decided_by", "decided_at",
            "created_at", "invoice", "transaction",
        ]  # fmt: skip


class PeriodFilterSerializer(serializers.Serializer):
    """Per customer and period: ?customer=&date_from=&date_to= (the charge's date)."""

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), required=False, allow_null=True
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


class MatchRunRequestSerializer(PeriodFilterSerializer):
    pass


class MatchRunQueuedSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    status = serializers.CharField()
    status_url = serializers.CharField()
