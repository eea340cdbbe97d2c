"""When a job last entered the queue, so that the sweeper can tell a job whose task was lost
while it was queued (JOB_QUEUED_STALE_S). Existing rows keep NULL and count from created_at."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="processingjob",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
