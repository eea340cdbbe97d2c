"""A django-q2 Schedule that runs `core.backup.scheduled_backup` every BACKUP_INTERVAL_S (300 s;
django-q2 counts whole minutes): a backup into BACKUP_DIR, keeping BACKUP_KEEP.

The backup service lives in core, which has no migrations; its schedule lives here, beside the
background work, as the daily report's (a core command) lives in billing 0003. The task itself
brings the schedule's minutes in line when BACKUP_INTERVAL_S changes."""

import math

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "backup"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "core.backup.scheduled_backup",
            "schedule_type": "I",
            "minutes": max(1, math.ceil(settings.BACKUP_INTERVAL_S / 60)),
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_processingjob_queued_at"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
