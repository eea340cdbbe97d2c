"""`ProcessingJob` belongs to the jobs app now (jobs 0001): `TemplateEvaluation.job` points at
`jobs.ProcessingJob` and the model leaves ocrengine's state. State only: the table
`ocrengine_processingjob` and its rows stay where they are, under the jobs app.

The billing and invoices foreign keys are re-pointed first by their own migrations (which name
this one in `run_before`), so ocrengine's migrations need not know those apps."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0009_llm_permission_client_scopes_log_retention"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="templateevaluation",
                    name="job",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.processingjob",
                    ),
                ),
                migrations.DeleteModel(name="ProcessingJob"),
            ],
            database_operations=[],
        ),
    ]
