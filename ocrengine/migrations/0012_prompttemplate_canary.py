"""Canary releases of prompt templates (#16): a version may answer a share of its type's analyse
traffic (canary_percent, one canary per type, never the default), and each AnalysisLog row says
how its version was chosen (template_route: default, canary or requested)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0011_template_evaluate_job_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="analysislog",
            name="template_route",
            field=models.CharField(
                blank=True,
                choices=[
                    ("default", "Default version"),
                    ("canary", "Canary version"),
                    ("requested", "Version named in the request"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="prompttemplate",
            name="canary_percent",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Set on the type's canary: the share of analyse traffic it answers (1-99).",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99),
                ],
            ),
        ),
        migrations.AddField(
            model_name="prompttemplate",
            name="canary_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="prompttemplate",
            name="canary_started_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="prompttemplate",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("canary", "Canary"),
                    ("active", "Active"),
                    ("archived", "Archived"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="prompttemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("canary_percent__isnull", False)),
                fields=("document_type",),
                name="prompt_template_one_canary_per_type",
            ),
        ),
        migrations.AddConstraint(
            model_name="prompttemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("canary_percent__gte", 1),
                        ("canary_percent__lte", 99),
                        ("is_default", False),
                        ("status", "canary"),
                    ),
                    models.Q(
                        models.Q(("status", "canary"), _negated=True),
                        ("canary_percent__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="prompt_template_canary_share",
            ),
        ),
    ]
