"""Bank templates: new versions, publishing, a dry-run preview, export and import."""

from __future__ import annotations

import copy

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from billing.models import Bank, BankTemplate
from billing.parsers import parse_statement, statement_status, validate_template
from billing.services.files import statement_file_open
from billing.services.presenting import parsed_statement_as_dict
from core.errors import ConflictError, DomainError, PayloadTooLargeError
from ocrengine.documents import DocumentError


def template_validate(*, spec: object, bank: Bank | None = None) -> dict:
    """The spec as a dict, or 400 `invalid_template` listing every error found."""
    errors = _spec_errors(spec)
    if not errors and bank is not None and spec.get("bank") != bank.code:
        errors = [f"spec.bank is {spec.get('bank')!r} but the template belongs to {bank.code!r}."]
    if errors:
        raise DomainError(
            "The template spec is not valid.", code="invalid_template", details={"errors": errors}
        )
    return spec


def _spec_errors(spec: object) -> list[str]:
    if not isinstance(spec, dict):
        return ["The spec must be a JSON object."]
    try:
        return validate_template(spec)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        # A spec of the wrong shape (a string where an object belongs) can trip the validator
        # itself; it is still the user's input that is wrong, so it is still a 400.
        return [f"The spec has the wrong shape: {type(error).__name__}: {error}"]


@transaction.atomic
def template_create_version(
    *, bank: Bank, spec: object, notes: str = "", created_by=None
) -> BankTemplate:
    """Save `spec` as the bank's next version, as a draft (publishing is a separate step).
    The spec's own `version` is set to the version it is saved as."""
    spec = copy.deepcopy(template_validate(spec=spec, bank=bank))
    Bank.objects.select_for_update().filter(pk=bank.pk).first()  # serialise version numbers
    latest = BankTemplate.objects.filter(bank=bank).aggregate(v=Max("version"))["v"] or 0
    spec["version"] = latest + 1
    return BankTemplate.objects.create(
        bank=bank,
        version=latest + 1,
        status=BankTemplate.Status.DRAFT,
        spec=spec,
        notes=notes[:200],
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )


def template_publish(*, template: BankTemplate) -> BankTemplate:
    """Make `template` its bank's only active version; the one it replaces is archived.

    A template made by example (one with a `sample`) is published only if the dry run on its
    sample is `verified` with it: otherwise 409 `template_not_reconciling`, naming the
    problems, and nothing changes. The sample is read before any row is locked."""
    if template.sample_id is not None:
        template_sample_check(template=template)
    return _publish(template)


def template_sample_check(*, template: BankTemplate) -> dict:
    """The dry run of `template` on its sample; raises 409 unless it reproduces reconciling
    bills (status `verified`, read by this template, not the generic fallback)."""
    from billing.services.template_examples import sample_bytes

    sample = template.sample
    if sample is None:
        raise ConflictError(
            "The template's sample statement is gone; make the template again from a sample.",
            code="template_sample_missing",
        )
    result = template_preview(
        spec=template.spec, data=sample_bytes(sample), filename=sample.original_name
    )
    if result["status"] != "verified" or not result["template_matched"]:
        problems = [p for p in result["problems"] if p.get("severity") == "error"]
        if not problems:
            problems = [{
                "code": "needs_review",
                "message": f"The dry run ends in {result['status']!r}, not 'verified'.",
                "severity": "error",
            }]  # fmt: skip
        if not result["template_matched"]:
            problems.insert(0, {
                "code": "markers_not_matched",
                "message": "The detection markers do not match the sample.",
                "severity": "error",
            })  # fmt: skip
        raise ConflictError(
            f"{template.bank.code} v{template.version} does not read its sample (statement "
            f"import #{sample.pk}) into reconciling bills: "
            + "; ".join(p["message"] for p in problems[:5]),
            code="template_not_reconciling",
            details={"status": result["status"], "sample": sample.pk, "problems": problems},
        )
    return result


@transaction.atomic
def _publish(template: BankTemplate) -> BankTemplate:
    template = BankTemplate.objects.select_for_update().get(pk=template.pk)
    template_validate(spec=template.spec, bank=template.bank)
    BankTemplate.objects.filter(bank=template.bank, status=BankTemplate.Status.ACTIVE).exclude(
        pk=template.pk
    ).update(status=BankTemplate.Status.ARCHIVED)
    template.status = BankTemplate.Status.ACTIVE
    template.save(update_fields=["status"])
    return template


