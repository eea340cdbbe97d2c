"""The `statement.import` job: parse the stored file, store bills and transactions, check them.

Idempotent: everything happens in one transaction that first removes what an earlier attempt
of this import stored, so a re-run (a redelivered task, a retry) never doubles a bill or a row.
"""

from __future__ import annotations

import logging
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.roles import sees_all_customers
from billing.models import Bank, BankTemplate, Bill, CreditCard, StatementImport, Transaction
from billing.parsers import (
    ParsedBill,
    ParsedStatement,
    parse_statement,
    statement_status,
)
from billing.parsers.reconcile import bill_sums
from billing.services.bill_checks import (
    bill_fingerprint,
    card_bill_before,
    chain_recheck_after,
    previous_bill_problem,
)
from billing.services.merchant_rules import merchant_rules_assign
from billing.services.reference_data import OTHER_BANK_CODE
from jobs.models import ProcessingJob
from jobs.registry import PermanentJobError
from ocrengine.documents import DocumentError
from webhooks.events import STATEMENT_STATUS_EVENTS, statement_payload
from webhooks.services import webhooks_emit

logger = logging.getLogger(__name__)


def active_template_specs() -> list[dict]:
    return list(
        BankTemplate.objects.filter(status=BankTemplate.Status.ACTIVE, bank__is_active=True)
        .order_by("bank__code")
        .values_list("spec", flat=True)
    )


def statement_import_run(job: ProcessingJob) -> dict:
    """Job handler for `statement.import`."""
    statement = StatementImport.objects.get(pk=job.target_id)
    if statement.status == StatementImport.Status.DUPLICATE and statement.duplicate_of_id:
        return {"status": statement.status, "bills": 0}
    with transaction.atomic():
        statement = StatementImport.objects.select_for_update().get(pk=statement.pk)
        _mark_processing(statement)
    parsed = _parse(statement)
    try:
        with transaction.atomic():
            statement = StatementImport.objects.select_for_update().get(pk=statement.pk)
            return statement_store(statement_import=statement, parsed=parsed)
    except PermanentJobError:
        # The file was read but cannot be filed (no bank, no card number): keep what the
        # reader found (e.g. rows with unreadable flags) so the user sees it with the error.
        StatementImport.objects.filter(pk=statement.pk).update(
            problems=statement_status(parsed)[1], parser_key=parsed.bank_code
        )
        raise


def statement_import_failed(job: ProcessingJob) -> None:
    """on_failure: the import says failed too, with the job's reason, unless the import has
    moved on to a newer job since (a failed upload sent again): an old job's end is history."""
    StatementImport.objects.filter(pk=job.target_id, job_id=job.pk).update(
        status=StatementImport.Status.FAILED,
        error_code=job.error_code,
        error=job.error,
        processed_at=timezone.now(),
    )


def _mark_processing(statement: StatementImport) -> None:
    statement.status = StatementImport.Status.PROCESSING
    statement.save(update_fields=["status"])


def _parse(statement: StatementImport) -> ParsedStatement:
    stored = statement.parse_file if statement.parse_file else statement.file
    with stored.open("rb") as handle:
        data = handle.read()
    try:
        return parse_statement(
            data,
            filename=statement.original_name,
            templates=active_template_specs(),
            bank_code=statement.bank.code if statement.bank_id else None,
        )
    except DocumentError as error:
        raise PermanentJobError(error.code, error.message) from error
    except Exception as error:
        # Reading the same bytes with the same templates fails the same way every time, so
        # this is not retried; the traceback goes to the log for the template's author.
        logger.exception("statement import %s: the reader crashed", statement.pk)
        raise PermanentJobError(
            "unreadable_statement",
            f"The statement could not be read ({type(error).__name__}); "
            "it was logged for a template fix.",
        ) from error


def statement_store(*, statement_import: StatementImport, parsed: ParsedStatement) -> dict:
    """Replace this import's bills with those of `parsed` and set the import's status.

    Raises PermanentJobError when the statement cannot be tied to a bank or a card.
    """
    statement = statement_import
    statement.bills.all().delete()  # an earlier attempt's work: re-run from scratch
    bank = _bank_for(statement, parsed)
    status, problems = statement_status(parsed)
    stored, duplicates_of = 0, []
    for index, parsed_bill in enumerate(parsed.bills):
        card = _card_for(statement, bank, parsed_bill)
        original = _store_bill(statement, card, parsed_bill, problems, index)
        if original is None:
            stored += 1
        else:
            duplicates_of.append(original)
    statement.bank = bank
    statement.parser_key = parsed.bank_code
    statement.template_version = parsed.template_version
    statement.problems = problems
    statement.status = _final_status(status, problems, stored, duplicates_of)
    statement.duplicate_of = duplicates_of[0] if duplicates_of and not stored else None
    statement.error_code = statement.error = ""
    statement.processed_at = timezone.now()
    statement.save()
    if event := STATEMENT_STATUS_EVENTS.get(statement.status):  # sent once this commits
        webhooks_emit(event=event, payload=statement_payload(statement))
    return {"status": statement.status, "bills": stored, "problems": len(problems)}


