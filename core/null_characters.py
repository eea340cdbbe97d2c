"""Refusing U+0000 in text input before it reaches the database.

PostgreSQL stores no NUL character in a text or jsonb column: a value holding one fails the
query with a DataError, which the API answered as a 500. Django's and DRF's CharField already
refuse it (ProhibitNullCharactersValidator); what bypasses them (a slug looked up as it was
sent, a JSON document, a raw query parameter) is checked here, with the same message.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

NULL_CHARACTER = "\x00"
MESSAGE = "Null characters are not allowed."


def has_null_character(value: Any) -> bool:
    """Whether a string, or any key or string inside a JSON-like value, holds a NUL."""
    if isinstance(value, str):
        return NULL_CHARACTER in value
    if isinstance(value, dict):
        return any(
            has_null_character(key) or has_null_character(item) for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(has_null_character(item) for item in value)
    return False


def refuse_null_characters(value: Any, *, field: str | None = None) -> None:
    """A 400 validation_error (for `field`, or for the whole request) when `value` holds a NUL."""
    if has_null_character(value):
        raise serializers.ValidationError({field: [MESSAGE]} if field else [MESSAGE])


class NullFreeJSONField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if has_null_character(value):
            raise serializers.ValidationError(MESSAGE, code="null_characters_not_allowed")
        return value


class NullFreeSlugRelatedField(serializers.SlugRelatedField):
    def to_internal_value(self, data: Any) -> Any:
        if has_null_character(data):
            raise serializers.ValidationError(MESSAGE, code="null_characters_not_allowed")
        return super().to_internal_value(data)
