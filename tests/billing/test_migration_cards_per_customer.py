"""billing 0008 upgrades a database with cards keyed by bank + last 4: its rows survive and
each bill's fingerprint is recomputed from its card, so an old statement is still recognised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from billing.services.bill_checks import bill_fingerprint

BEFORE = [("billing", "0007_bill_covering_index")]
AFTER = [("billing", "0008_cards_per_customer")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_schema():
    """Leave the database at the newest migrations, whatever the test migrated it to: later
    tests need the columns added after 0008."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the role groups
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_upgrade_keeps_cards_and_rekeys_fingerprints():
    old = _migrate(BEFORE)
    bank = old.get_model("billing", "Bank").objects.get(code="maybank")
    customer = old.get_model("customers", "Customer").objects.create(name="Old Customer")
    card = old.get_model("billing", "CreditCard").objects.create(
        customer=customer, bank=bank, last4="4321"
    )
    statement = old.get_model("billing", "StatementImport").objects.create(
        original_name="old.pdf", sha256="a" * 64, size=1, format="pdf", status="verified"
    )
    bill = old.get_model("billing", "Bill").objects.create(
        card=card,
        statement_import=statement,
        statement_date=date(2026, 9, 18),
        total_debits=Decimal("10.00"),
        total_credits=Decimal("0.00"),
        new_balance=Decimal("10.00"),
        status="verified",
        fingerprint="old-style",
    )

    new = _migrate(AFTER)
    upgraded = new.get_model("billing", "Bill").objects.get(pk=bill.pk)
    assert upgraded.card_id == card.pk
    assert upgraded.fingerprint == bill_fingerprint(
        card_id=card.pk,
        statement_date=date(2026, 9, 18),
        new_balance=Decimal("10.00"),
        debits=Decimal("10.00"),
        credits=Decimal("0.00"),
    )
    # A second customer may now hold a card with the same digits.
    other = new.get_model("customers", "Customer").objects.create(name="Other Customer")
    new.get_model("billing", "CreditCard").objects.create(
        customer=other, bank_id=bank.pk, last4="4321"
    )
    assert new.get_model("billing", "CreditCard").objects.filter(last4="4321").count() == 2
