"""Driver licences: printed fields; a PRC licence number is the holder's ID number, so it is
checked the same way, and the validity period must run forwards."""

from __future__ import annotations

from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction import prc_id
from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.id_card import IDENTITY_VALIDATORS, cross_check_identity
from ocrengine.extraction.labelled_fields import date_order_check, overall, read_fields
from ocrengine.extraction.result import ExtractionResult
from ocrengine.extraction.spec import enabled_validators


def extract_driver_license(
    document: DocumentText, spec: dict[str, Any], *, pdf_bytes: bytes | None = None
) -> ExtractionResult:
    fields = read_fields(spec, document)
    enabled = enabled_validators(spec)
    checks: list[dict] = []
    number = fields.get("license_number")
    # Only PRC licences carry an ID number; other countries' formats are left unchecked.
    if number is not None and prc_id.normalise_id(number.value):
        checks += cross_check_identity(fields, enabled, number_field="license_number")
    if "expiry_after_issue" in enabled:
        order = date_order_check(
            fields, "issue_date", "expiry_date", "expiry_after_issue", strict=True
        )
        checks += [order] if order else []
    return ExtractionResult(
        fields=fields, overall_confidence=overall(fields, spec, checks), checks=checks
    )


EXTRACTOR = DocumentExtractor(
    name="driver_license",
    extract=extract_driver_license,
    fields=("license_number", "birth_date", "sex", "issue_date", "expiry_date"),
    validators=IDENTITY_VALIDATORS | {"expiry_after_issue"},
)
