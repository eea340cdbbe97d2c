"""Operator views of banks, cards, imports, bills and transactions. Bills and rows come from
statements: the admin shows them, it does not invent or edit money."""

from django.contrib import admin

from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "is_active"]
    list_filter = ["is_active", "country"]
    search_fields = ["code", "name"]


@admin.register(CreditCard)
class CreditCardAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "holder", "credit_limit", "created_at"]
    list_filter = ["bank"]
    search_fields = ["last4", "holder", "customer__name"]
    list_select_related = ["bank", "customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["bank", "last4", "created_at"]


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "bank", "format", "customer", "created_at"]
    list_filter = ["status", "format", "bank"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["bank", "customer"]
    readonly_fields = [
        "file", "parse_file", "original_name", "sha256", "parse_sha256", "size", "format",
        "status", "bank", "parser_key", "template_version", "problems", "error_code", "error",
        "duplicate_of", "uploaded_by", "job", "created_at", "processed_at", "card_last4",
    ]  # fmt: skip
    fields = [*readonly_fields, "customer"]

    def has_add_permission(self, request) -> bool:
        return False  # uploads go through the import service (API / workbench)


class TransactionInline(admin.TabularInline):
    model = Transaction
    extra = 0
    can_delete = False
    fields = ["transaction_date", "posting_date", "description", "amount", "direction",
              "source_page", "source_line", "occurrence"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = [
        "card", "statement_date", "account_kind", "status", "previous_balance", "new_balance",
    ]  # fmt: skip
    list_filter = ["status", "account_kind", "card__bank"]
    date_hierarchy = "statement_date"
    list_select_related = ["card__bank"]
    search_fields = ["card__last4", "card__customer__name"]
    inlines = [TransactionInline]
    readonly_fields = [
        "card", "account_kind", "statement_import", "statement_date", "due_date", "period_start",
        "previous_balance", "total_debits", "total_credits", "printed_total_debits",
        "printed_total_credits", "new_balance", "minimum_payment", "currency", "status",
        "problems", "fingerprint", "created_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = [
        "transaction_date", "card", "description", "amount", "direction", "fx_amount",
        "fx_currency", "fx_rate",
    ]  # fmt: skip
    list_filter = ["direction", "card__bank"]
    search_fields = ["description", "card__last4"]
    date_hierarchy = "transaction_date"
    list_select_related = ["card__bank"]
    readonly_fields = [f.name for f in Transaction._meta.fields if f.name != "category"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A row belongs to its statement: removing one would break the bill's reconciliation
        # and the sums it keeps. Re-import (or delete the bill) instead.
        return False