def template_preview(
    *, spec: object, data: bytes, filename: str, password: str | None = None
) -> dict:
    """Parse a sample with `spec` alone and return the bills, rows and checks. Saves nothing.

    The sample is held to UPLOAD_MAX_BYTES like an import (413 `file_too_large`); its lines are
    cut to MAX_LINE_CHARS and the spec's regexes run under TEMPLATE_REGEX_TIMEOUT_S: a pattern
    that runs past it is a 400 `pattern_timeout`.
    """
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLargeError(
            f"The sample is {len(data)} bytes; the limit is {settings.UPLOAD_MAX_BYTES}.",
            details={"limit": settings.UPLOAD_MAX_BYTES},
        )
    spec = template_validate(spec=spec)
    opened = statement_file_open(data=data, filename=filename, password=password)
    try:
        parsed = parse_statement(
            opened.decrypted or opened.data,
            filename=filename,
            templates=[spec],
            bank_code=spec["bank"],
        )
    except DocumentError as error:
        raise DomainError(error.message, code=error.code, details=error.details) from None
    status, problems = statement_status(parsed)
    result = parsed_statement_as_dict(parsed)
    result["template_matched"] = parsed.bank_code == spec["bank"]
    result["status"] = status
    result["problems"] = problems
    return result


EXPORT_FORMAT = "ledgerlens.bank_templates"
EXPORT_VERSION = 1


def templates_export(*, bank_codes: list[str] | None = None) -> dict:
    """Every version of every (or the given) bank's templates, in a file `templates_import`
    reads back."""
    templates = BankTemplate.objects.select_related("bank").order_by("bank__code", "version")
    if bank_codes:
        templates = templates.filter(bank__code__in=bank_codes)
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "templates": [
            {
                "bank": t.bank.code,
                "bank_name": t.bank.name,
                "version": t.version,
                "status": t.status,
                "notes": t.notes,
                "spec": t.spec,
            }
            for t in templates
        ],
    }


def templates_import(*, document: object, created_by=None) -> dict:
    """Load an export. All or nothing: any malformed entry or conflicting version (same bank
    and version, different spec) refuses the whole file with a report of every problem.
    Versions already present with the same spec are left alone."""
    entries = _entries(document)
    report = {"created": [], "unchanged": [], "published": [], "errors": []}
    with transaction.atomic():
        for index, entry in enumerate(entries):
            _import_entry(index, entry, report, created_by)
        if report["errors"]:
            transaction.set_rollback(True)
    if report["errors"]:
        raise ConflictError(
            f"{len(report['errors'])} problem(s); nothing was imported.",
            code="template_import_refused",
            details={"errors": report["errors"]},
        )
    return report


def _entries(document: object) -> list:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise DomainError(
            f"Not a bank template export (expected format {EXPORT_FORMAT!r}).",
            code="invalid_template_file",
        )
    if document.get("format_version") != EXPORT_VERSION:
        raise DomainError(
            f"Unsupported export version {document.get('format_version')!r}.",
            code="invalid_template_file",
        )
    entries = document.get("templates")
    if not isinstance(entries, list):
        raise DomainError("`templates` must be a list.", code="invalid_template_file")
    return entries


def _import_entry(index: int, entry: object, report: dict, created_by) -> None:
    where = f"templates[{index}]"
    if not isinstance(entry, dict):
        report["errors"].append(f"{where}: not an object.")
        return
    bank_code, version, spec = entry.get("bank"), entry.get("version"), entry.get("spec")
    status = entry.get("status", BankTemplate.Status.DRAFT)
    where = f"{where} ({bank_code} v{version})"
    problems = _entry_problems(bank_code, version, spec, status)
    if problems:
        report["errors"] += [f"{where}: {p}" for p in problems]
        return
    bank, _ = Bank.objects.get_or_create(
        code=bank_code, defaults={"name": str(entry.get("bank_name") or bank_code)[:100]}
    )
    existing = BankTemplate.objects.filter(bank=bank, version=version).first()
    if existing is not None:
        if existing.spec != spec:
            report["errors"].append(
                f"{where}: version {version} already exists with a different spec; "
                "export it, or import this one as a new version."
            )
        else:
            report["unchanged"].append(f"{bank_code} v{version}")
        return
    template = BankTemplate.objects.create(
        bank=bank,
        version=version,
        spec=spec,
        notes=str(entry.get("notes", ""))[:200],
        status=BankTemplate.Status.DRAFT,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    report["created"].append(f"{bank_code} v{version}")
    if status == BankTemplate.Status.ACTIVE:
        template_publish(template=template)
        report["published"].append(f"{bank_code} v{version}")
    elif status == BankTemplate.Status.ARCHIVED:
        template.status = status
        template.save(update_fields=["status"])


def _entry_problems(bank_code: object, version: object, spec: object, status: object) -> list[str]:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return ["version must be a positive integer."]
    if status not in BankTemplate.Status.values:
        return [f"status must be one of {', '.join(BankTemplate.Status.values)}."]
    if not isinstance(spec, dict):
        return ["spec must be an object."]
    problems = _spec_errors(spec)
    if spec.get("bank") != bank_code:
        problems.append(f"spec.bank {spec.get('bank')!r} differs from bank {bank_code!r}.")
    if spec.get("version", version) != version:
        problems.append(f"spec.version {spec.get('version')!r} differs from version {version}.")
    return problems
