"""Matching receipts and invoices to the card charges that paid them (the only writes here).

`matches_propose` finds candidates (matching/candidates.py), stores them as proposed and
confirms the clear ones above MATCH_AUTO_CONFIRM_SCORE; it runs as the `match.propose` job
(after an invoice is recognised or approved, after a statement import: matching/signals.py,
and on demand), and is idempotent: a re-run updates scores, drops proposals that no longer
hold, never re-proposes a rejected pair and never touches a confirmed one.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import Transaction
from core.errors import ConflictError, InvalidFieldsError
from invoices.models import Invoice
from jobs.models import ProcessingJob
from jobs.services import job_create
from matching.candidates import ChargeRow, InvoiceIndex, InvoiceRow, candidates_for
from matching.models import MatchRun, ReceiptMatch
from matching.selectors import charge_scope, receipt_scope
from webhooks.events import MATCH_CONFIRMED
from webhooks.models import WebhookSubscription
from webhooks.services import webhooks_emit

MATCH_PROPOSE_JOB = "match.propose"
CONFIRMED = ReceiptMatch.Status.CONFIRMED
PROPOSED = ReceiptMatch.Status.PROPOSED


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _charges(scope: Q) -> list[ChargeRow]:
    rows = (
        Transaction.objects.filter(scope)
        .exclude(receipt_matches__status=CONFIRMED)
        .values_list(
            "id",
            "card__customer_id",
            "transaction_date",
            "amount",
            "bill__currency",
            "fx_amount",
            "fx_currency",
            "description",
            "merchant",
        )
        .order_by()
    )
    return [
        ChargeRow(
            id=pk,
            customer_id=customer,
            date=day,
            amount_cents=_cents(amount),
            currency=(currency or "").upper(),
            fx_cents=_cents(fx_amount) if fx_amount else None,
            fx_currency=(fx_currency or "").upper(),
            merchant=merchant or description,
        )
        for pk, customer, day, amount, currency, fx_amount, fx_currency, description, merchant in rows
    ]


def _receipts(scope: Q) -> list[InvoiceRow]:
    rows = (
        Invoice.objects.filter(scope)
        .exclude(receipt_matches__status=CONFIRMED)
        .values_list("id", "customer_id", "date", "total_amount", "currency", "seller")
        .order_by()
    )
    return [
        InvoiceRow(
            id=pk,
            customer_id=customer,
            date=day,
            total_cents=_cents(total),
            currency=(currency or "").upper(),
            seller=seller or "",
        )
        for pk, customer, day, total, currency, seller in rows
    ]


def matches_propose(
    *, customer=None, date_from: date | None = None, date_to: date | None = None
) -> dict:
    """Propose matches for the charges dated in [date_from, date_to] (any date where open) of
    `customer` (or every customer); invoices are taken from the same customer only, dated
    within MATCH_DATE_WINDOW_DAYS of a charge. Returns counts: charges, receipts, proposed,
    updated, withdrawn, auto_confirmed."""
    if date_from and date_to and date_from > date_to:
        raise InvalidFieldsError({"date_to": ["Must not be before date_from."]})
    window = settings.MATCH_DATE_WINDOW_DAYS
    margin = timedelta(days=window)
    charges = _charges(charge_scope(customer=customer, date_from=date_from, date_to=date_to))
    receipts = _receipts(
        receipt_scope(
            customer=customer,
            date_from=date_from - margin if date_from else None,
            date_to=date_to + margin if date_to else None,
        )
    )
    index = InvoiceIndex(receipts)
    found = {}
    for charge in charges:
        for candidate in candidates_for(
            charge, index, window_days=window, fx_tolerance=settings.MATCH_FX_TOLERANCE
        ):
            found[(candidate.invoice_id, candidate.transaction_id)] = candidate
    with transaction.atomic():
        outcome = _store(found, charge_scope(customer=customer, date_from=date_from,
                                             date_to=date_to, prefix="transaction__"))  # fmt: skip
    return {"charges": len(charges), "receipts": len(receipts), **outcome}


def _store(found: dict, scope: Q) -> dict:
    existing = {
        (invoice_id, tx_id): (pk, status, score)
        for pk, invoice_id, tx_id, status, score in ReceiptMatch.objects.filter(scope)
        .values_list("pk", "invoice_id", "transaction_id", "status", "score")
        .order_by()
    }
    confirmed = _auto_confirmations(found, existing)
    now = timezone.now()
    fresh, changed, withdrawn = [], [], []
    for pair, candidate in found.items():
        status = CONFIRMED if pair in confirmed else PROPOSED
        known = existing.get(pair)
        if known is None:
            fresh.append(ReceiptMatch(
                invoice_id=pair[0], transaction_id=pair[1], score=candidate.score,
                reasons=candidate.reasons, status=status, auto_confirmed=status == CONFIRMED,
                decided_at=now if status == CONFIRMED else None,
            ))  # fmt: skip
        elif known[1] == PROPOSED and (status == CONFIRMED or known[2] != candidate.score):
            changed.append(ReceiptMatch(
                pk=known[0], score=candidate.score, reasons=candidate.reasons, status=status,
                auto_confirmed=status == CONFIRMED, decided_at=now if status == CONFIRMED else None,
                updated_at=now,
            ))  # fmt: skip
    taken_invoices = {pair[0] for pair in confirmed}
    taken_charges = {pair[1] for pair in confirmed}
    for pair, (pk, status, _score) in existing.items():
        if status != PROPOSED or pair in confirmed:
            continue
        if pair not in found or pair[0] in taken_invoices or pair[1] in taken_charges:
            withdrawn.append(pk)  # no longer a candidate, or its side was just confirmed
    fresh = [
        m
        for m in fresh
        if m.status == CONFIRMED
        or (m.invoice_id not in taken_invoices and m.transaction_id not in taken_charges)
    ]
    for start in range(0, len(withdrawn), 500):
        ReceiptMatch.objects.filter(pk__in=withdrawn[start : start + 500]).delete()
    ReceiptMatch.objects.bulk_update(
        changed, ["score", "reasons", "status", "auto_confirmed", "decided_at", "updated_at"],
        batch_size=500,
    )  # fmt: skip
    ReceiptMatch.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    _emit_confirmed(confirmed)
    return {
        "proposed": sum(1 for m in fresh if m.status == PROPOSED),
        "updated": len(changed),
        "withdrawn": len(withdrawn),
        "auto_confirmed": len(confirmed),
    }


def match_payload(match: ReceiptMatch) -> dict:
    """The `match.confirmed` webhook's data."""
    return {
        "match_id": match.pk,
        "status": match.status,
        "score": str(match.score),
        "auto_confirmed": match.auto_confirmed,
        "invoice_id": match.invoice_id,
        "transaction_id": match.transaction_id,
        "decided_by": match.decided_by.get_username() if match.decided_by_id else None,
        "decided_at": match.decided_at.isoformat() if match.decided_at else None,
        "url": f"/api/v1/matches/{match.pk}/",
    }


