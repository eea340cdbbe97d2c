"""matches_propose: exact amounts, FX tolerance, the date window, name similarity, one
customer only, auto-confirmation, one confirmation per side, idempotent re-runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from core.errors import ConflictError, InvalidFieldsError
from matching.models import ReceiptMatch
from matching.names import name_similarity, normalise_name
from matching.services import match_confirm, match_reject, matches_propose
from tests.matching.records import charge, receipt

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)


def _pairs(status: str | None = None) -> set[tuple[int, int]]:
    matches = ReceiptMatch.objects.all()
    if status:
        matches = matches.filter(status=status)
    return set(matches.values_list("invoice_id", "transaction_id"))


def test_exact_amount_same_day_same_name_is_confirmed_automatically(customer):
    row = charge(customer, amount="120.00", day=DAY)
    invoice = receipt(customer, total="120.00", day=DAY)
    outcome = matches_propose()
    assert outcome["auto_confirmed"] == 1
    match = ReceiptMatch.objects.get()
    assert (match.invoice_id, match.transaction_id) == (invoice.pk, row.pk)
    assert match.status == "confirmed" and match.auto_confirmed and match.score == Decimal("1")
    assert match.reasons["amount"] == "exact" and match.reasons["days_apart"] == 0


def test_a_cent_off_in_the_same_currency_is_no_match(customer):
    charge(customer, amount="120.00", day=DAY)
    receipt(customer, total="120.01", day=DAY)
    assert matches_propose()["proposed"] == 0
    assert not ReceiptMatch.objects.exists()


def test_fx_tolerance_uses_the_charges_original_amount(customer):
    # Charged 470.12 MYR for 100.00 USD; the USD invoice says 102.50 (within 3 %) and 104.00
    # (4 % off: not a candidate).
    row = charge(customer, amount="470.12", day=DAY, fx=("100.00", "USD"))
    near = receipt(customer, total="102.50", day=DAY, currency="USD")
    receipt(customer, total="104.00", day=DAY, currency="USD")
    matches_propose()
    match = ReceiptMatch.objects.get()
    assert (match.invoice_id, match.transaction_id) == (near.pk, row.pk)
    assert match.reasons["amount"] == "fx" and match.reasons["fx"]["currency"] == "USD"
    assert match.reasons["amount_score"] < 1
    with override_settings(MATCH_FX_TOLERANCE=0.05):
        matches_propose()
    assert ReceiptMatch.objects.count() == 2


def test_an_invoice_in_another_currency_needs_the_fx_amount(customer):
    charge(customer, amount="100.00", day=DAY)  # no original currency on the row
    receipt(customer, total="100.00", day=DAY, currency="USD")
    matches_propose()
    assert not ReceiptMatch.objects.exists()


def test_the_date_window_bounds_candidates_and_lowers_the_score(customer):
    row = charge(customer, amount="50.00", day=DAY)
    inside = receipt(customer, total="50.00", day=date(2026, 11, 3))  # 7 days before
    receipt(customer, total="50.00", day=date(2026, 11, 18))  # 8 days after: outside
    matches_propose()
    match = ReceiptMatch.objects.get()
    assert (match.invoice_id, match.transaction_id) == (inside.pk, row.pk)
    assert match.reasons["days_apart"] == 7 and match.status == "proposed"
    assert match.score < Decimal("0.9")


def test_name_similarity_normalises_case_accents_suffixes_and_punctuation():
    assert normalise_name("Müller GmbH") == "muller"
    assert normalise_name("ACME Supplies Sdn. Bhd.") == "acme supplies"
    assert name_similarity("Acme Supplies Sdn Bhd", "ACME SUPPLIES KUALA LUMPUR MY") == 1.0
    assert name_similarity("Müller GmbH", "MULLER*BERLIN DE") == 1.0
    assert name_similarity("Starbucks Coffee", "GRAB RIDE") < 0.5
    assert name_similarity("", "GRAB") == 0.0


def test_the_better_named_invoice_scores_higher_and_a_tie_is_left_to_a_person(customer):
    row = charge(customer, amount="80.00", day=DAY, description="GRAB RIDE KL")
    grab = receipt(customer, total="80.00", day=DAY, seller="Grab Holdings Inc.")
    other = receipt(customer, total="80.00", day=DAY, seller="Tesco Stores")
    matches_propose()
    scores = dict(ReceiptMatch.objects.values_list("invoice_id", "score"))
    assert scores[grab.pk] > scores[other.pk]
    assert ReceiptMatch.objects.filter(transaction=row).count() == 2
    twin = charge(customer, amount="33.00", day=DAY)
    receipt(customer, total="33.00", day=DAY)
    receipt(customer, total="33.00", day=DAY)
    matches_propose()
    assert not ReceiptMatch.objects.filter(transaction=twin, status="confirmed").exists()


def test_another_customers_invoice_is_never_matched(customer, other_customer):
    charge(customer, amount="120.00", day=DAY)
    receipt(other_customer, total="120.00", day=DAY)
    matches_propose()
    assert not ReceiptMatch.objects.exists()


def test_credits_and_untrusted_invoices_are_left_out(customer):
    charge(customer, amount="60.00", day=DAY, direction="credit")
    receipt(customer, total="60.00", day=DAY)
    charge(customer, amount="61.00", day=DAY)
    receipt(customer, total="61.00", day=DAY, status="needs_review")
    matches_propose()
    assert not ReceiptMatch.objects.exists()


def test_a_charge_and_an_invoice_are_each_confirmed_once(customer, agent):
    row = charge(customer, amount="75.00", day=DAY, description="SOMEWHERE")
    first = receipt(customer, total="75.00", day=DAY, seller="Alpha")
    second = receipt(customer, total="75.00", day=date(2026, 11, 11), seller="Beta")
    matches_propose()
    a = ReceiptMatch.objects.get(invoice=first)
    b = ReceiptMatch.objects.get(invoice=second)
    match_confirm(match=a, decided_by=agent)
    assert not ReceiptMatch.objects.filter(pk=b.pk).exists()  # withdrawn with the decision
    b = ReceiptMatch.objects.create(invoice=second, transaction=row, score=Decimal("0.5"))
    with pytest.raises(ConflictError) as refused:
        match_confirm(match=b, decided_by=agent)
    assert refused.value.code == "already_matched"
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptMatch.objects.filter(pk=b.pk).update(status="confirmed")  # the database says no
    matches_propose()
    assert _pairs("confirmed") == {(first.pk, row.pk)}


def test_reruns_are_idempotent_and_a_rejected_pair_stays_rejected(customer, agent):
    row = charge(customer, amount="42.00", day=DAY, description="UNRELATED NAME")
    invoice = receipt(customer, total="42.00", day=date(2026, 11, 12), seller="Other")
    matches_propose()
    assert _pairs("proposed") == {(invoice.pk, row.pk)}
    again = matches_propose()
    assert (again["proposed"], again["updated"], again["withdrawn"]) == (0, 0, 0)
    match_reject(match=ReceiptMatch.objects.get(), decided_by=agent)
    matches_propose()
    assert ReceiptMatch.objects.get().status == "rejected"
    # A corrected total withdraws a proposal that no longer holds.
    other = charge(customer, amount="43.00", day=DAY, description="UNRELATED NAME")
    late = receipt(customer, total="43.00", day=DAY, seller="Other")
    matches_propose()
    assert (late.pk, other.pk) in _pairs("proposed")
    late.total_amount = Decimal("44.00")
    late.save()
    assert matches_propose()["withdrawn"] == 1
    assert (late.pk, other.pk) not in _pairs()


def test_scope_by_customer_and_period(customer, other_customer):
    charge(customer, amount="10.00", day=DAY)
    receipt(customer, total="10.00", day=DAY, seller="X")
    charge(other_customer, amount="11.00", day=DAY)
    receipt(other_customer, total="11.00", day=DAY, seller="X")
    outcome = matches_propose(customer=customer, date_from=date(2026, 11, 1), date_to=DAY)
    assert outcome["charges"] == 1 and ReceiptMatch.objects.count() == 1
    assert matches_propose(date_from=date(2026, 12, 1))["charges"] == 0
    with pytest.raises(InvalidFieldsError):
        matches_propose(date_from=date(2026, 12, 1), date_to=date(2026, 11, 1))


def test_the_daily_report_counts_unmatched_charges_and_receipts(customer, agent):
    from django.core.management import call_command
    from django.utils import timezone

    from core.daily_report import as_markdown, daily_report

    row = charge(customer, amount="20.00", day=DAY, description="A")
    receipt(customer, total="20.00", day=DAY, seller="B")  # proposed, then confirmed
    charge(customer, amount="21.00", day=DAY, description="C")  # no receipt
    receipt(customer, total="99.00", day=DAY, seller="D")  # never charged
    matches_propose()
    match_confirm(match=ReceiptMatch.objects.get(transaction=row), decided_by=agent)
    report = daily_report(timezone.localdate())
    assert report["matching"] == {
        "confirmed": 1, "auto_confirmed": 0, "rejected": 0, "proposed_waiting": 0,
        "unmatched_charges": 1, "unmatched_receipts": 1,
    }  # fmt: skip
    assert "- unmatched charges: 1" in as_markdown(report)
    call_command("match_receipts", "--customer", str(customer.pk))  # idempotent, inline
    assert ReceiptMatch.objects.filter(status="confirmed").count() == 1
