"""The import service end to end (upload -> job -> bills, rows, checks) on statements the
parser engineer's factory makes for every shipped template."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Bill, CreditCard, StatementImport, Transaction
from billing.services import statement_import
from core.errors import DomainError, PayloadTooLargeError, UnsupportedMediaTypeError
from jobs.models import ProcessingJob
from jobs.services import job_run
from tests.billing.conftest import D, fake_statement, import_file, upload
from tests.billing.statement_factory import (
    PDF_MAKERS,
    FakeCard,
    FakeStatement,
    FakeTxn,
    maybank_pdf,
    maybank_xlsx,
)

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize("bank_code", sorted(PDF_MAKERS))
def test_every_shipped_template_imports_verified(
    bank_code, customer, django_capture_on_commit_callbacks
):
    fake = fake_statement()
    statement = import_file(
        django_capture_on_commit_callbacks,
        PDF_MAKERS[bank_code](fake),
        f"{bank_code}.pdf",
        customer=customer,
    )
    assert statement.status == StatementImport.Status.VERIFIED, statement.problems
    assert (statement.bank.code, statement.parser_key) == (bank_code, bank_code)
    bill = statement.bills.get()
    card = fake.cards[0]
    assert bill.statement_date == fake.statement_date
    assert bill.due_date == fake.due_date
    assert (bill.previous_balance, bill.new_balance) == (card.previous_balance, card.new_balance)
    assert (bill.total_debits, bill.total_credits) == (card.debits, card.credits)
    assert bill.card.last4 == "0001" and bill.card.customer == customer
    stored = sorted((t.amount, t.direction) for t in bill.transactions.all())
    assert stored == sorted((t.amount, t.direction) for t in card.transactions)
    assert all(t.source_page and t.source_line for t in bill.transactions.all())
    assert statement.job.status == ProcessingJob.Status.SUCCEEDED


def test_identical_same_day_rows_both_survive(customer, django_capture_on_commit_callbacks):
    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(fake_statement()))
    groceries = Transaction.objects.filter(description="DEMO MART GROCERS").order_by("occurrence")
    assert [t.occurrence for t in groceries] == [0, 1]
    assert statement.status == "verified"


def test_byte_identical_reupload_is_recorded_as_duplicate(
    customer, django_capture_on_commit_callbacks
):
    data = maybank_pdf(fake_statement())
    first = import_file(django_capture_on_commit_callbacks, data, "maybank.pdf")
    result = statement_import(file=upload(data, "maybank_copy.pdf"), uploaded_by=None)
    copy = result.statement_import
    assert result.queued is False
    assert (copy.status, copy.duplicate_of_id, copy.job_id) == ("duplicate", first.pk, None)
    assert copy.file.name == first.file.name  # the same bytes are not stored twice
    assert Bill.objects.count() == 1 and Transaction.objects.count() == 5


def test_same_statement_as_another_file_is_a_fingerprint_duplicate(
    django_capture_on_commit_callbacks,
):
    fake = fake_statement()
    first = import_file(django_capture_on_commit_callbacks, maybank_pdf(fake))
    again = import_file(django_capture_on_commit_callbacks, maybank_xlsx(fake), "export.xlsx")
    assert again.format == "xlsx"
    assert (again.status, again.duplicate_of_id) == ("duplicate", first.pk)
    assert [p["code"] for p in again.problems if p["code"] == "duplicate_statement"]
    assert Bill.objects.count() == 1 and Transaction.objects.count() == 5


def test_rerunning_the_job_never_doubles_bills_or_rows(django_capture_on_commit_callbacks):
    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(fake_statement()))
    job = statement.job
    # A redelivered task after success does nothing; a forced re-run replaces, never adds.
    assert job_run(job_id=job.pk) is None
    ProcessingJob.objects.filter(pk=job.pk).update(status="queued", attempts=0)
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    statement.refresh_from_db()
    assert statement.status == "verified"
    assert Bill.objects.count() == 1 and Transaction.objects.count() == 5


class MisprintedCard(FakeCard):
    """A card whose statement prints a new balance 10.00 off the true sum."""

    @property
    def new_balance(self):
        return super().new_balance + D("10.00")


def test_broken_balance_goes_to_review_with_the_reason(django_capture_on_commit_callbacks):
    fake = fake_statement()
    card = fake.cards[0]
    misprinted = FakeStatement(
        fake.statement_date, [MisprintedCard(card.last4, card.previous_balance, card.transactions)]
    )
    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(misprinted))
    assert statement.status == "review"
    problem = next(p for p in statement.problems if p["code"] == "balance_mismatch")
    assert "off by 10.00" in problem["message"]
    bill = statement.bills.get()
    assert bill.status == "review"
    assert [p["code"] for p in bill.problems] == ["balance_mismatch"]
    assert bill.new_balance == card.new_balance + D("10.00")  # stored as printed, not fixed


def test_previous_balance_is_checked_against_the_cards_last_bill(
    django_capture_on_commit_callbacks,
):
    october = fake_statement(statement_date=date(2026, 10, 18), previous="100.00")
    import_file(django_capture_on_commit_callbacks, maybank_pdf(october))
    october_new = october.cards[0].new_balance
    good = import_file(
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement(previous=str(october_new))),
    )
    assert good.status == "verified", good.problems
    bad = import_file(
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement(statement_date=date(2026, 12, 18), previous="1.00")),
    )
    assert bad.status == "review"
    problem = next(p for p in bad.problems if p["code"] == "previous_balance_mismatch")
    assert str(good.bills.get().new_balance) in problem["message"]


def test_overlapping_statements_never_double_a_row(django_capture_on_commit_callbacks):
    shared = FakeTxn(date(2026, 11, 17), date(2026, 11, 17), "LATE NIGHT TAXI", D("23.10"))
    november = fake_statement(rows=[shared])
    import_file(django_capture_on_commit_callbacks, maybank_pdf(november))
    # The next statement reprints the last row of November (bank cut-off overlap).
    december_rows = [shared, FakeTxn(date(2026, 12, 3), date(2026, 12, 2), "CAFE", D("9.00"))]
    december = fake_statement(
        statement_date=date(2026, 12, 18),
        previous=str(november.cards[0].new_balance),
        rows=december_rows,
    )
    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(december))
    assert Transaction.objects.filter(description="LATE NIGHT TAXI").count() == 1
    assert any(p["code"] == "overlap_rows_skipped" for p in statement.problems)
    assert statement.bills.get().transactions.count() == 1


def test_card_is_matched_by_customer_bank_and_last4(customer, django_capture_on_commit_callbacks):
    import_file(
        django_capture_on_commit_callbacks,
        maybank_pdf(fake_statement(statement_date=date(2026, 10, 18), previous="0.00")),
        customer=customer,
    )
    import_file(django_capture_on_commit_callbacks, maybank_pdf(fake_statement()))
    card = CreditCard.objects.get()
    assert (card.bank.code, card.last4, card.customer) == ("maybank", "0001", customer)
    assert card.bills.count() == 2


def test_protected_pdf_needs_its_password(django_capture_on_commit_callbacks):
    data = maybank_pdf(fake_statement(), password="s3cret")
    with pytest.raises(DomainError) as missing:
        statement_import(file=upload(data), uploaded_by=None)
    assert missing.value.code == "password_required"
    with pytest.raises(DomainError) as wrong:
        statement_import(file=upload(data), uploaded_by=None, password="nope")
    assert wrong.value.code == "password_incorrect"
    assert not StatementImport.objects.exists()
    statement = import_file(django_capture_on_commit_callbacks, data, password="s3cret")
    assert statement.status == "verified", statement.problems
    # The original is kept untouched; the worker read the decrypted copy.
    with statement.file.open("rb") as stored:
        assert stored.read() == data
    assert statement.parse_file and statement.parse_sha256
    assert "s3cret" not in repr(ProcessingJob.objects.values().get(pk=statement.job_id))


def test_an_agent_must_name_the_customer(agent, supervisor, django_capture_on_commit_callbacks):
    """The rule lives in the service, so every caller (API, admin, command) gets it."""
    data = b"Date,Description,Amount\n2026-11-02,COFFEE,4.50\n"
    with pytest.raises(DomainError) as refused:
        statement_import(file=upload(data, "x.csv"), uploaded_by=agent)
    assert (refused.value.status, refused.value.code) == (400, "validation_error")
    assert refused.value.details == {
        "fields": {"customer": ["Agents must say whose statement this is."]}
    }
    assert not StatementImport.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        result = statement_import(file=upload(data, "x.csv"), uploaded_by=supervisor)
    assert result.statement_import.customer is None


def test_limits_and_unknown_formats_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(PayloadTooLargeError):
        statement_import(file=upload(b"x" * 101, "big.csv"), uploaded_by=None)
    settings.UPLOAD_MAX_BYTES = 10_000
    with pytest.raises(UnsupportedMediaTypeError):
        statement_import(
            file=upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.png"), uploaded_by=None
        )
    with pytest.raises(DomainError) as empty:
        statement_import(file=upload(b"", "empty.csv"), uploaded_by=None)
    assert empty.value.code == "empty_file"
    with pytest.raises(DomainError) as broken:
        statement_import(file=upload(b"%PDF-1.4 not really", "broken.pdf"), uploaded_by=None)
    assert broken.value.code == "unreadable_pdf"
    assert not StatementImport.objects.exists()


def _import_naming_bank_and_card(capture, rows: str):
    """The export uploaded again with the details it does not print: its bank and card."""
    from billing.models import Bank

    return import_file(
        capture,
        rows.encode(),
        "export.csv",
        bank=Bank.objects.get(code="public_bank"),
        card_last4="4242",
    )


def test_failed_import_can_be_uploaded_again_with_more_details(django_capture_on_commit_callbacks):
    rows = "Date,Description,Amount\n2026-11-02,COFFEE,4.50\n2026-11-03,BOOKS,20.00\n"
    statement = import_file(django_capture_on_commit_callbacks, rows.encode(), "export.csv")
    assert statement.status == "failed"
    assert statement.error_code in {"bank_not_identified", "card_number_missing"}
    again = _import_naming_bank_and_card(django_capture_on_commit_callbacks, rows)
    assert again.pk == statement.pk
    assert again.status == "review"  # the generic reader guessed: someone should look
    assert again.bills.get().card.last4 == "4242"
    bill = again.bills.get()
    assert bill.transactions.count() == 2
    assert bill.total_debits + bill.total_credits == Decimal("24.50")


def test_the_end_of_a_superseded_job_leaves_the_reimported_statement_alone(
    django_capture_on_commit_callbacks,
):
    from billing.services.statement_processing import statement_import_failed

    rows = "Date,Description,Amount\n2026-11-02,COFFEE,4.50\n"
    failed = import_file(django_capture_on_commit_callbacks, rows.encode(), "export.csv")
    old_job = ProcessingJob.objects.get(pk=failed.job_id)
    again = _import_naming_bank_and_card(django_capture_on_commit_callbacks, rows)
    assert again.job_id != old_job.pk and again.status == "review"
    statement_import_failed(old_job)  # e.g. a retry of the old job failing once more
    again.refresh_from_db()
    assert (again.status, again.error_code) == ("review", "")


def test_a_failed_import_still_lists_what_the_reader_found(django_capture_on_commit_callbacks):
    from tests.billing.statement_factory import flagged_csv

    rows = [
        ("02.11.2026", "GROCERIES", "12,50", "O"),
        ("02.11.2026", "BAKERY", "3,20", "O"),
        ("02.11.2026", "BAKERY", "3,20", "O"),
        ("03.11.2026", "REFUND", "100,00", "I"),
        ("04.11.2026", "MYSTERY", "7,00", "EUR"),
        ("05.11.2026", "MYSTERY TWO", "8,00", ""),
    ]
    statement = import_file(django_capture_on_commit_callbacks, flagged_csv(rows), "flags.csv")
    # Read without a template and filed under "other bank", it prints no card number.
    assert (statement.status, statement.error_code) == ("failed", "card_number_missing")
    assert [p["code"] for p in statement.problems].count("row_unreadable") == 2
    assert not Bill.objects.exists()


def test_rows_without_a_date_or_amount_are_reported_not_stored():
    from billing.parsers import ParsedBill, ParsedStatement, ParsedTransaction
    from billing.services import statement_store
    from tests.billing.factories import StatementImportFactory

    def row(day, text, amount, line):
        return ParsedTransaction(day, day, text, D(amount), "debit", page=1, line=line)

    bill = ParsedBill(
        card_last4="4321",
        statement_date=date(2026, 11, 18),
        due_date=date(2026, 12, 8),
        previous_balance=D("0.00"),
        new_balance=D("15.00"),
        transactions=[
            row(date(2026, 11, 2), "BOOKS", "15.00", 7),
            row(None, "NO DATE", "0.00", 8),
            row(date(2026, 11, 3), "WAIVED FEE", "0.00", 9),
        ],
    )
    parsed = ParsedStatement("maybank", 1, "pdf", bills=[bill])
    statement = StatementImportFactory(status="processing")
    summary = statement_store(statement_import=statement, parsed=parsed)
    stored = statement.bills.get()
    assert [t.description for t in stored.transactions.all()] == ["BOOKS"]
    codes = {p["code"]: p["severity"] for p in stored.problems}
    assert codes == {"row_undated": "error", "row_zero_amount": "warning"}
    assert (stored.status, summary["status"]) == ("review", "review")


def test_ocbc_account_export_through_its_table_template(django_capture_on_commit_callbacks):
    """The shipped table template (OCBC CSV export): detected without naming the bank; the
    export prints no card number, so the upload gives it; no previous balance → review."""
    export = (
        "Account details for:,DEMO Account 123-456789-001\n"
        'Available Balance,"1,000.00"\nLedger Balance,"1,000.00"\n\nTransaction History\n'
        "Transaction date,Value date,Description,Withdrawals (SGD),Deposits (SGD)\n"
        "18/04/2018,18/04/2018,DEBIT PURCHASE,6.66,\n,,UBER EATS DEMO,\n"
        "17/04/2018,17/04/2018,SALARY,,1000.00\n"
    )
    statement = import_file(
        django_capture_on_commit_callbacks, export.encode(), "history.csv", card_last4="9001"
    )
    assert (statement.status, statement.bank.code, statement.parser_key) == (
        "review",
        "ocbc",
        "ocbc",
    )
    bill = statement.bills.get()
    rows = {(t.description, t.amount, t.direction) for t in bill.transactions.all()}
    assert rows == {
        ("DEBIT PURCHASE UBER EATS DEMO", D("6.66"), "debit"),
        ("SALARY", D("1000.00"), "credit"),
    }
    assert "balance_missing" in {p["code"] for p in bill.problems}


def test_reuploading_a_fingerprint_duplicate_file_stores_nothing_new(
    django_capture_on_commit_callbacks,
):
    fake = fake_statement()
    import_file(django_capture_on_commit_callbacks, maybank_pdf(fake))
    export = maybank_xlsx(fake)
    as_export = import_file(django_capture_on_commit_callbacks, export, "export.xlsx")
    again = statement_import(file=upload(export, "export again.xlsx"), uploaded_by=None)
    assert again.queued is False
    assert again.statement_import.duplicate_of_id == as_export.pk
    assert again.statement_import.file.name == as_export.file.name
    assert Bill.objects.count() == 1


def test_an_earlier_statement_imported_later_rechecks_the_next_bill(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    october = fake_statement(statement_date=date(2026, 10, 18), previous="100.00")
    wrong_next = fake_statement(previous="1.00")  # does not follow from October
    right_next = fake_statement(last4="0002", previous=str(october.cards[0].new_balance))
    november_bad = import_file(capture, maybank_pdf(wrong_next))
    november_ok = import_file(capture, maybank_pdf(right_next))
    assert (november_bad.status, november_ok.status) == ("verified", "verified")  # no history yet
    import_file(capture, maybank_pdf(october))
    october_ok = import_file(
        capture,
        maybank_pdf(
            fake_statement(last4="0002", statement_date=date(2026, 10, 18), previous="100.00")
        ),
    )
    november_bad.refresh_from_db()
    november_ok.refresh_from_db()
    assert october_ok.status == "verified"
    assert november_bad.status == "review"
    assert "previous_balance_mismatch" in {p["code"] for p in november_bad.bills.get().problems}
    assert "previous_balance_mismatch" in {p["code"] for p in november_bad.problems}
    assert november_ok.status == "verified"


def test_a_reader_crash_fails_at_once_instead_of_retrying(
    monkeypatch, django_capture_on_commit_callbacks
):
    from billing.services import statement_processing

    def crash(*args, **kwargs):
        raise ValueError("template regex blew up")

    monkeypatch.setattr(statement_processing, "parse_statement", crash)
    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(fake_statement()))
    assert (statement.status, statement.error_code) == ("failed", "unreadable_statement")
    assert statement.job.attempts == 1
