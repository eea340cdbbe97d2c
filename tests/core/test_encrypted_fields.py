"""Secrets stored encrypted (core/encrypted_fields.py): key rotation with `reencrypt_fields`,
values no key opens, and the migration that encrypted the secrets stored before."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from core.encrypted_fields import UnreadableSecret, unseal
from ocrengine.models import ApiClient
from ocrengine.services.hmac_auth import api_client_create, api_client_rotate

pytestmark = pytest.mark.django_db

OLD_KEY = "old-field-key-" + "o" * 50
NEW_KEY = "new-field-key-" + "n" * 50
TABLE = ApiClient._meta.db_table


def stored(client: ApiClient) -> tuple[str, str]:
    """The two secret columns as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret, previous_secret FROM {TABLE} WHERE id = %s", [client.pk])
        return cursor.fetchone()


def test_keys_rotate_without_downtime():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        client, secret = api_client_create(name="Partner")
        previous = secret
        secret = api_client_rotate(client=client)
        sealed_with_old = stored(client)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert ApiClient.objects.get(pk=client.pk).secret == secret  # the old key still opens
        out = SimpleNamespace(text="")
        call_command(
            "reencrypt_fields", stdout=SimpleNamespace(write=lambda s: setattr(out, "text", s))
        )
        assert "2 secret(s)" in out.text
        assert stored(client) != sealed_with_old

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key dropped
        reread = ApiClient.objects.get(pk=client.pk)
        assert (reread.secret, reread.previous_secret) == (secret, previous)
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        assert isinstance(ApiClient.objects.get(pk=client.pk).secret, UnreadableSecret)


def test_reencrypt_names_the_values_no_key_opens_and_leaves_them():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        client, _ = api_client_create(name="Partner")
    before = stored(client)

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]),
        pytest.raises(CommandError, match=rf"ocrengine.ApiClient {client.pk} secret"),
    ):
        call_command("reencrypt_fields")
    assert stored(client) == before


def test_saving_a_row_whose_secret_no_key_opens_keeps_the_stored_value():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        client, secret = api_client_create(name="Partner")
    before = stored(client)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        loaded = ApiClient.objects.get(pk=client.pk)
        loaded.name = "Partner, renamed"
        loaded.save()
    assert stored(client) == before
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        assert ApiClient.objects.get(pk=client.pk).secret == secret


def test_the_migration_encrypts_plain_secrets_once_and_reverses():
    migration = importlib.import_module("ocrengine.migrations.0007_api_client_secrets_encrypted")
    client, _ = api_client_create(name="Partner")
    with connection.cursor() as cursor:  # as a row stored before the migration looked
        cursor.execute(
            f"UPDATE {TABLE} SET secret = %s, previous_secret = %s WHERE id = %s",
            ["plain-current", "plain-previous", client.pk],
        )
    editor = SimpleNamespace(connection=connection)

    migration.encrypt_plain_secrets(apps, editor)
    sealed = stored(client)
    assert [unseal(value) for value in sealed] == ["plain-current", "plain-previous"]
    migration.encrypt_plain_secrets(apps, editor)  # run again: nothing encrypted twice
    assert stored(client) == sealed

    migration.decrypt_secrets(apps, editor)
    assert stored(client) == ("plain-current", "plain-previous")
