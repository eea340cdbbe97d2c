"""System checks for the document analysis API's settings (run by `manage.py check` and
`migrate`, so a deploy with an unsafe llm endpoint or a nonsensical limit stops before it
serves)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from ocrengine.services.llm import llm_url_problem


@register()
def llm_settings_are_safe(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.LLM_BASE_URL:
        problem = llm_url_problem(settings.LLM_BASE_URL)
        if problem:
            errors.append(
                Error(
                    f"{problem}; it is {settings.LLM_BASE_URL!r}.",
                    hint="The API key and the documents would travel in clear text.",
                    id="ocrengine.E001",
                )
            )
    for name in ("LLM_TOTAL_TIMEOUT_S", "LLM_MAX_INPUT_CHARS"):
        if getattr(settings, name) <= 0:
            errors.append(Error(f"{name} must be greater than 0.", id="ocrengine.E002"))
    if settings.ANALYSIS_LOG_RETENTION_DAYS < 0:
        errors.append(
            Error("ANALYSIS_LOG_RETENTION_DAYS must be 0 (keep all) or more.", id="ocrengine.E003")
        )
    return errors
