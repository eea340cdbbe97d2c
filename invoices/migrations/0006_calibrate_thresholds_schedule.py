"""A daily django-q2 Schedule that runs `manage.py calibrate_thresholds` (at 03:00 local time
the first time, then every day): the auto-approve thresholds follow the reviewers' outcomes."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "calibrate_thresholds"


def create_schedule(apps, schema_editor):
    tomorrow = timezone.localdate() + timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "django.core.management.call_command",
            "args": "'calibrate_thresholds'",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(datetime.combine(tomorrow, time(3, 0))),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0005_field_threshold"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
