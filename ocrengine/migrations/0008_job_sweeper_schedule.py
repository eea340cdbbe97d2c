"""A django-q2 Schedule that runs `manage.py sweep_jobs` every few minutes: jobs whose worker
timed out or died are requeued or failed instead of staying `running` for good. And
`ProcessingJob.claim`, the number of the latest claim, which fences a stale attempt's outcome."""

from django.db import migrations, models
from django.utils import timezone

SCHEDULE_NAME = "sweep_jobs"
EVERY_MINUTES = 5


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "django.core.management.call_command",
            "args": "'sweep_jobs'",
            "schedule_type": "I",
            "minutes": EVERY_MINUTES,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0007_api_client_secrets_encrypted"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="processingjob",
            name="claim",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
