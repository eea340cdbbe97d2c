"""What the billing API reads and writes. Money is rendered as strings (DRF's default for
DecimalField), never floats."""

from __future__ import annotations

from datetime import MAXYEAR, date

from django.utils import timezone
from rest_framework import serializers

from billing.models import Bank, BankTemplate, Bill, CreditCard, StatementImport, Transaction
from billing.reconciliation import stored_bill_reconciliation
from billing.selectors.dashboard import add_months
from core.null_characters import NullFreeJSONField, NullFreeSlugRelatedField
from customers.filters import ID_RANGE
from customers.models import Customer

# Calendar months in the dashboard's monthly series: by default, and at most.
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


class BankSerializer(serializers.ModelSerializer):
    active_template_version = serializers.SerializerMethodField()

    class Meta:
        model = Bank
        fields = ["id", "code", "name", "country", "is_active", "active_template_version"]

    def get_active_template_version(self, bank: Bank) -> int | None:
        active = [t for t in bank.templates.all() if t.status == BankTemplate.Status.ACTIVE]
        return active[0].version if active else None


class BankTemplateSerializer(serializers.ModelSerializer):
    bank = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = BankTemplate
        fields = ["id", "bank", "version", "status", "notes", "spec", "created_by", "created_at"]


class BankTemplateCreateSerializer(serializers.Serializer):
    bank = NullFreeSlugRelatedField(slug_field="code", queryset=Bank.objects.all())
    spec = NullFreeJSONField()
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TemplatePreviewSerializer(serializers.Serializer):
    file = serializers.FileField()
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    spec = serializers.JSONField(
        required=False, help_text="An unsaved spec to try instead of the stored one."
    )


class CreditCardSerializer(serializers.ModelSerializer):
    bank = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)

    class Meta:
        model = CreditCard
        fields = [
            "id",
            "bank",
            "last4",
            "holder",
            "credit_limit",
            "customer",
            "customer_name",
            "created_at",
        ]


class StatementImportSerializer(serializers.ModelSerializer):
    bank = serializers.SlugRelatedField(slug_field="code", read_only=True)
    job_url = serializers.SerializerMethodField()
    bills = serializers.SerializerMethodField()

    class Meta:
        model = StatementImport
        fields = [
            "id",
            "original_name",
            "sha256",
            "size",
            "format",
            "status",
            "customer",
            "bank",
            "card_last4",
            "parser_key",
            "template_version",
            "problems",
            "error_code",
            "error",
            "duplicate_of",
            "job",
            "job_url",
            "bills",
            "created_at",
            "processed_at",
        ]

    def get_job_url(self, statement: StatementImport) -> str | None:
        return f"/api/v1/jobs/{statement.job_id}/" if statement.job_id else None

    def get_bills(self, statement: StatementImport) -> list[int]:
        return [bill.pk for bill in statement.bills.all()]


class StatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The statement: PDF, Excel (.xlsx), CSV, or a bank export (OFX/QFX, "
        "CAMT.052/053/054 XML, MT940, QIF), recognised by its content whatever its name."
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(),
        required=False,
        allow_null=True,
        pk_field=serializers.IntegerField(),
    )
    bank = NullFreeSlugRelatedField(
        slug_field="code",
        queryset=Bank.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    # Used once to open the PDF; never stored, logged or echoed back.
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True
    )
    card_last4 = serializers.RegexField(
        r"^\d{4}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The card's last 4 digits, for exports that do not print the card number.",
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class TransactionSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="card.bank.code", read_only=True)
    card_last4 = serializers.CharField(source="card.last4", read_only=True)
    fx_rate = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        read_only=True,
        allow_null=True,
        help_text="Statement-currency units per unit of fx_currency, as the bank converted it.",
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "bill",
            "card",
            "bank",
            "card_last4",
            "posting_date",
            "transaction_date",
            "description",
            "amount",
            "direction",
            "category",
            "merchant",
            "fx_amount",
            "fx_currency",
            "fx_rate",
            "source_page",
            "source_line",
            "raw_text",
            "occurrence",
        ]


