"""Bank statement headers (not the transactions, which billing parses): bank, holder, account,
period and balances; the period must run forwards."""

from __future__ import annotations

import re
from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.labelled_fields import date_order_check, overall, read_fields
from ocrengine.extraction.result import ExtractionResult
from ocrengine.extraction.spec import enabled_validators


def extract_bank_statement(
    document: DocumentText, spec: dict[str, Any], *, pdf_bytes: bytes | None = None
) -> ExtractionResult:
    fields = read_fields(spec, document)
    for name in ("account_number", "card_number"):
        field = fields.get(name)
        if field is not None and field.value:
            field.value = re.sub(r"[\s-]", "", field.value)
    checks: list[dict] = []
    if "period_order" in enabled_validators(spec):
        order = date_order_check(fields, "period_start", "period_end", "period_order", strict=False)
        checks += [order] if order else []
    return ExtractionResult(
        fields=fields, overall_confidence=overall(fields, spec, checks), checks=checks
    )


EXTRACTOR = DocumentExtractor(
    name="bank_statement",
    extract=extract_bank_statement,
    fields=("account_number", "card_number", "period_start", "period_end"),
    validators=frozenset({"period_order"}),
)
