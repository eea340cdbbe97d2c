"""A daily django-q2 Schedule that runs simplejwt's `manage.py flushexpiredtokens`: every login
and refresh adds an outstanding token (and each rotation a blacklist row), and nothing else ever
deletes the expired ones. First run at 03:15 local time tomorrow, then every day.

Was config 0003_flush_expired_tokens_schedule, which this replaces (see 0001)."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "flush_expired_tokens"


def create_schedule(apps, schema_editor):
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
    replaces = [("config", "0003_flush_expired_tokens_schedule")]
    dependencies = [
        ("accounts", "0002_login_failures"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