def _final_status(status: str, problems: list[dict], stored: int, duplicates_of: list) -> str:
    if duplicates_of and not stored:
        return StatementImport.Status.DUPLICATE
    blocking = any(p.get("severity") == "error" for p in problems)
    return StatementImport.Status.REVIEW if blocking or status != "verified" else status


def _bank_for(statement: StatementImport, parsed: ParsedStatement) -> Bank:
    """The bank whose template read it; else the bank the upload named; else "other bank"."""
    if parsed.bank_code != OTHER_BANK_CODE:
        detected = Bank.objects.filter(code=parsed.bank_code).first()
        if detected is not None:
            return detected
    if statement.bank_id:
        return statement.bank
    other = Bank.objects.filter(code=OTHER_BANK_CODE).first()
    if other is not None:
        return other
    raise PermanentJobError(
        "bank_not_identified",
        "The statement's bank was not recognised. Upload it again naming its bank in `bank`.",
    )


def _card_for(statement: StatementImport, bank: Bank, bill: ParsedBill) -> CreditCard:
    """The card this bill belongs to: the import's customer's card with this bank and last 4.

    Cards are never matched across customers: a card with the same digits under another
    customer is another card, and an unfiled card is never claimed for a customer.
    """
    last4 = (bill.card_last4 or statement.card_last4 or "")[-4:]
    if len(last4) != 4 or not last4.isdigit():
        raise PermanentJobError(
            "card_number_missing",
            "The statement does not print a card number. Upload it again with the card's "
            "last 4 digits in `card_last4`.",
        )
    defaults = {"holder": bill.card_holder[:200], "credit_limit": bill.credit_limit}
    if statement.customer_id is None:
        if (owned := _only_customer_card(statement, bank, last4)) is not None:
            return owned
        card, _ = CreditCard.objects.get_or_create(
            customer=None, bank=bank, last4=last4, defaults=defaults
        )
        return card
    card, _ = CreditCard.objects.get_or_create(
        customer=statement.customer, bank=bank, last4=last4, defaults=defaults
    )
    return card


def _only_customer_card(statement: StatementImport, bank: Bank, last4: str) -> CreditCard | None:
    """An upload naming no customer, by someone who sees every customer (or by the system
    itself, with no uploader): the one customer's card with these digits, if there is exactly
    one. Several are refused rather than guessed; an agent's upload never reaches them."""
    uploader = statement.uploaded_by
    if uploader is not None and not sees_all_customers(uploader):
        return None
    owned = list(
        CreditCard.objects.filter(bank=bank, last4=last4, customer__isnull=False).order_by("pk")[:2]
    )
    if len(owned) > 1:
        raise PermanentJobError(
            "card_customer_ambiguous",
            f"Several customers hold a {bank.code} card ending in {last4}. Upload the "
            "statement again naming its customer in `customer`.",
        )
    return owned[0] if owned else None


def _store_bill(
    statement: StatementImport, card: CreditCard, parsed: ParsedBill, problems: list, index: int
) -> StatementImport | None:
    """Store one bill and its rows; returns the original import when it is a duplicate."""
    debits, credits = bill_sums(parsed)
    statement_date = parsed.statement_date or _last_row_date(parsed)
    if statement_date is None:
        raise PermanentJobError(
            "statement_date_missing", "Neither a statement date nor any dated row was found."
        )
    fingerprint = bill_fingerprint(
        card_id=card.pk,
        statement_date=statement_date,
        new_balance=parsed.new_balance,
        debits=debits,
        credits=credits,
    )
    existing = Bill.objects.filter(fingerprint=fingerprint).select_related("statement_import")
    if (original := existing.first()) is not None:
        problems.append(_duplicate_problem(original, index, card.last4))
        return original.statement_import
    own = [p for p in problems if p.get("bill") == index]
    earlier = card_bill_before(card, statement_date)
    if (
        chain := previous_bill_problem(
            previous_balance=parsed.previous_balance, statement_date=statement_date, earlier=earlier
        )
    ) is not None:
        chain = {**chain, "bill": index, "card_last4": card.last4}
        problems.append(chain)
        own.append(chain)
    blocking = any(p.get("severity") == "error" for p in own)
    bill = Bill.objects.create(
        card=card,
        account_kind=parsed.account_kind,
        statement_import=statement,
        statement_date=statement_date,
        due_date=parsed.due_date,
        period_start=parsed.period_start,
        previous_balance=parsed.previous_balance,
        total_debits=debits,
        total_credits=credits,
        printed_total_debits=parsed.total_debits,
        printed_total_credits=parsed.total_credits,
        new_balance=parsed.new_balance,
        minimum_payment=parsed.minimum_payment,
        currency=(parsed.currency or "MYR")[:3].upper(),
        status=Bill.Status.REVIEW if blocking else Bill.Status.VERIFIED,
        problems=own,
        fingerprint=fingerprint,
    )
    notes = [
        {**note, "bill": index, "card_last4": card.last4}
        for note in _store_transactions(bill, parsed)
    ]
    if notes:
        problems.extend(notes)
        bill.problems = [*own, *notes]
        if any(note["severity"] == "error" for note in notes):
            bill.status = Bill.Status.REVIEW
        bill.save(update_fields=["problems", "status"])
    chain_recheck_after(bill)
    return None


