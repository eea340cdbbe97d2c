# Statement imports may be bank exports read whole: CAMT, MT940 and QIF (choices only; the
# column, max_length 5, already holds them).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_bill_account_kind"),
    ]

    operations = [
        migrations.AlterField(
            model_name="statementimport",
            name="format",
            field=models.CharField(
                choices=[
                    ("pdf", "PDF"),
                    ("csv", "CSV"),
                    ("xlsx", "Excel"),
                    ("ofx", "OFX"),
                    ("camt", "CAMT (ISO 20022)"),
                    ("mt940", "MT940"),
                    ("qif", "QIF"),
                ],
                max_length=5,
            ),
        ),
    ]
