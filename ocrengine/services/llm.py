"""The `llm` extraction backend: an OpenAI-compatible chat-completions endpoint.

Guarantees: a call either returns values for exactly the template's fields, each normalised to
its type, or raises `LlmFailure` with a short reason (timeout, HTTP status, malformed output);
transient failures (timeouts, connection errors, 429, 5xx) are retried with exponential
back-off up to LLM_MAX_RETRIES times; nothing is retried for a malformed answer.

The key and the documents go only to an https endpoint (plain http only to this machine), never
along a redirect, and one call takes at most LLM_TOTAL_TIMEOUT_S across its tries and
back-offs, however slowly the endpoint answers.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.errors import PayloadTooLargeError
from ocrengine.extraction.labelled_fields import normalise

SYSTEM_PROMPT = (
    "You extract fields from document text. Answer with a single JSON object and nothing else."
)
MAX_BACKOFF_S = 8.0
# A chat-completions answer for one document's fields is a few KB; more is not an answer.
MAX_ANSWER_BYTES = 1_000_000
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
    total_timeout_s: float = 45.0

    @classmethod
    def for_model(cls, model: str) -> LlmSettings:
        return cls(
            base_url=settings.LLM_BASE_URL.rstrip("/"),
            api_key=settings.LLM_API_KEY,
            model=model or settings.LLM_DEFAULT_MODEL,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
            backoff_s=settings.LLM_RETRY_BACKOFF_S,
            total_timeout_s=settings.LLM_TOTAL_TIMEOUT_S,
        )

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


def llm_url_problem(url: str) -> str | None:
    """Why the key and documents may not be sent to `url`, or None when they may: https, or
    plain http to a loopback address (a model served on this machine)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    return "LLM_BASE_URL must be https:// (http:// only to a loopback address)"


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def llm_input_check(text: str) -> None:
    """Refuse (413) a document longer than LLM_MAX_INPUT_CHARS before any of it is sent."""
    limit = settings.LLM_MAX_INPUT_CHARS
    if len(text) > limit:
        raise PayloadTooLargeError(
            f"{len(text)} characters of text; the llm backend takes at most {limit} "
            "(send less text or use backend=rules).",
            code="text_too_large_for_llm",
            details={"characters": len(text), "limit": limit},
        )


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
    problem = llm_url_problem(config.base_url)
    if problem:
        raise LlmFailure(f"llm_insecure_url: {problem}")
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
    deadline = _Deadline(config.total_timeout_s)
    opener = urllib.request.build_opener(
        _NoRedirects, _HttpHandler(deadline), _HttpsHandler(deadline)
    )
    attempts, made, last = config.max_retries + 1, 0, "no attempt made"
    try:
        while made < attempts and not deadline.expired:
            if made:
                wait = min(config.backoff_s * 2 ** (made - 1), MAX_BACKOFF_S)
                if wait >= deadline.remaining():
                    break  # no time left for another try
                time.sleep(wait)
            made += 1
            try:
                return _attempt(opener, request, min(config.timeout_s, deadline.remaining()))
            except _Transient as transient:
                last = transient.reason
            except LlmFailure:
                if not deadline.expired:
                    raise
                last = "cut off"  # whatever was read when the deadline shut the connection
    finally:
        deadline.close()
    if made < attempts or deadline.expired:
        raise LlmFailure(
            f"deadline_exceeded after {made} attempt{'s' if made != 1 else ''}: "
            f"LLM_TOTAL_TIMEOUT_S={config.total_timeout_s:g} s (last: {last})"
        )
    raise LlmFailure(f"{last} after {attempts} attempt{'s' if attempts > 1 else ''}")


class _Transient(Exception):
    """A failure worth another try (timeout, connection, 429, 5xx)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _attempt(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout_s: float
) -> str:
    try:
        with opener.open(request, timeout=timeout_s) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
            # read() hands back what came before the connection closed (by the endpoint, or
            # by the deadline): short of its Content-Length, the answer was cut off.
            cut_short = len(body) <= MAX_ANSWER_BYTES and bool(response.length)
    except urllib.error.HTTPError as error:
        error.close()
        status = f"http_{error.code}"
        if 300 <= error.code < 400:
            raise LlmFailure(
                f"{status}: redirects are not followed (LLM_BASE_URL must be the final URL)"
            ) from None
        if error.code != 429 and error.code < 500:
            raise LlmFailure(f"{status}: the endpoint refused the request") from None
        raise _Transient(status) from None
    except TimeoutError:
        raise _Transient("timeout") from None
    except urllib.error.URLError as error:
        timed_out = isinstance(error.reason, TimeoutError)
        raise _Transient("timeout" if timed_out else "connection_error") from None
    except (OSError, http.client.HTTPException):
        # Includes an answer cut short (IncompleteRead), e.g. by the deadline's shutdown.
        raise _Transient("connection_error") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise LlmFailure("malformed_response: the answer is over 1 MB")
    if cut_short:
        raise _Transient("connection_error")
    return _message_content(body)


class _Deadline:
    """The one deadline of a call, across its tries and back-offs. A socket timeout bounds only
    each wait for the next bytes, so an endpoint trickling its answer would never trip it: when
    the deadline passes, the sockets still open are shut down, which ends any read at once."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._passed = False
        self._timer = threading.Timer(max(seconds, 0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    @property
    def expired(self) -> bool:
        return self._passed or self.remaining() <= 0

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._passed:
                self._sockets.append(sock)
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self._passed = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def close(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown: an SSLSocket's would drop its TLS state under a reader in
    # another thread; shutting the descriptor wakes the reader with end-of-file. A socket
    # already closed has nothing waiting on it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """Mixed into an HTTP(S) connection: its socket is handed to the call's deadline watchdog."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)


class _WatchedHTTPConnection(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, http.client.HTTPSConnection):
    pass


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_WatchedHTTPConnection, req, deadline=self._deadline)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        self._ssl_context = ssl.create_default_context()
        super().__init__(context=self._ssl_context)
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _WatchedHTTPSConnection, req, context=self._ssl_context, deadline=self._deadline
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: following it would send the Authorization
    header (and the document) to wherever the Location points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


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
