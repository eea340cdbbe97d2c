"""Exports: a file of records in one of the formats (exports/formats/), answered at once or,
past EXPORT_SYNC_MAX_ROWS, built by a job (`export.build`) and downloaded from its URL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import DomainError
from exports.formats import DATASETS, FORMATS, ZIP, ExportFormat, formats_for
from exports.models import Export
from exports.rows import Links
from exports.selectors import export_records
from jobs.models import ProcessingJob
from jobs.registry import PermanentJobError
from jobs.services import job_create

EXPORT_BUILD_JOB = "export.build"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    data: bytes
    rows: int


def export_format(*, dataset: str, name: str) -> ExportFormat:
    """The format `name` for `dataset`; 400 `unsupported_export_format` naming those there are."""
    spec = FORMATS.get(name)
    if dataset not in DATASETS or spec is None or dataset not in spec.datasets:
        raise DomainError(
            f"{name!r} is no export format for {dataset}.",
            code="unsupported_export_format",
            details={"format": name, "formats": formats_for(dataset)},
        )
    return spec


def export_links(base_url: str = "") -> Links:
    return Links((settings.EXPORT_BASE_URL or base_url).rstrip("/"))


def export_check_size(rows: int) -> None:
    limit = settings.EXPORT_MAX_ROWS
    if rows > limit:
        raise DomainError(
            f"{rows} rows to export; one export holds at most {limit}. Narrow the filters.",
            code="export_too_large",
            details={"rows": rows, "limit": limit},
        )


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M%S")


def export_file(*, dataset: str, spec: ExportFormat, records: Iterable, links: Links) -> ExportFile:
    """`records` written as `spec`: a per-invoice XML format gives one document for one invoice
    and a ZIP of documents (named by invoice id) for several."""
    base = f"{dataset}-{spec.name}-{_stamp()}"
    if isinstance(records, QuerySet) and not spec.uses_lines:
        records = records.prefetch_related(None)  # the lines are not written: not fetched
    if not spec.per_record:
        counted = _Counted(records)
        data = spec.write(dataset, counted, links)
        return ExportFile(f"{base}.{spec.extension}", spec.content_type, data, counted.seen)
    documents = [(record, spec.write(record, links)) for record in records]
    if len(documents) == 1:
        record, data = documents[0]
        return ExportFile(f"invoice-{record.pk}-{spec.name}.xml", spec.content_type, data, 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record, data in documents:
            archive.writestr(f"invoice-{record.pk}-{spec.name}.xml", data)
    return ExportFile(f"{base}.zip", ZIP, out.getvalue(), len(documents))


class _Counted:
    """Iterates the records once (chunked from the database) and counts them."""

    def __init__(self, records: Iterable) -> None:
        self.records = records
        self.seen = 0

    def __iter__(self):
        iterator = (
            self.records.iterator(chunk_size=2000)
            if isinstance(self.records, QuerySet)
            else iter(self.records)
        )
        for record in iterator:
            self.seen += 1
            yield record


def export_now(*, dataset: str, format_name: str, records: QuerySet, base_url: str) -> ExportFile:
    """The file for `records` at once (the API's small exports, the admin's actions)."""
    spec = export_format(dataset=dataset, name=format_name)
    return export_file(dataset=dataset, spec=spec, records=records, links=export_links(base_url))


def export_request(
    *, dataset: str, format_name: str, params: dict, requested_by, base_url: str
) -> Export:
    """Queue an export built by a job: the same filters, applied again as the same user when
    the job runs."""
    export_format(dataset=dataset, name=format_name)
    with transaction.atomic():
        export = Export.objects.create(
            dataset=dataset, format=format_name, params=params, base_url=base_url,
            requested_by=requested_by,
        )  # fmt: skip
        export.job = job_create(kind=EXPORT_BUILD_JOB, target=export, created_by=requested_by)
        export.save(update_fields=["job"])
    return export


def export_build(job: ProcessingJob) -> dict:
    """Job handler for `export.build`; idempotent (a ready export is left as it is, a rerun
    writes the file again)."""
    export = Export.objects.filter(pk=job.target_id).first()
    if export is None:
        return {"skipped": "export_deleted"}
    if export.status == Export.Status.READY:
        return {"export_id": export.pk, "rows": export.rows}
    user = get_user_model().objects.filter(pk=export.requested_by_id, is_active=True).first()
    if user is None:
        raise PermanentJobError("requester_gone", "The account that asked for it is gone.")
    spec = export_format(dataset=export.dataset, name=export.format)
    records = export_records(dataset=export.dataset, user=user, params=export.params)
    try:
        made = export_file(
            dataset=export.dataset, spec=spec, records=records, links=export_links(export.base_url)
        )
    except DomainError as error:
        raise PermanentJobError(error.code, error.message) from None
    export.file.save(f"{export.pk}-{made.filename}", ContentFile(made.data), save=False)
    export.filename, export.content_type, export.rows = made.filename, made.content_type, made.rows
    export.status, export.finished_at = Export.Status.READY, timezone.now()
    export.save()
    return {"export_id": export.pk, "rows": made.rows, "bytes": len(made.data)}


def export_build_failed(job: ProcessingJob) -> None:
    Export.objects.filter(pk=job.target_id).update(
        status=Export.Status.FAILED, error=job.error, finished_at=timezone.now()
    )
