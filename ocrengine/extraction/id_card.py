"""PRC resident ID cards: the printed fields, with the 18-character number's check digit and
the birth date and sex it encodes cross-checked against what is printed."""

from __future__ import annotations

from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction import prc_id
from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.labelled_fields import adjust, overall, read_fields
from ocrengine.extraction.result import ExtractedField, ExtractionResult
from ocrengine.extraction.spec import enabled_validators

# The cross-checks of an identity number (also run on PRC driving licences).
IDENTITY_VALIDATORS = frozenset({"prc_id_checksum", "id_birth_date_matches", "id_sex_matches"})


def extract_id_card(
    document: DocumentText, spec: dict[str, Any], *, pdf_bytes: bytes | None = None
) -> ExtractionResult:
    fields = read_fields(spec, document)
    checks = cross_check_identity(fields, enabled_validators(spec), number_field="id_number")
    return ExtractionResult(
        fields=fields, overall_confidence=overall(fields, spec, checks), checks=checks
    )


def cross_check_identity(
    fields: dict[str, ExtractedField], enabled: set[str], *, number_field: str
) -> list[dict]:
    """Check digit, then birth date and sex derived from the number against the printed ones.

    A printed value that is missing is filled from the number (source "derived"), since the
    number is authoritative once its check digit holds.
    """
    checks: list[dict] = []
    number_field_value = fields.get(number_field)
    number = prc_id.normalise_id(number_field_value.value if number_field_value else None)
    if number is None:
        return checks
    number_field_value.value = number
    if "prc_id_checksum" in enabled:
        ok = prc_id.is_valid_id(number)
        checks.append({"name": "prc_id_checksum", "ok": ok})
        adjust(number_field_value, ok)
        if not ok:
            return checks
    if "id_birth_date_matches" in enabled and "birth_date" in fields:
        checks.append(
            _agree(
                fields,
                "birth_date",
                prc_id.id_birth_date(number),
                "id_birth_date_matches",
                number_field_value,
            )
        )
    if "id_sex_matches" in enabled and "sex" in fields:
        printed = fields["sex"]
        printed.value = prc_id.normalise_sex(printed.value) or printed.value
        checks.append(
            _agree(fields, "sex", prc_id.id_sex(number), "id_sex_matches", number_field_value)
        )
    return checks


def _agree(
    fields: dict[str, ExtractedField],
    name: str,
    derived: str | None,
    check: str,
    number: ExtractedField,
) -> dict:
    printed = fields[name]
    if printed.value is None and derived is not None:
        fields[name] = ExtractedField(
            value=derived,
            confidence=round(number.confidence * 0.9, 3),
            page=number.page,
            box=number.box,
            source="derived",
        )
        return {"name": check, "ok": None, "derived": True}
    ok = printed.value == derived
    adjust(printed, ok)
    return {"name": check, "ok": ok}


EXTRACTOR = DocumentExtractor(
    name="id_card",
    extract=extract_id_card,
    fields=("id_number", "birth_date", "sex"),
    validators=IDENTITY_VALIDATORS,
)
