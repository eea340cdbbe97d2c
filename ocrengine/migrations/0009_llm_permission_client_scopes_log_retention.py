"""Security audit (#13), three parts:

- `ocrengine.use_llm_backend`: only holders may have documents analysed by the llm backend;
  granted to the supervisor and admin roles.
- Machine clients' scopes are enforced from now on. A client stored before could call every
  endpoint open to clients; it keeps the known scopes it names, or gets all of them when it
  names none (unknown names are dropped: they meant nothing).
- A daily django-q2 Schedule runs `manage.py prune_analysis_logs` (at 01:15 local time the
  first time, then every day).
"""

from datetime import datetime, time, timedelta

from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.utils import timezone

import ocrengine.models

LLM_ROLES = ("supervisor", "admin")
SCOPES = ("analyze", "batch-analyze")
SCHEDULE_NAME = "prune_analysis_logs"


def grant_llm_backend(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure this one exists now.
    config = apps.get_app_config("ocrengine")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="ocrengine", codename="use_llm_backend"
    )
    for name in LLM_ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke_llm_backend(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=LLM_ROLES):
        group.permissions.remove(*group.permissions.filter(codename="use_llm_backend"))


def scope_existing_clients(apps, schema_editor):
    ApiClient = apps.get_model("ocrengine", "ApiClient")
    for client in ApiClient.objects.only("pk", "scopes"):
        stored = client.scopes if isinstance(client.scopes, list) else []
        known = [scope for scope in SCOPES if scope in stored]
        ApiClient.objects.filter(pk=client.pk).update(scopes=known or list(SCOPES))


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    first_run = timezone.make_aware(datetime.combine(tomorrow, time(1, 15)))
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "django.core.management.call_command",
            "args": f"'{SCHEDULE_NAME}'",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first_run,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0008_job_sweeper_schedule"),
        ("accounts", "0001_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="analysislog",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("use_llm_backend", "Can have documents analysed by the llm backend")
                ],
            },
        ),
        migrations.AlterField(
            model_name="apiclient",
            name="scopes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Endpoints the client may call (ApiClient.Scope).",
                validators=[ocrengine.models.api_client_scopes_validate],
            ),
        ),
        migrations.RunPython(grant_llm_backend, revoke_llm_backend),
        migrations.RunPython(scope_existing_clients, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
