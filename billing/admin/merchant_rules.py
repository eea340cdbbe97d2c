"""Merchant rules in the admin: edit them, and re-run them over the stored transactions."""

from django.contrib import admin, messages

from billing.models import MerchantRule, Transaction
from billing.services.merchant_rules import merchant_rules_apply


@admin.register(MerchantRule)
class MerchantRuleAdmin(admin.ModelAdmin):
    list_display = [
        "pattern", "match_kind", "category", "merchant", "customer", "amount_min", "amount_max",
        "priority", "is_active",
    ]  # fmt: skip
    list_filter = ["is_active", "match_kind", "category"]
    search_fields = ["pattern", "category", "merchant", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["apply_selected"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Apply the selected rules to uncategorised transactions")
    def apply_selected(self, request, queryset) -> None:
        # The selected rules decide only rows that no rule has categorised yet; all active
        # rules take part, so priorities hold as on import.
        customers = set(queryset.values_list("customer_id", flat=True))
        rows = Transaction.objects.all()
        if None not in customers:
            rows = rows.filter(card__customer__in=customers)
        outcome = merchant_rules_apply(queryset=rows)
        self.message_user(
            request,
            f"Checked {outcome['checked']} transaction(s), categorised {outcome['updated']}.",
            messages.SUCCESS,
        )