class BillSerializer(serializers.ModelSerializer):
    card = CreditCardSerializer(read_only=True)
    reconciliation = serializers.SerializerMethodField()

    class Meta:
        model = Bill
        fields = [
            "id",
            "card",
            "account_kind",
            "statement_import",
            "statement_date",
            "due_date",
            "period_start",
            "previous_balance",
            "total_debits",
            "total_credits",
            "new_balance",
            "minimum_payment",
            "currency",
            "status",
            "problems",
            "reconciliation",
            "created_at",
        ]

    def get_reconciliation(self, bill: Bill) -> dict:
        # The balance equation as billing.reconciliation computes it: the workbench shows
        # these figures and its verdict, it does not recompute them.
        reconciliation = stored_bill_reconciliation(bill)
        return {
            "previous_balance": _money(reconciliation.previous_balance),
            "debits": _money(reconciliation.debits),
            "credits": _money(reconciliation.credits),
            "expected_new_balance": _money(reconciliation.expected_new_balance),
            "printed_new_balance": _money(reconciliation.printed_new_balance),
            "difference": _money(reconciliation.difference),
            "printed_total_debits": _money(bill.printed_total_debits),
            "printed_total_credits": _money(bill.printed_total_credits),
            "balanced": reconciliation.balanced,
        }


class BillDetailSerializer(BillSerializer):
    transactions = TransactionSerializer(many=True, read_only=True)

    class Meta(BillSerializer.Meta):
        fields = [*BillSerializer.Meta.fields, "transactions"]


class DashboardFilterSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_RANGE["max_value"]
    )
    bank = serializers.SlugField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict) -> dict:
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError({"date_to": "must not be before date_from"})
        return attrs


class DashboardMonthlyFilterSerializer(DashboardFilterSerializer):
    """The summary's filters; the period is whole calendar months, by default the twelve that
    end with this one, at most MAX_MONTHS."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        last = _first_of_month(attrs.get("date_to") or timezone.localdate())
        first = _first_of_month(attrs["date_from"]) if attrs.get("date_from") else None
        count = (
            DEFAULT_MONTHS
            if first is None
            else (last.year - first.year) * 12 + last.month - first.month + 1
        )
        if count < 1:
            raise serializers.ValidationError({"date_from": "must not be after this month"})
        if count > MAX_MONTHS:
            raise serializers.ValidationError(
                {"date_from": f"At most {MAX_MONTHS} months at a time."}
            )
        # The series and its end bound (the first day after its last month) are dates too:
        # twelve months back from January of year 1, or up to December 9999, were a 500.
        if last.year * 12 + last.month - count < 12 or last >= date(MAXYEAR, 12, 1):
            raise serializers.ValidationError(
                {"date_to": "The months must lie within the years 1 to 9999."}
            )
        attrs["months"] = [add_months(last, offset) for offset in range(1 - count, 1)]
        return attrs


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


class DashboardCategorySerializer(serializers.Serializer):
    category = serializers.CharField(help_text="'' for rows without a category")
    transactions = serializers.IntegerField()
    charges = serializers.DecimalField(max_digits=16, decimal_places=2)
    payments = serializers.DecimalField(max_digits=16, decimal_places=2)


class DashboardMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    transactions = serializers.IntegerField()
    charges = serializers.DecimalField(max_digits=16, decimal_places=2)
    payments = serializers.DecimalField(max_digits=16, decimal_places=2)
    categories = DashboardCategorySerializer(many=True, help_text="The month's rows by category")


class DashboardMonthlySerializer(serializers.Serializer):
    months = DashboardMonthSerializer(many=True)


class DashboardSummarySerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    cards = serializers.IntegerField()
    bills = serializers.IntegerField()
    transactions = serializers.IntegerField()
    total_charges = serializers.DecimalField(max_digits=16, decimal_places=2)
    total_payments = serializers.DecimalField(max_digits=16, decimal_places=2)
    net_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    categories = DashboardCategorySerializer(
        many=True, help_text="Per-category totals over the same rows, largest charges first"
    )


def _money(value) -> str | None:
    return f"{value:.2f}" if value is not None else None
