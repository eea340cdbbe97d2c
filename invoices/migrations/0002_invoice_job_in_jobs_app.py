"""`Invoice.job` points at `jobs.ProcessingJob`, the same table under its new app
(jobs 0001): state only, the column and its foreign key stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0001_initial"),
        ("jobs", "0001_initial"),
    ]
    # ocrengine drops ProcessingJob from its state only once nothing points at it there.
    run_before = [("ocrengine", "0010_processingjob_moved_to_jobs")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invoice",
                    name="job",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.processingjob",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
