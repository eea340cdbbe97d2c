"""The 13 Malaysian card issuers exist from the first migrate on, so the bank list, uploads
naming a bank and the admin work before `seed_reference_data` loads the templates."""

from django.db import migrations

ISSUERS = {
    "maybank": "Maybank",
    "cimb": "CIMB Bank",
    "public_bank": "Public Bank",
    "rhb": "RHB Bank",
    "hong_leong": "Hong Leong Bank",
    "ambank": "AmBank",
    "hsbc": "HSBC Bank Malaysia",
    "uob": "UOB Malaysia",
    "ocbc": "OCBC Bank",
    "standard_chartered": "Standard Chartered",
    "alliance": "Alliance Bank",
    "affin": "Affin Bank",
    "bank_islam": "Bank Islam",
}


def add_issuers(apps, schema_editor):
    Bank = apps.get_model("billing", "Bank")
    for code, name in ISSUERS.items():
        Bank.objects.get_or_create(code=code, defaults={"name": name, "country": "MY"})


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_dashboard_covering_indexes")]

    # Reversing leaves the banks: cards and imports may already point at them.
    operations = [migrations.RunPython(add_issuers, migrations.RunPython.noop)]
