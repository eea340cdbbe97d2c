"""The ReceiptMatch admin behind a real admin login: changelist filters, confirm and reject
actions through the same services."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from matching.models import ReceiptMatch
from matching.services import matches_propose
from tests.factories import DEFAULT_PASSWORD
from tests.matching.records import charge, receipt

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)


@pytest.fixture
def logged_in(client, staff_user):
    response = client.post(
        reverse("admin:login"),
        {"username": staff_user.username, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return client


def test_changelist_filters_and_the_confirm_action(logged_in, customer, other_customer):
    row = charge(customer, amount="42.00", day=DAY, description="CAFE NERO")
    receipt(customer, total="42.00", day=date(2026, 11, 15), seller="Nero")  # proposed
    charge(other_customer, amount="7.00", day=DAY, description="ZZZ")
    receipt(other_customer, total="7.00", day=date(2026, 11, 14), seller="Other Shop")
    matches_propose()
    url = reverse("admin:matching_receiptmatch_changelist")
    page = logged_in.get(
        url, {"status__exact": "proposed", "invoice__customer__id__exact": customer.pk}
    )
    assert page.status_code == 200
    assert b"CAFE NERO" in page.content and b"ZZZ" not in page.content
    match = ReceiptMatch.objects.get(transaction=row)
    response = logged_in.post(
        url, {"action": "confirm_selected", "_selected_action": [match.pk]}, follow=True
    )
    assert b"Confirmed 1 match(es)." in response.content
    match.refresh_from_db()
    assert match.status == "confirmed" and match.decided_by.username == "staff_sam"
    other = ReceiptMatch.objects.exclude(pk=match.pk).get()
    logged_in.post(url, {"action": "reject_selected", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == "rejected"


def test_a_refused_confirmation_is_shown_not_raised(logged_in, customer):
    row = charge(customer, amount="5.00", day=DAY, description="A")
    first = ReceiptMatch.objects.create(
        invoice=receipt(customer, total="5.00", day=DAY), transaction=row, score=0.6
    )
    second = ReceiptMatch.objects.create(
        invoice=receipt(customer, total="5.00", day=DAY), transaction=row, score=0.6
    )
    url = reverse("admin:matching_receiptmatch_changelist")
    logged_in.post(url, {"action": "confirm_selected", "_selected_action": [first.pk]})
    second_again = ReceiptMatch.objects.create(
        invoice=second.invoice, transaction=charge(customer, amount="5.00", day=DAY), score=0.6
    )
    assert second_again.pk
    response = logged_in.post(
        url, {"action": "confirm_selected", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ReceiptMatch.objects.filter(status="confirmed").count() == 1
