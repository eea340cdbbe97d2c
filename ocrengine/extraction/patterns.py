"""Matching caller text safely: one cap on line length, and template regexes with a time limit.

Two guards against regular expressions that run super-linearly on hostile text:

- `MAX_LINE_CHARS`: every extractor (invoices, the analysis API's document types, statement
  readers) cuts a longer line there where text enters extraction (`cap_line`), so even a
  pattern that is quadratic in its input costs a bounded amount per line and the whole read
  stays linear in the document's size. Real documents print far shorter lines (the corpus'
  longest is about 200 characters).
- `compile_template_pattern`: patterns that come from templates (the shipped prompt specs,
  prompt templates and bank templates admins edit) are compiled once with the `regex` module
  and every match runs under TEMPLATE_REGEX_TIMEOUT_S, so a catastrophic pattern fails that
  one call with `PatternTimeout` (code `pattern_timeout`) instead of holding a worker.

Part of the library core (no models): the statement parsers use it as well as extraction. The
one Django read is the TEMPLATE_REGEX_TIMEOUT_S setting, with a default where Django is not
configured.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import regex
from django.conf import settings

MAX_LINE_CHARS = 1000
# Longest template pattern (as written, before placeholders expand) that validation accepts.
MAX_PATTERN_CHARS = 1000
DEFAULT_TIMEOUT_S = 0.5
PATTERN_TIMEOUT = "pattern_timeout"

# `re` flags callers pass, translated to the `regex` module's (the values happen to agree,
# but nothing promises that).
_FLAGS = {
    re.IGNORECASE: regex.IGNORECASE,
    re.MULTILINE: regex.MULTILINE,
    re.DOTALL: regex.DOTALL,
    re.VERBOSE: regex.VERBOSE,
    re.ASCII: regex.ASCII,
}


class PatternTimeout(Exception):
    """A template pattern ran past the time limit on this text."""

    code = PATTERN_TIMEOUT

    def __init__(self, pattern: str, timeout_s: float) -> None:
        self.pattern = pattern
        self.timeout_s = timeout_s
        super().__init__(
            f"A template pattern ran longer than {timeout_s:g} s on this text and was stopped: "
            f"{pattern[:120]!r}. Bound its repetitions (e.g. {{0,40}} instead of * or +)."
        )


class PatternSyntaxError(re.error):
    """A template pattern the `regex` module cannot compile (an `re.error`, so callers that
    already refuse broken `re` patterns refuse these the same way)."""


def cap_line(text: str) -> str:
    """`text` cut to MAX_LINE_CHARS characters."""
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS]


def configured_timeout() -> float:
    """TEMPLATE_REGEX_TIMEOUT_S, or the default where Django is not configured."""
    if not settings.configured:
        return DEFAULT_TIMEOUT_S
    return float(getattr(settings, "TEMPLATE_REGEX_TIMEOUT_S", DEFAULT_TIMEOUT_S))


class TemplatePattern:
    """A compiled template pattern whose matches run under the time limit."""

    def __init__(self, compiled: Any, source: str) -> None:
        self._compiled = compiled
        self.pattern = source

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self._compiled.groupindex)

    @property
    def groups(self) -> int:
        return self._compiled.groups

    def search(self, text: str) -> Any:
        return self._timed(self._compiled.search, text)

    def match(self, text: str) -> Any:
        return self._timed(self._compiled.match, text)

    def fullmatch(self, text: str) -> Any:
        return self._timed(self._compiled.fullmatch, text)

    def _timed(self, method: Any, text: str) -> Any:
        timeout = configured_timeout()
        try:
            return method(text, timeout=timeout)
        except TimeoutError:
            raise PatternTimeout(self.pattern, timeout) from None

    def __repr__(self) -> str:
        return f"TemplatePattern({self.pattern!r})"


@lru_cache(maxsize=1024)
def compile_template_pattern(pattern: str, flags: int = 0) -> TemplatePattern:
    """`pattern` (Python `re` syntax) compiled once; raises PatternSyntaxError when invalid."""
    if not isinstance(pattern, str):
        raise PatternSyntaxError(f"a pattern must be text, not {type(pattern).__name__}")
    regex_flags = 0
    for re_flag, regex_flag in _FLAGS.items():
        if flags & re_flag:
            regex_flags |= regex_flag
    try:
        compiled = regex.compile(pattern, regex_flags | regex.VERSION0)
    except (regex.error, ValueError, TypeError) as error:
        raise PatternSyntaxError(str(error)) from None
    return TemplatePattern(compiled, pattern)


def template_pattern_problem(pattern: Any) -> str | None:
    """Why `pattern` cannot be a template pattern (too long, or does not compile), or None."""
    if not isinstance(pattern, str):
        return "must be a string"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}"
    try:
        compile_template_pattern(pattern)
    except PatternSyntaxError as error:
        return f"invalid regex ({error})"
    return None
