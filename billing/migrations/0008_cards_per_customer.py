"""Cards are keyed by (customer, bank, last 4), and a bill's fingerprint by its card.

Before, a card was unique by bank and last 4 across all customers, so a statement uploaded for
one customer could be filed on another customer's card. Existing rows already satisfy the new
constraints (they were unique by bank and last 4); fingerprints are recomputed from the stored
bill so a re-upload of an old statement is still recognised.
"""

import hashlib

from django.db import migrations, models


def _money(bill) -> str:
    if bill.new_balance is not None:
        return f"{bill.new_balance:.2f}"
    return f"sums:{bill.total_debits:.2f}/{bill.total_credits:.2f}"


def _fingerprint_by_card(bill) -> str:
    key = f"card:{bill.card_id}|{bill.statement_date.isoformat()}|{_money(bill)}"
    return hashlib.sha256(key.encode()).hexdigest()


def _fingerprint_by_bank_last4(bill) -> str:
    key = (
        f"{bill.card.bank.code}|{bill.card.last4}|{bill.statement_date.isoformat()}|{_money(bill)}"
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _rewrite(apps, fingerprint) -> None:
    Bill = apps.get_model("billing", "Bill")
    for bill in Bill.objects.select_related("card__bank").iterator(chunk_size=500):
        Bill.objects.filter(pk=bill.pk).update(fingerprint=fingerprint(bill))


def forwards(apps, schema_editor):
    _rewrite(apps, _fingerprint_by_card)


def backwards(apps, schema_editor):
    _rewrite(apps, _fingerprint_by_bank_last4)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_bill_covering_index")]

    operations = [
        migrations.RemoveConstraint(model_name="creditcard", name="credit_card_unique_bank_last4"),
        migrations.AddConstraint(
            model_name="creditcard",
            constraint=models.UniqueConstraint(
                fields=("customer", "bank", "last4"), name="credit_card_unique_customer_bank_last4"
            ),
        ),
        migrations.AddConstraint(
            model_name="creditcard",
            constraint=models.UniqueConstraint(
                condition=models.Q(customer__isnull=True),
                fields=("bank", "last4"),
                name="credit_card_unique_unowned_bank_last4",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
