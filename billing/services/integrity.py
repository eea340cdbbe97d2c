"""Every billing rule re-checked over the whole database, plus stored-file checksums.

A *problem* is something the stored data claims that is not true: a bill marked verified that
does not reconcile, a broken balance chain after a verified bill, a stored file that is
missing or no longer matches its checksum. Bills already in `review` carry their reasons in
`problems`; they are counted as known, not reported again.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from billing.models import Bill, StatementImport, Transaction
from billing.reconciliation import printed_total_mismatches, stored_bill_reconciliation
from billing.services.bill_checks import CONSECUTIVE_MAX_GAP
from core.integrity import IntegrityProblem, KnownIssues, stored_file_mismatch

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def billing_integrity_problems() -> Iterator[IntegrityProblem]:
    yield from _bill_problems()
    yield from _chain_problems()
    yield from _transaction_problems()
    yield from statement_file_problems()


def _bill_problems() -> Iterator[IntegrityProblem]:
    sums = _row_sums()
    bills = Bill.objects.select_related("card__bank").order_by("pk")
    for bill in bills.iterator(chunk_size=2000):
        ref = f"bill #{bill.pk} ({bill.card}, {bill.statement_date})"
        if (message := _kept_sums_mismatch(bill, sums.get(bill.pk))) is not None:
            yield IntegrityProblem("bill", ref, message)
        if bill.status == Bill.Status.VERIFIED:
            for message in _bill_rule_failures(bill, sums.get(bill.pk)):
                yield IntegrityProblem("bill", ref, message)


def _kept_sums_mismatch(bill: Bill, stored: dict | None) -> str | None:
    """The dashboard reads each bill's kept count and sums of its rows: they must be true."""
    stored = stored or {}
    actual = (stored.get("rows", 0), stored.get("debits") or ZERO, stored.get("credits") or ZERO)
    kept = (bill.row_count, bill.row_debits, bill.row_credits)
    if actual != kept:
        return (
            f"keeps {kept[0]} rows, debits {kept[1]}, credits {kept[2]} but holds "
            f"{actual[0]} rows, debits {actual[1]}, credits {actual[2]}"
        )
    return None


def _row_sums() -> dict:
    """Per bill: count, debits and credits of its stored rows, to the cent (SQLite sums
    decimals in floating point)."""
    rows = Transaction.objects.values("bill").annotate(
        debits=Sum("amount", filter=Q(direction="debit")),
        credits=Sum("amount", filter=Q(direction="credit")),
        rows=Count("pk"),
    )
    return {
        row["bill"]: {
            "rows": row["rows"],
            "debits": Decimal(row["debits"] or 0).quantize(CENT),
            "credits": Decimal(row["credits"] or 0).quantize(CENT),
        }
        for row in rows
    }


def _bill_rule_failures(bill: Bill, stored: dict | None) -> list[str]:
    failures = []
    if bill.previous_balance is None or bill.new_balance is None:
        failures.append("marked verified but a balance is missing")
    elif not (reconciliation := stored_bill_reconciliation(bill)).balanced:
        failures.append(f"marked verified but {reconciliation.explained()}")
    mismatches = printed_total_mismatches(
        debits=bill.total_debits,
        credits=bill.total_credits,
        printed_debits=bill.printed_total_debits,
        printed_credits=bill.printed_total_credits,
    )
    for label, printed, parsed in mismatches:
        failures.append(f"printed total {label} {printed} differ from the rows' {parsed}")
    if bill.due_date is not None and bill.due_date <= bill.statement_date:
        failures.append(f"due date {bill.due_date} is not after {bill.statement_date}")
    # Rows skipped as overlap live with an earlier bill, so only complete bills must sum up.
    overlapped = any(p.get("code") == "overlap_rows_skipped" for p in bill.problems or [])
    if not overlapped:
        debits = (stored or {}).get("debits") or ZERO
        credits = (stored or {}).get("credits") or ZERO
        if (debits, credits) != (bill.total_debits, bill.total_credits):
            failures.append(
                f"stored rows sum to debits {debits} / credits {credits}, the bill says "
                f"{bill.total_debits} / {bill.total_credits}"
            )
    return failures


def _chain_problems() -> Iterator[IntegrityProblem]:
    bills = Bill.objects.select_related("card__bank").order_by("card_id", "statement_date", "id")
    earlier: Bill | None = None
    for bill in bills.iterator(chunk_size=2000):
        if (
            earlier is not None
            and earlier.card_id == bill.card_id
            and bill.status == Bill.Status.VERIFIED
            and _chain_broken(earlier, bill)
        ):
            yield IntegrityProblem(
                "chain",
                f"bill #{bill.pk} ({bill.card}, {bill.statement_date})",
                f"previous balance {bill.previous_balance} differs from the new balance "
                f"{earlier.new_balance} of bill #{earlier.pk} ({earlier.statement_date})",
            )
        earlier = bill


def _chain_broken(earlier: Bill, bill: Bill) -> bool:
    if bill.statement_date - earlier.statement_date > CONSECUTIVE_MAX_GAP:
        return False
    if bill.previous_balance is None or earlier.new_balance is None:
        return False
    return bill.previous_balance != earlier.new_balance


def _transaction_problems() -> Iterator[IntegrityProblem]:
    foreign = Transaction.objects.exclude(card_id=F("bill__card_id")).values_list("pk", flat=True)
    for pk in foreign[:100]:
        yield IntegrityProblem(
            "transaction", f"transaction #{pk}", "card differs from its bill's card"
        )
    bad = Transaction.objects.filter(amount__lte=0).values_list("pk", flat=True)
    for pk in bad[:100]:
        yield IntegrityProblem("transaction", f"transaction #{pk}", "amount is not positive")


def statement_file_problems() -> Iterator[IntegrityProblem]:
    imports = StatementImport.objects.exclude(file="").only(
        "pk", "file", "sha256", "parse_file", "parse_sha256"
    )
    for statement in imports.iterator(chunk_size=500):
        ref = f"statement import #{statement.pk}"
        message = stored_file_mismatch(statement.file.name, statement.sha256)
        if message:
            yield IntegrityProblem("file", ref, message)
        if statement.parse_file:
            message = stored_file_mismatch(statement.parse_file.name, statement.parse_sha256)
            if message:
                yield IntegrityProblem("file", ref, f"decrypted copy: {message}")


def bills_in_review() -> KnownIssues:
    """Bills whose own checks already failed: they carry their reasons, so they are counted."""
    count = Bill.objects.filter(status=Bill.Status.REVIEW).count()
    return KnownIssues("bills_in_review", count, "bill(s) in review with known reasons")
