"""The accounts app's starting point: the role groups, the LoginFailure table and the daily
flush of expired refresh tokens, as the `config` app's migrations 0001-0003 made them when
these lived there.

It replaces those three: on a database that applied them (every database made before #14) it
is marked applied without running, and the table keeps its name (`config_loginfailure`); on a
new database it runs and makes the same groups, table and schedule."""

from datetime import datetime, time, timedelta

import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone

ROLES = ("agent", "supervisor", "admin")
SCHEDULE_NAME = "flush_expired_tokens"


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


def create_schedule(apps, schema_editor):
    """A daily django-q2 Schedule that runs simplejwt's `manage.py flushexpiredtokens`: every
    login and refresh adds an outstanding token (and each rotation a blacklist row), and nothing
    else ever deletes the expired ones. First run at 03:15 local time tomorrow, then daily."""
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    first_run = timezone.make_aware(datetime.combine(tomorrow, time(3, 15)))
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "django.core.management.call_command",
            "args": "'flushexpiredtokens'",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first_run,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("config", "0001_roles"),
        ("config", "0002_login_failures"),
        ("config", "0003_flush_expired_tokens_schedule"),
    ]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.CreateModel(
            name="LoginFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("username", models.CharField(max_length=150)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "config_loginfailure",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["username", "created_at"], name="loginfailure_user_time"),
                    models.Index(fields=["ip_address", "created_at"], name="loginfailure_ip_time"),
                    models.Index(fields=["created_at"], name="loginfailure_time"),
                ],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
