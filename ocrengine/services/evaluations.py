"""Template evaluations started from the admin: an uploaded labelled set (zip) is unpacked
safely in a background job and scored with `ocrengine.evaluation`, the same rules as
`manage.py evaluate_templates`."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.errors import DomainError, PayloadTooLargeError
from jobs.models import ProcessingJob
from jobs.registry import PermanentJobError
from jobs.services import job_create
from ocrengine.evaluation import ManifestError, evaluate_specs, read_manifest
from ocrengine.models import DocumentType, PromptTemplate, TemplateEvaluation

TEMPLATE_EVALUATE_JOB = "template.evaluate"
MAX_ARCHIVE_MEMBERS = 2000
MAX_UNPACKED_BYTES = 500 * 1024 * 1024


def _versions(document_type: DocumentType, versions: list[int]) -> list[int]:
    if not versions:
        default = document_type.templates.filter(is_default=True).first()
        if default is None:
            raise DomainError(
                f"{document_type.code} has no default template; choose versions.",
                code="no_active_template",
            )
        return [default.version]
    known = set(
        document_type.templates.filter(version__in=versions).values_list("version", flat=True)
    )
    missing = sorted(set(versions) - known)
    if missing:
        raise DomainError(
            f"{document_type.code} has no version {missing}.", code="template_version_not_found"
        )
    return versions


def _check_archive(archive: UploadedFile) -> None:
    if archive.size > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLargeError(f"The archive is larger than {settings.UPLOAD_MAX_BYTES} bytes.")
    if not zipfile.is_zipfile(archive):
        raise DomainError(
            "Upload a .zip holding MANIFEST.tsv, the documents and their ground truth.",
            code="invalid_archive",
        )
    archive.seek(0)
    with zipfile.ZipFile(archive) as bundle:
        if not any(PurePosixPath(n).name == "MANIFEST.tsv" for n in bundle.namelist()):
            raise DomainError("The archive has no MANIFEST.tsv.", code="invalid_archive")
    archive.seek(0)


@transaction.atomic
def template_evaluation_start(
    *, document_type: DocumentType, versions: list[int], archive: UploadedFile, started_by=None
) -> TemplateEvaluation:
    """Store the labelled set and queue its evaluation; bad uploads are refused up front."""
    _check_archive(archive)
    evaluation = TemplateEvaluation.objects.create(
        document_type=document_type,
        versions=_versions(document_type, versions),
        archive=archive,
        created_by=started_by if started_by and started_by.is_authenticated else None,
    )
    evaluation.job = job_create(
        kind=TEMPLATE_EVALUATE_JOB, target=evaluation, created_by=started_by
    )
    evaluation.save(update_fields=["job"])
    return evaluation


def _unpack(archive_path: Path, into: Path) -> Path:
    """Extract with limits; members with absolute or parent paths are refused. Returns the
    manifest's path."""
    with zipfile.ZipFile(archive_path) as bundle:
        members = bundle.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise PermanentJobError("invalid_archive", f"more than {MAX_ARCHIVE_MEMBERS} files")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise PermanentJobError("invalid_archive", "the archive unpacks too large")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise PermanentJobError("invalid_archive", f"unsafe path {member.filename!r}")
        bundle.extractall(into)
    manifests = sorted(into.rglob("MANIFEST.tsv"), key=lambda p: len(p.parts))
    if not manifests:
        raise PermanentJobError("invalid_archive", "no MANIFEST.tsv in the archive")
    return manifests[0]


def template_evaluation_run(job: ProcessingJob) -> dict:
    """Job handler for `template.evaluate`: score the versions on the labelled set and store the
    report on the evaluation; a bad archive or manifest fails the job permanently."""
    evaluation = TemplateEvaluation.objects.select_related("document_type").get(pk=job.target_id)
    templates = PromptTemplate.objects.filter(
        document_type=evaluation.document_type, version__in=evaluation.versions
    )
    specs = {
        t.version: t.spec
        for t in sorted(templates, key=lambda t: evaluation.versions.index(t.version))
    }
    with tempfile.TemporaryDirectory(prefix="ledgerlens-eval-") as folder:
        with evaluation.archive.open("rb") as stored, open(Path(folder) / "set.zip", "wb") as copy:
            copy.write(stored.read())
        manifest = _unpack(Path(folder) / "set.zip", Path(folder) / "set")
        try:
            documents = read_manifest(manifest)
        except ManifestError as error:
            raise PermanentJobError("invalid_manifest", str(error)) from None
        report = evaluate_specs(
            document_type=evaluation.document_type.code, documents=documents, specs=specs
        )
    evaluation.report = {**report.as_dict(), "table": report.table()}
    evaluation.save(update_fields=["report"])
    return {
        "evaluation": evaluation.pk,
        "versions": [{"version": s.version, "field_accuracy": s.accuracy} for s in report.scores],
    }


def template_evaluation_failed(job: ProcessingJob) -> None:
    TemplateEvaluation.objects.filter(pk=job.target_id).update(error=job.error[:2000])