def _emit_confirmed(pairs: set[tuple[int, int]]) -> None:
    """`match.confirmed` for each pair this run confirmed (sent when the run commits). Asked
    once whether anyone subscribes: a run may confirm thousands, each event a fan-out query."""
    subscribed = WebhookSubscription.objects.filter(is_active=True).values_list(
        "event_types", flat=True
    )
    if not pairs or not any(MATCH_CONFIRMED in (events or []) for events in subscribed):
        return
    invoices = sorted({invoice_id for invoice_id, _tx in pairs})
    for start in range(0, len(invoices), 500):
        stored = ReceiptMatch.objects.filter(
            status=CONFIRMED, auto_confirmed=True, invoice_id__in=invoices[start : start + 500]
        ).select_related("decided_by")
        for match in stored:
            if (match.invoice_id, match.transaction_id) in pairs:
                webhooks_emit(event=MATCH_CONFIRMED, payload=match_payload(match))


def _auto_confirmations(found: dict, existing: dict) -> set[tuple[int, int]]:
    """Pairs to confirm without a person: at or above MATCH_AUTO_CONFIRM_SCORE, not rejected
    before, and each side's clear best (no other candidate of either side scores as well);
    taken greedily, best first, each invoice and charge once."""
    threshold = Decimal(str(settings.MATCH_AUTO_CONFIRM_SCORE))
    best_invoice: dict[int, list[Decimal]] = {}
    best_charge: dict[int, list[Decimal]] = {}
    for (invoice_id, tx_id), candidate in found.items():
        if existing.get((invoice_id, tx_id), (0, PROPOSED))[1] != PROPOSED:
            continue
        best_invoice.setdefault(invoice_id, []).append(candidate.score)
        best_charge.setdefault(tx_id, []).append(candidate.score)
    chosen: set[tuple[int, int]] = set()
    used_invoices: set[int] = set()
    used_charges: set[int] = set()
    ranked = sorted(found.items(), key=lambda item: (-item[1].score, item[0]))
    for (invoice_id, tx_id), candidate in ranked:
        if candidate.score < threshold:
            break
        if existing.get((invoice_id, tx_id), (0, PROPOSED))[1] != PROPOSED:
            continue
        if invoice_id in used_invoices or tx_id in used_charges:
            continue
        if best_invoice[invoice_id].count(candidate.score) > 1:
            continue  # two charges fit this invoice equally well: a person decides
        if best_charge[tx_id].count(candidate.score) > 1:
            continue
        chosen.add((invoice_id, tx_id))
        used_invoices.add(invoice_id)
        used_charges.add(tx_id)
    return chosen


