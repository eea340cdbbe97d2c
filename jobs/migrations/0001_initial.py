"""`ProcessingJob` moves from ocrengine to the jobs app, table and rows untouched.

The model keeps its table (`ocrengine_processingjob`, Meta.db_table) and its index name, so this
migration only tells Django's state that jobs owns it (state-only CreateModel; ocrengine 0010
drops it from ocrengine's state after billing 0009 and invoices 0002 re-point their foreign
keys). The content type follows the model (app_label ocrengine → jobs), so the permissions
granted on jobs and the admin's log entries about them stay attached.

Tasks queued before the upgrade name `ocrengine.tasks.run_job`; that module stays as an alias
of `jobs.tasks.run_job` (see it). The sweeper's Schedule (ocrengine 0008) runs the management
command `sweep_jobs` by name, which did not change, so no stored Schedule row needs an update.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODEL = "processingjob"


def content_type_to_jobs(apps, schema_editor):
    _content_type_move(apps, source="ocrengine", target="jobs")


def content_type_to_ocrengine(apps, schema_editor):
    _content_type_move(apps, source="jobs", target="ocrengine")


def _content_type_move(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=source, model=MODEL).first()
    if old is None:  # a new database: post_migrate creates the content type later
        return
    # A content type already made for the target (a migrate stopped between this app's and
    # ocrengine's migrations, then post_migrate ran) holds only its own default permissions:
    # the old one, with the grants and log entries, wins.
    ContentType.objects.filter(app_label=target, model=MODEL).delete()
    old.app_label = target
    old.save(update_fields=["app_label"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("ocrengine", "0009_llm_permission_client_scopes_log_retention"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProcessingJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(db_index=True, max_length=40)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("max_attempts", models.PositiveIntegerField(default=3)),
                        ("claim", models.PositiveIntegerField(default=0, editable=False)),
                        (
                            "target_type",
                            models.CharField(
                                blank=True, help_text="app_label.model", max_length=60
                            ),
                        ),
                        ("target_id", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("error_code", models.CharField(blank=True, max_length=60)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "ocrengine_processingjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["target_type", "target_id"],
                                name="ocrengine_p_target__b42391_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_jobs, content_type_to_ocrengine),
    ]
