"""Model fields stored encrypted, for the few secrets the application must read back whole.

A machine client's HMAC secret is one: checking a signature needs the secret itself, so a
hash will not do. Encrypted, a leaked dump or backup of the database holds only ciphertext;
the keys stay in the environment (FIELD_ENCRYPTION_KEYS).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`). The first key encrypts and every
key decrypts, so keys rotate without downtime: put a new key first, run
`manage.py reencrypt_fields`, then drop the old key.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

__all__ = ["EncryptedSecretField", "InvalidToken", "UnreadableSecret", "reseal", "seal", "unseal"]


def _fernet_key(material: str) -> bytes:
    # Operators supply any long random string; Fernet wants 32 bytes in url-safe base64.
    return base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())


@lru_cache(maxsize=8)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _current_box() -> MultiFernet:
    return _box(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(plain: str) -> str:
    """`plain` encrypted with the first key."""
    return _current_box().encrypt(plain.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The plain text of `token`; raises InvalidToken when no configured key opens it."""
    return _current_box().decrypt(token.encode("ascii")).decode()


def reseal(token: str) -> str:
    """`token` encrypted again with the first key; raises InvalidToken like `unseal`."""
    return _current_box().rotate(token.encode("ascii")).decode("ascii")


class UnreadableSecret:
    """A stored value that no configured key opens (a key lost or left out of the settings).

    It is written back unchanged, so saving its row loses nothing, and it is no `str`, so it
    can sign or match nothing."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<unreadable secret>"


class EncryptedSecretField(models.TextField):
    """A text value stored encrypted; reads give the plain text, or an UnreadableSecret.

    Not for lookups: each encryption of the same text differs."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return unseal(value)
        except (InvalidToken, UnicodeError):
            logger.error(
                "A stored %s.%s cannot be decrypted with FIELD_ENCRYPTION_KEYS.",
                self.model.__name__,
                self.name,
            )
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableSecret):
            return value.token
        value = super().get_prep_value(value)
        return seal(value) if value else value


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and those fields' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedSecretField)]
        if names:
            found.append((model, names))
    return found


def reencrypt_all() -> tuple[int, list[str]]:
    """Encrypt every stored secret again with the first key, row by row under a lock (a
    rotation running meanwhile is neither lost nor overwritten). Returns how many values were
    written, and a description of each value no key opens (left as it is)."""
    from django.db import transaction

    written, unreadable = 0, []
    for model, names in encrypted_fields():
        for pk in model._default_manager.values_list("pk", flat=True).order_by("pk"):
            with transaction.atomic():
                row = model._default_manager.select_for_update().only(*names).get(pk=pk)
                values = {name: getattr(row, name) for name in names}
                unreadable += [
                    f"{model._meta.label} {pk} {name}"
                    for name, value in values.items()
                    if isinstance(value, UnreadableSecret)
                ]
                plain = {n: v for n, v in values.items() if isinstance(v, str) and v}
                if plain:
                    model._default_manager.filter(pk=pk).update(**plain)
                    written += len(plain)
    return written, unreadable
