"""Webhook subscribers and the delivery log (status code, attempt, error, duration) in the
operator console; deliveries can be sent again (action)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.errors import DomainError
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_redeliver, webhook_subscription_validate


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    # Write-only: the stored secret is never shown; left empty on a change, it is kept.
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Signs every delivery (HMAC-SHA256). Leave empty to keep the current one.",
    )
    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "event_types", "is_active"]

    def clean(self):
        data = super().clean()
        if not data.get("secret") and not (self.instance.pk and self.instance.secret):
            self.add_error("secret", "A new subscription needs a secret.")
        try:
            webhook_subscription_validate(
                url=data.get("url") or "", event_types=data.get("event_types") or []
            )
        except DomainError as error:
            raise ValidationError(error.message) from None
        return data

    def save(self, commit=True):
        secret = self.cleaned_data.get("secret")
        if not secret and self.instance.pk:
            # Keep the stored secret: the form's empty value must not overwrite it.
            self.instance.secret = WebhookSubscription.objects.get(pk=self.instance.pk).secret
        return super().save(commit=commit)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "is_active", "events", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]

    @admin.display(description="Events")
    def events(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.event_types)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "started_at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id", "event", "subscription", "status", "attempts", "last_status_code", "last_error",
        "last_duration_ms", "next_attempt_at", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "event", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["event_id", "body"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Redeliver selected deliveries now")
    def redeliver_selected(self, request, queryset) -> None:
        count = 0
        for delivery in queryset:
            webhook_redeliver(delivery=delivery)
            count += 1
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