def _duplicate_problem(original: Bill, index: int, last4: str) -> dict:
    return {
        "code": "duplicate_statement",
        "message": f"This bill (card ••••{last4}, {original.statement_date}, new balance "
        f"{original.new_balance}) was already imported with import #{original.statement_import_id}.",
        "severity": "error",
        "bill": index,
        "card_last4": last4,
    }


def _last_row_date(parsed: ParsedBill):
    dates = [t.posting_date or t.transaction_date for t in parsed.transactions]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def _store_transactions(bill: Bill, parsed: ParsedBill) -> list[dict]:
    """Store the bill's rows; returns notes on rows not stored (and why).

    `occurrence` is the n-th identical row (same date, text, amount, direction) within this
    statement: two real identical coffees survive, while the same coffee printed again on the
    next, overlapping statement is recognised and not stored twice.
    """
    seen: Counter = Counter()
    rows: list[Transaction] = []
    undated, zero = [], []
    for tx in parsed.transactions:
        if tx.is_memo:
            continue
        day = tx.transaction_date or tx.posting_date
        if day is None:
            undated.append(tx)
            continue
        if tx.amount <= 0:
            zero.append(tx)
            continue
        description = " ".join(tx.description.split())[:500]
        key = (day, description, tx.amount, tx.direction)
        occurrence = seen[key]
        seen[key] += 1
        rows.append(_transaction(bill, tx, day, description, occurrence))
    existing = _existing_keys(bill, rows)
    fresh = [r for r in rows if _row_key(r) not in existing]
    merchant_rules_assign(rows=fresh, customer_id=bill.card.customer_id)  # category, merchant
    Transaction.objects.bulk_create(fresh, batch_size=500)
    bill.row_count = len(fresh)
    bill.row_debits = sum((r.amount for r in fresh if r.direction == "debit"), Decimal("0"))
    bill.row_credits = sum((r.amount for r in fresh if r.direction == "credit"), Decimal("0"))
    bill.save(update_fields=["row_count", "row_debits", "row_credits"])
    return _row_notes(len(rows) - len(fresh), undated, zero)


def _transaction(bill: Bill, tx, day, description: str, occurrence: int) -> Transaction:
    return Transaction(
        bill=bill,
        card=bill.card,
        posting_date=tx.posting_date,
        transaction_date=day,
        description=description,
        amount=tx.amount,
        direction=tx.direction,
        fx_amount=tx.fx_amount,
        fx_currency=(tx.fx_currency or "")[:3],
        source_page=tx.page,
        source_line=tx.line,
        raw_text=tx.raw_text,
        occurrence=occurrence,
    )


def _row_notes(overlapping: int, undated: list, zero: list) -> list[dict]:
    notes = []
    if overlapping:
        notes.append({
            "code": "overlap_rows_skipped",
            "message": f"{overlapping} row(s) were already stored with an earlier bill of this "
            "card (overlapping statements) and were not stored twice.",
            "severity": "warning",
        })  # fmt: skip
    if undated:
        lines = ", ".join(str(tx.line) for tx in undated[:10])
        notes.append({
            "code": "row_undated",
            "message": f"{len(undated)} row(s) without a date were not stored (line {lines}).",
            "severity": "error",
        })  # fmt: skip
    if zero:
        lines = ", ".join(str(tx.line) for tx in zero[:10])
        notes.append({
            "code": "row_zero_amount",
            "message": f"{len(zero)} row(s) of 0.00 were not stored (line {lines}).",
            "severity": "warning",
        })  # fmt: skip
    return notes


def _row_key(row: Transaction) -> tuple:
    return (
        row.transaction_date,
        row.description,
        Decimal(row.amount),
        row.direction,
        row.occurrence,
    )


def _existing_keys(bill: Bill, rows: list[Transaction]) -> set[tuple]:
    if not rows:
        return set()
    dates = [r.transaction_date for r in rows]
    stored = Transaction.objects.filter(
        card=bill.card, transaction_date__gte=min(dates), transaction_date__lte=max(dates)
    ).values_list("transaction_date", "description", "amount", "direction", "occurrence")
    return {(d, text, Decimal(amount), direction, n) for d, text, amount, direction, n in stored}
