"""The `llm` extraction backend: an OpenAI-compatible chat-completions endpoint.

Guarantees: a call either returns values for exactly the template's fields, each normalised to
its type, or raises `LlmFailure` with a short reason (timeout, HTTP status, malformed output);
transient failures (timeouts, connection errors, 429, 5xx) are retried with exponential
back-off up to LLM_MAX_RETRIES times; nothing is retried for a malformed answer.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ocrengine.extraction_other.common import normalise

SYSTEM_PROMPT = (
    "You extract fields from document text. Answer with a single JSON object and nothing else."
)
MAX_BACKOFF_S = 8.0
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class LlmFailure(Exception):
    """The endpoint could not give a usable answer; `reason` goes to AnalysisLog."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


@dataclass(frozen=True)
class LlmSettings:
    base_url: str
    api_key: str
    model: str
    timeout_s: float
    max_retries: int
    backoff_s: float

    @classmethod
    def for_model(cls, model: str) -> LlmSettings:
        return cls(
            base_url=settings.LLM_BASE_URL.rstrip("/"),
            api_key=settings.LLM_API_KEY,
            model=model or settings.LLM_DEFAULT_MODEL,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
            backoff_s=settings.LLM_RETRY_BACKOFF_S,
        )

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


def build_messages(prompt: str, text: str) -> list[dict[str, str]]:
    # str.format would trip over JSON braces in a prompt; only {text} is a placeholder.
    body = prompt.replace("{text}", text) if "{text}" in prompt else f"{prompt}\n\n{text}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": body}]


def llm_extract(
    *, text: str, spec: dict[str, Any], prompt: str, config: LlmSettings
) -> dict[str, str | None]:
    """Field values for `spec`'s fields read by the model from `text`."""
    if not config.configured:
        raise LlmFailure("llm_not_configured: LLM_BASE_URL or the model is not set")
    payload = {
        "model": config.model,
        "messages": build_messages(prompt, text),
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    content = _complete(payload, config)
    return validate_output(content, spec)


def _complete(payload: dict[str, Any], config: LlmSettings) -> str:
    request = urllib.request.Request(
        f"{config.base_url}/chat/completions",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.api_key}"},
        method="POST",
    )
    attempts = config.max_retries + 1
    last = "no attempt made"
    for attempt in range(attempts):
        if attempt:
            time.sleep(min(config.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))
        try:
            with urllib.request.urlopen(request, timeout=config.timeout_s) as response:
                body = response.read()
            return _message_content(body)
        except urllib.error.HTTPError as error:
            last = f"http_{error.code}"
            if error.code != 429 and error.code < 500:
                raise LlmFailure(f"{last}: the endpoint refused the request") from None
        except TimeoutError:
            last = "timeout"
        except urllib.error.URLError as error:
            last = "timeout" if isinstance(error.reason, TimeoutError) else "connection_error"
        except (ConnectionError, OSError):
            last = "connection_error"
    raise LlmFailure(f"{last} after {attempts} attempt{'s' if attempts > 1 else ''}")


def _message_content(body: bytes) -> str:
    try:
        content = json.loads(body)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmFailure("malformed_response: not a chat-completions answer") from None
    if not isinstance(content, str):
        raise LlmFailure("malformed_response: message content is not text")
    return content


def validate_output(content: str, spec: dict[str, Any]) -> dict[str, str | None]:
    """The model's JSON answer checked against the field spec: an object, scalar values, each
    normalising to its field's type. Unknown keys are ignored; missing ones are null."""
    fenced = _FENCE.match(content)
    try:
        answer = json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        raise LlmFailure("malformed_output: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise LlmFailure("malformed_output: the answer is not a JSON object")
    values: dict[str, str | None] = {}
    for field in spec["fields"]:
        name, raw = field["name"], answer.get(field["name"])
        if raw is None or raw == "":
            values[name] = None
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise LlmFailure(f"malformed_output: {name} is not a scalar value")
        value = normalise(str(raw), field.get("type", "string"))
        if value is None:
            raise LlmFailure(
                f"malformed_output: {name}={str(raw)[:40]!r} is not a valid "
                f"{field.get('type', 'string')}"
            )
        values[name] = value
    return values


def grounded(value: str, text: str) -> bool:
    """Whether a value the model gave can be found in the text (digits or words), which is how
    its confidence is judged: the model gives none of its own."""
    compact_text = re.sub(r"[\s,]", "", text).casefold()
    compact_value = re.sub(r"[\s,]", "", value).casefold()
    if compact_value in compact_text:
        return True
    digits = re.sub(r"\D", "", value)
    return len(digits) >= 4 and digits in re.sub(r"\D", "", text)