# --- A person's decision ---------------------------------------------------------------------


def match_confirm(*, match: ReceiptMatch, decided_by) -> ReceiptMatch:
    """Confirm a pair: 409 `already_matched` when the invoice or the charge is confirmed with
    something else. The other proposals of both sides are withdrawn. Confirming a confirmed
    match again changes nothing."""
    try:
        with transaction.atomic():
            match = ReceiptMatch.objects.select_for_update().get(pk=match.pk)
            if match.status == CONFIRMED:
                return match
            clash = (
                ReceiptMatch.objects.filter(status=CONFIRMED)
                .filter(Q(invoice_id=match.invoice_id) | Q(transaction_id=match.transaction_id))
                .first()
            )
            if clash is not None:
                raise _already_matched(clash)
            match.status = CONFIRMED
            match.auto_confirmed = False
            match.decided_by = decided_by
            match.decided_at = timezone.now()
            match.save(update_fields=["status", "auto_confirmed", "decided_by", "decided_at",
                                      "updated_at"])  # fmt: skip
            ReceiptMatch.objects.filter(status=PROPOSED).filter(
                Q(invoice_id=match.invoice_id) | Q(transaction_id=match.transaction_id)
            ).delete()
            webhooks_emit(event=MATCH_CONFIRMED, payload=match_payload(match))
    except IntegrityError:
        # A concurrent confirmation of one side won (the conditional unique constraints).
        clash = ReceiptMatch.objects.filter(status=CONFIRMED).filter(
            Q(invoice_id=match.invoice_id) | Q(transaction_id=match.transaction_id)
        )
        raise _already_matched(clash.first()) from None
    return match


def _already_matched(clash: ReceiptMatch | None) -> ConflictError:
    return ConflictError(
        "This invoice or this charge is already confirmed with another match.",
        code="already_matched",
        details={"match_id": clash.pk if clash else None},
    )


def match_reject(*, match: ReceiptMatch, decided_by) -> ReceiptMatch:
    """Reject a pair (a confirmed one too: undoing it frees both sides); a rejected pair is
    never proposed again."""
    with transaction.atomic():
        match = ReceiptMatch.objects.select_for_update().get(pk=match.pk)
        match.status = ReceiptMatch.Status.REJECTED
        match.auto_confirmed = False
        match.decided_by = decided_by
        match.decided_at = timezone.now()
        match.save(update_fields=["status", "auto_confirmed", "decided_by", "decided_at",
                                  "updated_at"])  # fmt: skip
    return match


# --- The job -----------------------------------------------------------------------------------


def match_run_request(
    *,
    trigger: str,
    customer=None,
    date_from: date | None = None,
    date_to: date | None = None,
    source_id: int | None = None,
    requested_by=None,
) -> MatchRun:
    """Queue a `match.propose` job for this scope (enqueued when the transaction commits)."""
    if date_from and date_to and date_from > date_to:
        raise InvalidFieldsError({"date_to": ["Must not be before date_from."]})
    run = MatchRun.objects.create(
        trigger=trigger,
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        source_id=source_id,
        requested_by=requested_by if requested_by and requested_by.is_authenticated else None,
    )
    run.job = job_create(kind=MATCH_PROPOSE_JOB, target=run, created_by=requested_by)
    run.save(update_fields=["job"])
    return run


def match_run_job(job: ProcessingJob) -> dict:
    """Job handler for `match.propose`: idempotent, as matches_propose is."""
    run = MatchRun.objects.select_related("customer").filter(pk=job.target_id).first()
    if run is None:
        return {"skipped": "run_deleted"}
    outcome = matches_propose(customer=run.customer, date_from=run.date_from, date_to=run.date_to)
    run.outcome = outcome
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "finished_at"])
    return {"run_id": run.pk, **outcome}


def match_run_failed(job: ProcessingJob) -> None:
    MatchRun.objects.filter(pk=job.target_id).update(
        outcome={"error_code": job.error_code, "error": job.error}, finished_at=timezone.now()
    )
