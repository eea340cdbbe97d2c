"""LoginFailure's content type follows the model from the `config` app to `accounts`, with the
permissions (and any group or user grants of them) that hang on it. A database made after #14
has no `config` row: nothing to do. Where both rows exist, the old one is left for
`remove_stale_contenttypes`."""

from django.db import migrations


def _move(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=target, model="loginfailure").exists():
        return
    ContentType.objects.filter(app_label=source, model="loginfailure").update(app_label=target)


def to_accounts(apps, schema_editor):
    _move(apps, source="config", target="accounts")


def to_config(apps, schema_editor):
    _move(apps, source="accounts", target="config")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_flush_expired_tokens_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(to_accounts, to_config)]
