"""`manage.py verify_integrity`: clean data passes; tampered files and broken figures fail."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import Bill
from billing.services import reference_data_seed
from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import maybank_pdf


@pytest.fixture
def imported(db, django_capture_on_commit_callbacks):
    reference_data_seed()
    capture = django_capture_on_commit_callbacks
    october = fake_statement(statement_date=date(2026, 10, 18), previous="100.00")
    import_file(capture, maybank_pdf(october))
    november = fake_statement(previous=str(october.cards[0].new_balance))
    return import_file(capture, maybank_pdf(november))


def _run() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_integrity", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def test_clean_database_exits_0(imported):
    code, out = _run()
    assert code == 0, out
    assert "0 problem(s)" in out


def test_tampered_statement_file_is_found(imported):
    with default_storage.open(imported.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 someone edited this")
    code, out = _run()
    assert code == 1
    assert f"statement import #{imported.pk}" in out and "checksum" in out


def test_missing_statement_file_is_found(imported):
    default_storage.delete(imported.file.name)
    code, out = _run()
    assert code == 1 and "missing" in out


def test_broken_balance_and_chain_are_found(imported):
    bill = imported.bills.get()
    Bill.objects.filter(pk=bill.pk).update(
        new_balance=bill.new_balance + Decimal("0.01"), previous_balance=Decimal("5.00")
    )
    code, out = _run()
    assert code == 1
    assert f"bill #{bill.pk}" in out
    assert "but the statement prints" in out  # the equation, as billing.reconciliation words it
    assert "[chain]" in out  # previous balance vs the October bill


def test_bills_in_review_are_known_not_problems(imported):
    bill = imported.bills.get()
    Bill.objects.filter(pk=bill.pk).update(status="review", new_balance=Decimal("1.00"))
    code, out = _run()
    assert code == 0, out
    assert "1 bill(s) in review" in out


def test_json_output(imported):
    Bill.objects.filter(pk=imported.bills.get().pk).update(due_date=date(2026, 11, 1))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_integrity", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert any("due date" in p["message"] for p in report["problems"])


def test_invoice_files_are_checked(db):
    from invoices.models import Invoice

    name = default_storage.save("invoices/test-tampered.pdf", StringIO("%PDF-1.4 original"))
    invoice = Invoice.objects.create(
        file=name, original_name="a.pdf", sha256="0" * 64, mime="application/pdf"
    )
    code, out = _run()
    assert code == 1 and f"invoice #{invoice.pk}" in out


def test_a_bill_whose_kept_row_sums_drift_is_found(imported):
    bill = imported.bills.get()
    bill.transactions.filter(direction="credit").first().delete()
    code, out = _run()
    assert code == 1
    assert "keeps 5 rows" in out and "holds 4 rows" in out
