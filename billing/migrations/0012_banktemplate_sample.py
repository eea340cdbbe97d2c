# A "layout" bank template made by example remembers its sample statement: publishing it
# replays the sample (billing.services.templates.template_publish).


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_statement_import_export_formats"),
    ]

    operations = [
        migrations.AddField(
            model_name="banktemplate",
            name="sample",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="billing.statementimport",
            ),
        ),
    ]
