"""Machine clients' HMAC secrets are stored encrypted (core/encrypted_fields.py).

The columns become text (a Fernet token is longer than the secret), then every plain secret
already stored is encrypted in place; reversing decrypts them again. Rows are read and written
with plain SQL: the field itself would try to decrypt what is still plain text."""

from django.db import migrations

import core.encrypted_fields
from core.encrypted_fields import InvalidToken, seal, unseal

COLUMNS = ("secret", "previous_secret")


def _is_sealed(value: str) -> bool:
    try:
        unseal(value)
    except (InvalidToken, UnicodeError):
        return False
    return True


def _rewrite(apps, schema_editor, convert) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(apps.get_model("ocrengine", "ApiClient")._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(map(quote, COLUMNS))} FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
        for row_id, *values in rows:
            converted = [convert(value) if value else value for value in values]
            if converted != values:
                assignments = ", ".join(f"{quote(column)} = %s" for column in COLUMNS)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                    [*converted, row_id],
                )


def encrypt_plain_secrets(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, lambda value: value if _is_sealed(value) else seal(value))


def decrypt_secrets(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, lambda value: unseal(value) if _is_sealed(value) else value)


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0006_rate_limit_counter"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apiclient",
            name="previous_secret",
            field=core.encrypted_fields.EncryptedSecretField(blank=True),
        ),
        migrations.AlterField(
            model_name="apiclient",
            name="secret",
            field=core.encrypted_fields.EncryptedSecretField(),
        ),
        migrations.RunPython(encrypt_plain_secrets, decrypt_secrets),
    ]
