from django.db import migrations

DOCUMENT_TYPES = [
    ("invoice", "Invoice", ["buyer_tax_id", "seller_tax_id"]),
    ("cn_vat_invoice", "Chinese VAT invoice", ["buyer_tax_id"]),
    ("receipt", "Receipt", []),
    ("id_card", "PRC resident ID card", ["id_number", "name", "address", "birth_date"]),
    ("driver_license", "Driver licence", ["license_number", "name", "address", "birth_date"]),
    ("bank_statement", "Bank statement", ["account_number", "card_number"]),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("ocrengine", "DocumentType")
    for code, name, sensitive in DOCUMENT_TYPES:
        DocumentType.objects.get_or_create(
            code=code, defaults={"name": name, "sensitive_fields": sensitive}
        )


def unseed(apps, schema_editor):
    codes = [code for code, _, _ in DOCUMENT_TYPES]
    apps.get_model("ocrengine", "DocumentType").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("ocrengine", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
