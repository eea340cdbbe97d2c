"""A django-q2 Schedule that runs `ingestion.tasks.scheduled_ingestion` every
INGESTION_POLL_INTERVAL_S (300 s; django-q2 counts whole minutes, so it is rounded up to one):
every active mailbox polled and every active watched folder scanned. With the setting at 0 the
task does nothing."""

import math

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "ingestion_poll"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "ingestion.tasks.scheduled_ingestion",
            "schedule_type": "I",
            "minutes": max(1, math.ceil(settings.INGESTION_POLL_INTERVAL_S / 60)),
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
