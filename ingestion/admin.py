"""Mailboxes, watched folders and what they took in. A mailbox's password is write-only: the
form takes a new one and never shows the stored one (left empty, it stays as it is)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from .models import IngestedItem, Mailbox, WatchedFolder
from .services import folder_scan, mailbox_poll


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown. Leave empty to keep the stored password.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "customer", "name", "host", "port", "security", "username", "password", "folder",
            "kind", "processed_keyword", "move_to", "is_active",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["password"] = ""  # never put the stored secret into the page

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            return password
        if not self.instance.pk:
            raise forms.ValidationError("A new mailbox needs its password.")
        stored = Mailbox.objects.get(pk=self.instance.pk).password
        if not isinstance(stored, str) or not stored:
            raise forms.ValidationError(
                "The stored password cannot be decrypted with FIELD_ENCRYPTION_KEYS; enter it again."
            )
        return stored  # unchanged (encrypted afresh on save)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["__str__", "customer", "host", "folder", "kind", "is_active", "last_polled_at", "last_error"]  # fmt: skip
    list_filter = ["is_active", "kind", "security"]
    search_fields = ["name", "host", "username", "customer__name"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]

    @admin.action(description="Poll now")
    def poll_now(self, request, queryset):
        for mailbox in queryset.select_related("customer"):
            result = mailbox_poll(mailbox=mailbox)
            if result.error:
                self.message_user(request, f"{mailbox}: {result.error}", messages.ERROR)
            elif result.busy:
                self.message_user(request, f"{mailbox}: another poll is running", messages.WARNING)
            else:
                counts = ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items()))
                self.message_user(
                    request, f"{mailbox}: {result.messages} messages; {counts or 'nothing new'}"
                )


@admin.register(WatchedFolder)
class WatchedFolderAdmin(admin.ModelAdmin):
    list_display = ["path", "customer", "kind", "is_active", "last_scanned_at", "last_error"]
    list_filter = ["is_active", "kind"]
    search_fields = ["path", "customer__name"]
    readonly_fields = ["last_scanned_at", "last_error"]
    actions = ["scan_now"]

    @admin.action(description="Scan now")
    def scan_now(self, request, queryset):
        for folder in queryset.select_related("customer"):
            result = folder_scan(folder=folder)
            if result.error:
                self.message_user(request, f"{folder}: {result.error}", messages.ERROR)
            elif result.busy:
                self.message_user(request, f"{folder}: another scan is running", messages.WARNING)
            else:
                counts = ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items()))
                self.message_user(
                    request,
                    f"{folder}: {counts or 'nothing new'}; {result.settling} still settling",
                )


@admin.register(IngestedItem)
class IngestedItemAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "mailbox", "folder", "filename", "outcome", "error_code", "invoice", "statement_import"]  # fmt: skip
    list_filter = ["source", "outcome", "error_code"]
    search_fields = ["filename", "message_id", "path", "sha256"]
    list_select_related = ["mailbox", "folder", "invoice", "statement_import"]
    date_hierarchy = "created_at"

    # The record of what was taken in: written by the services only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
