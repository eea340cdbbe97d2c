"""Seeds the card issuers and the shipped bank templates. Idempotent: never touches a template
an operator has already edited or published. (Migration 0005 adds the issuers too, so a fresh
database has them before this runs; the list here keeps seeding self-contained.)"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from billing.models import Bank, BankTemplate

BANK_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "bank_templates"

ISSUERS: dict[str, tuple[str, str]] = {
    "maybank": ("Maybank", "MY"),
    "cimb": ("CIMB Bank", "MY"),
    "public_bank": ("Public Bank", "MY"),
    "rhb": ("RHB Bank", "MY"),
    "hong_leong": ("Hong Leong Bank", "MY"),
    "ambank": ("AmBank", "MY"),
    "hsbc": ("HSBC Bank Malaysia", "MY"),
    "uob": ("UOB Malaysia", "MY"),
    "ocbc": ("OCBC Bank", "MY"),
    "standard_chartered": ("Standard Chartered", "MY"),
    "alliance": ("Alliance Bank", "MY"),
    "affin": ("Affin Bank", "MY"),
    "bank_islam": ("Bank Islam", "MY"),
}
# Where a statement read without a template is filed when the upload names no bank: any
# bank's statement can be imported, and reviewed, before its template exists.
OTHER_BANK_CODE = "generic"
OTHER_BANK = (OTHER_BANK_CODE, "Other bank (read without a template)", "")


def shipped_template_specs() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(BANK_TEMPLATES_DIR.glob("*.json"))
    ]


@transaction.atomic
def reference_data_seed() -> dict[str, int]:
    banks_created = 0
    for code, (name, country) in ISSUERS.items():
        _, created = Bank.objects.get_or_create(
            code=code, defaults={"name": name, "country": country}
        )
        banks_created += created
    code, name, country = OTHER_BANK
    _, created = Bank.objects.get_or_create(code=code, defaults={"name": name, "country": country})
    banks_created += created
    templates_created = 0
    for spec in shipped_template_specs():
        bank, _ = Bank.objects.get_or_create(
            code=spec["bank"], defaults={"name": spec.get("name", spec["bank"])}
        )
        if BankTemplate.objects.filter(bank=bank).exists():
            continue
        BankTemplate.objects.create(
            bank=bank,
            version=int(spec.get("version", 1)),
            status=BankTemplate.Status.ACTIVE,
            spec=spec,
            notes="shipped with LedgerLens",
        )
        templates_created += 1
    return {"banks_created": banks_created, "templates_created": templates_created}
