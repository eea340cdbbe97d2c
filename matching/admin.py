"""Receipt matches in the admin: filter them, confirm or reject through the same services."""

from django.contrib import admin, messages

from core.errors import DomainError
from matching.models import MatchRun, ReceiptMatch
from matching.services import match_confirm, match_reject


@admin.register(ReceiptMatch)
class ReceiptMatchAdmin(admin.ModelAdmin):
    list_display = [
        "id", "status", "score", "invoice", "transaction", "auto_confirmed", "decided_by",
        "decided_at",
    ]  # fmt: skip
    list_filter = [
        "status", "auto_confirmed", ("invoice__customer", admin.RelatedOnlyFieldListFilter),
        "transaction__card__bank", "created_at",
    ]  # fmt: skip
    search_fields = ["invoice__seller", "invoice__invoice_number", "transaction__description"]
    list_select_related = ["invoice", "transaction", "decided_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "invoice", "transaction", "score", "reasons", "status", "auto_confirmed", "decided_by",
        "decided_at", "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["confirm_selected", "reject_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # proposed by the matcher; decided through the actions

    def _decide(self, request, queryset, decide, verb: str) -> None:
        done, refused = 0, []
        for match in queryset:
            try:
                decide(match=match, decided_by=request.user)
                done += 1
            except DomainError as error:
                refused.append(f"#{match.pk}: {error.message}")
        self.message_user(request, f"{verb} {done} match(es).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Refused " + "; ".join(refused), messages.WARNING)

    @admin.action(description="Confirm the selected matches")
    def confirm_selected(self, request, queryset) -> None:
        self._decide(request, queryset, match_confirm, "Confirmed")

    @admin.action(description="Reject the selected matches")
    def reject_selected(self, request, queryset) -> None:
        self._decide(request, queryset, match_reject, "Rejected")


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = ["id", "trigger", "customer", "date_from", "date_to", "job", "finished_at"]
    list_filter = ["trigger"]
    list_select_related = ["customer", "job"]
    readonly_fields = [
        "trigger", "customer", "date_from", "date_to", "source_id", "outcome", "job",
        "requested_by", "created_at", "finished_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False
