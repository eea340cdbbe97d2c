"""A django-q2 Schedule that runs `webhooks.services.webhook_deliveries_due` every
WEBHOOK_RETRY_INTERVAL_S (whole minutes; none when 0): the retries whose back-off is over."""

import math

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "webhook_retries"


def create_schedule(apps, schema_editor):
    if settings.WEBHOOK_RETRY_INTERVAL_S <= 0:
        return
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "webhooks.services.webhook_deliveries_due",
            "schedule_type": "I",
            "minutes": max(1, math.ceil(settings.WEBHOOK_RETRY_INTERVAL_S / 60)),
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
