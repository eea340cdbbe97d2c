"""Masking of sensitive field values for callers without `ocrengine.view_sensitive_fields`.

Long identifiers keep their first three and last four characters (`110***********1234`), the
way banks print card and ID numbers; shorter values keep less; dates lose every digit.
"""

from __future__ import annotations

import re

from accounts.roles import ANALYSIS_SENSITIVE_PERMISSION

SENSITIVE_PERMISSION = ".".join(ANALYSIS_SENSITIVE_PERMISSION)  # for user.has_perm()


def mask_value(value: str, field_type: str = "string") -> str:
    if field_type == "date":
        return re.sub(r"\d", "*", value)
    size = len(value)
    if size <= 2:
        return value[:1] + "*" * (size - 1)
    if size <= 6:
        return value[0] + "*" * (size - 2) + value[-1]
    if size < 10:
        return value[:2] + "*" * (size - 4) + value[-2:]
    return value[:3] + "*" * (size - 7) + value[-4:]


def mask_fields(
    fields: dict[str, str | None], sensitive: tuple[str, ...], types: dict[str, str]
) -> tuple[dict[str, str | None], list[str]]:
    """(masked copy of `fields`, names of the fields that were masked)."""
    masked: list[str] = []
    result = dict(fields)
    for name in sensitive:
        value = result.get(name)
        if value:
            result[name] = mask_value(str(value), types.get(name, "string"))
            masked.append(name)
    return result, masked
