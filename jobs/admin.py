"""Background jobs in the operator console: filter by status and kind, search, retry failures
and jobs left running by a worker that is gone (stale)."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import ConflictError
from jobs.models import ProcessingJob
from jobs.services import job_retry


@admin.register(ProcessingJob)
class ProcessingJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "max_attempts", "target", "error_code",
                    "created_by", "created_at", "duration"]  # fmt: skip
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["=id", "kind", "error_code", "error", "target_type", "=target_id"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["retry_failed"]
    readonly_fields = [field.name for field in ProcessingJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Jobs are created by services with a registered handler, never by hand.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Target")
    def target(self, job: ProcessingJob) -> str:
        return f"{job.target_type} #{job.target_id}" if job.target_type else "—"

    @admin.display(description="Duration (s)")
    def duration(self, job: ProcessingJob) -> str:
        return f"{job.duration_s:.1f}" if job.duration_s is not None else "—"

    @admin.action(description="Retry selected failed or stale jobs", permissions=["view"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[ProcessingJob]) -> None:
        retried, skipped = 0, 0
        for job in queryset:
            try:
                with transaction.atomic():
                    job_retry(job=job)
                retried += 1
            except ConflictError:
                skipped += 1
        if retried:
            self.message_user(request, f"Queued {retried} job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} job(s) that had not failed and are not stale.",
                messages.WARNING,
            )
