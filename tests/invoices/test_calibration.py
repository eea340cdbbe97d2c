"""Calibrated auto-approve: reviewer outcomes → per-field thresholds → routing, stats, command."""

from __future__ import annotations

import math
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from invoices.calibration import field_thresholds_for
from invoices.models import FieldThreshold, Invoice, InvoiceFieldChange
from invoices.services.calibration import Sample, threshold_calibrate
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import upload_processed

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"
STATS_URL = "/api/v1/invoices/auto-approve/"
BASE = documents.INVOICE_LINES


def _samples(*groups: tuple[float, int, int]) -> list[Sample]:
    """(confidence, right, wrong) groups as samples of one field."""
    samples = []
    for confidence, right, wrong in groups:
        samples += [Sample("currency", "", confidence, False)] * right
        samples += [Sample("currency", "", confidence, True)] * wrong
    return samples


def _calibrate(samples, target=0.05, min_samples=10):
    return threshold_calibrate(
        samples,
        target_error_rate=target,
        min_samples=min_samples,
        bin_width=0.05,
        default_threshold=0.7,
    )


# --- The computation, on known sets ---------------------------------------------------------


def test_the_threshold_is_the_lowest_bin_edge_meeting_the_target():
    # 0.50: 5 of 10 wrong; 0.70: 1 of 10; 0.90: 0 of 20. From 0.55 up: 1 of 30 (3.3 %).
    result = _calibrate(_samples((0.52, 5, 5), (0.71, 9, 1), (0.93, 20, 0)))
    assert result.status == FieldThreshold.Status.CALIBRATED
    assert result.threshold == 0.55
    assert (result.samples, result.errors) == (40, 6)
    assert result.straight_through_rate == 0.75
    assert result.measured_error_rate == round(1 / 30, 4)
    assert result.bins == [
        {"from": 0.5, "samples": 10, "errors": 5},
        {"from": 0.7, "samples": 10, "errors": 1},
        {"from": 0.9, "samples": 20, "errors": 0},
    ]
    # A stricter target needs the clean top bin only; a lax one lets everything through.
    assert (
        _calibrate(_samples((0.52, 5, 5), (0.71, 9, 1), (0.93, 20, 0)), target=0.0).threshold
        == 0.75
    )
    lax = _calibrate(_samples((0.52, 5, 5), (0.71, 9, 1), (0.93, 20, 0)), target=0.2)
    assert (lax.threshold, lax.straight_through_rate, lax.measured_error_rate) == (0.0, 1.0, 0.15)


def test_a_confidence_on_a_bin_edge_counts_in_that_bin():
    result = _calibrate(_samples((0.8, 0, 10), (0.85, 10, 0)), target=0.0)
    assert result.threshold == 0.85
    assert result.bins[1] == {"from": 0.85, "samples": 10, "errors": 0}


def test_too_few_samples_keep_the_global_threshold():
    result = _calibrate(_samples((0.75, 8, 1)))
    assert result.status == FieldThreshold.Status.TOO_FEW_SAMPLES
    assert result.threshold == 0.7
    assert (result.straight_through_rate, result.measured_error_rate) == (1.0, round(1 / 9, 4))


def test_a_clean_bin_with_too_few_samples_above_it_does_not_count():
    # Only the 0.95 bin is clean, and it holds 5 values (fewer than 10): never straight through.
    result = _calibrate(_samples((0.6, 10, 10), (0.95, 5, 0)))
    assert result.status == FieldThreshold.Status.UNREACHABLE
    assert result.threshold is None
    assert (result.straight_through_rate, result.measured_error_rate) == (0.0, None)


# --- End to end: upload, review, calibrate, route -------------------------------------------


def _lines(number: str, *, seller: str = BASE[0], currency_label: bool = False) -> tuple:
    """The test invoice with its own number and seller; the currency read from the total
    (confidence 0.81) or from a "Currency:" label (0.95)."""
    head = [seller, *BASE[1:5], f"Invoice Number: {number}"]
    return tuple(head + (["Currency: EUR"] if currency_label else []) + list(BASE[6:]))


def _upload(client, capture, number: str, **kwargs) -> Invoice:
    data = documents.invoice_pdf(_lines(number, **kwargs))
    invoice = upload_processed(client, f"{number}.pdf", data, capture)
    invoice.refresh_from_db()
    return invoice


def _review(client, invoice: Invoice, correction: dict | None = None) -> None:
    if correction:
        response = client.patch(f"{URL}{invoice.pk}/", correction, format="json")
        assert response.status_code == 200, response.content
    response = client.post(f"{URL}{invoice.pk}/approve/")
    assert response.status_code == 200, response.content


@pytest.fixture
def reviewed(agent_client, django_capture_on_commit_callbacks, settings):
    """Nine invoices through the upload API and the worker, reviewed through the API:
    Nordwind's currency read at 0.95 three times (kept) and at 0.81 three times (corrected),
    Acme's read at 0.81 three times (kept)."""
    settings.AUTO_APPROVE_MIN_SAMPLES = 3
    settings.AUTO_APPROVE_TARGET_ERROR_RATE = 0.25
    capture = django_capture_on_commit_callbacks
    for index in range(3):
        kept = _upload(agent_client, capture, f"N-{index}", currency_label=True)
        assert kept.field_confidence["currency"] == 0.95
        _review(agent_client, kept)
        wrong = _upload(agent_client, capture, f"W-{index}")
        assert wrong.field_confidence["currency"] == 0.81
        _review(agent_client, wrong, {"currency": "USD"})
        acme = _upload(agent_client, capture, f"A-{index}", seller="Acme Tools Ltd")
        assert (acme.seller, acme.field_confidence["currency"]) == ("Acme Tools Ltd", 0.81)
        _review(agent_client, acme)
    assert Invoice.objects.filter(status=Invoice.Status.APPROVED).count() == 9


def test_a_correction_keeps_the_extractors_confidence_and_box(reviewed):
    change = InvoiceFieldChange.objects.filter(field="currency").first()
    assert (change.old_value, change.new_value, change.old_confidence) == ("EUR", "USD", 0.81)
    assert change.old_source == {"page": None, "box": None, "source": "derived"}  # from the total


def test_a_correction_of_a_value_read_on_the_page_keeps_its_box(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = _upload(agent_client, django_capture_on_commit_callbacks, "X-1")
    for number in ("X-2", "X-3"):
        response = agent_client.patch(f"{URL}{invoice.pk}/", {"invoice_number": number})
        assert response.status_code == 200, response.content
    first, second = InvoiceFieldChange.objects.filter(field="invoice_number").order_by("id")
    assert (first.old_value, first.old_confidence) == ("X-1", 0.95)
    assert first.old_source["page"] == 1 and len(first.old_source["box"]) == 4
    # The second correction corrects a person: no extractor confidence to learn from.
    assert (second.old_value, second.old_confidence, second.old_source) == ("X-2", None, {})


def test_the_command_computes_thresholds_per_field_and_seller(reviewed):
    out = StringIO()
    call_command("calibrate_thresholds", stdout=out)

    rows = {(row.field, row.seller): row for row in FieldThreshold.objects.all()}
    everyone = rows[("currency", "")]
    # 0.80 bin: 3 wrong (Nordwind) + 3 right (Acme); 0.95 bin: 3 right. From 0.85: 0 of 3.
    assert (everyone.status, everyone.threshold) == (FieldThreshold.Status.CALIBRATED, 0.85)
    assert (everyone.samples, everyone.errors) == (9, 3)
    assert (everyone.straight_through_rate, everyone.measured_error_rate) == (0.3333, 0.0)
    nordwind = rows[("currency", "nordwind supplies gmbh")]
    assert (nordwind.threshold, nordwind.samples, nordwind.errors) == (0.85, 6, 3)
    acme = rows[("currency", "acme tools ltd")]
    assert (acme.threshold, acme.straight_through_rate, acme.measured_error_rate) == (0.0, 1.0, 0.0)
    # Nobody corrected the seller (read at 0.75): everything goes through.
    assert (rows[("seller", "")].threshold, rows[("seller", "")].samples) == (0.0, 9)
    assert "currency: calibrated, threshold 0.85, 9 samples" in out.getvalue()

    assert field_thresholds_for("Acme  TOOLS ltd")["currency"] == 0.0
    assert field_thresholds_for("Nordwind Supplies GmbH")["currency"] == 0.85
    assert field_thresholds_for("Someone Else")["currency"] == 0.85


def test_new_invoices_are_routed_by_the_computed_thresholds(
    reviewed, agent_client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    before = _upload(agent_client, capture, "B-1")
    assert (before.status, before.confidence) == (Invoice.Status.RECOGNIZED, 0.888)

    call_command("calibrate_thresholds", stdout=StringIO())

    # Nordwind's currency at 0.81 is below 0.85 now, though the overall 0.888 passes 0.7.
    low = _upload(agent_client, capture, "R-1")
    assert (low.status, low.field_confidence["currency"]) == (Invoice.Status.NEEDS_REVIEW, 0.81)
    high = _upload(agent_client, capture, "R-2", currency_label=True)
    assert high.status == Invoice.Status.RECOGNIZED
    # Acme's own currency threshold (0.0) outranks the all-sellers one.
    acme = _upload(agent_client, capture, "R-3", seller="Acme Tools Ltd")
    assert (acme.status, acme.field_confidence["currency"]) == (Invoice.Status.RECOGNIZED, 0.81)


def test_an_unreachable_target_sends_every_value_of_the_field_to_review(
    reviewed, agent_client, django_capture_on_commit_callbacks, settings
):
    settings.AUTO_APPROVE_FIELD_TARGETS = {"seller": 0.5}
    settings.AUTO_APPROVE_TARGET_ERROR_RATE = 0.0
    settings.AUTO_APPROVE_MIN_SAMPLES = 4  # the clean 0.95 bin (3 values) is too small now
    call_command("calibrate_thresholds", stdout=StringIO())

    currency = FieldThreshold.objects.get(field="currency", seller="")
    assert (currency.status, currency.threshold) == (FieldThreshold.Status.UNREACHABLE, None)
    assert FieldThreshold.objects.get(field="seller", seller="").target_error_rate == 0.5
    assert field_thresholds_for("Nordwind Supplies GmbH")["currency"] == math.inf
    invoice = _upload(agent_client, django_capture_on_commit_callbacks, "U-1", currency_label=True)
    assert invoice.status == Invoice.Status.NEEDS_REVIEW


def test_nothing_calibrated_routes_by_overall_confidence_as_before(
    agent_client, django_capture_on_commit_callbacks
):
    FieldThreshold.objects.create(
        field="currency",
        status=FieldThreshold.Status.TOO_FEW_SAMPLES,
        threshold=0.7,
        target_error_rate=0.02,
        samples=2,
        errors=2,
        straight_through_rate=1.0,
        computed_at=timezone.now(),
    )
    assert field_thresholds_for("Nordwind Supplies GmbH") == {}
    invoice = _upload(agent_client, django_capture_on_commit_callbacks, "O-1")
    assert invoice.status == Invoice.Status.RECOGNIZED


def test_a_bad_target_setting_stops_the_command(settings):
    settings.AUTO_APPROVE_FIELD_TARGETS = {"no_such_field": 0.1}
    with pytest.raises(ImproperlyConfigured, match="no_such_field"):
        call_command("calibrate_thresholds", stdout=StringIO())
    settings.AUTO_APPROVE_FIELD_TARGETS = {}
    settings.AUTO_APPROVE_TARGET_ERROR_RATE = 1.5
    with pytest.raises(ImproperlyConfigured, match=r"\[0, 1\]"):
        call_command("calibrate_thresholds", stdout=StringIO())


def test_a_daily_schedule_runs_the_command():
    schedule = Schedule.objects.get(name="calibrate_thresholds")
    assert (schedule.func, schedule.args, schedule.schedule_type) == (
        "django.core.management.call_command",
        "'calibrate_thresholds'",
        Schedule.DAILY,
    )


# --- Stats API and dashboard ----------------------------------------------------------------


def test_stats_show_straight_through_next_to_the_measured_error_rate(reviewed, supervisor_client):
    assert supervisor_client.get(STATS_URL).json()["fields"] == []
    response = supervisor_client.post(f"{STATS_URL}calibrate/")
    assert response.status_code == 200, response.content
    assert response.json()["thresholds"] == FieldThreshold.objects.count()

    body = supervisor_client.get(STATS_URL, {"field": "currency"}).json()
    assert (body["target_error_rate"], body["min_samples"], body["bin_width"]) == (0.25, 3, 0.05)
    [currency] = body["fields"]
    assert currency == {
        "field": "currency",
        "status": "calibrated",
        "threshold": 0.85,
        "target_error_rate": 0.25,
        "samples": 9,
        "errors": 3,
        "error_rate": 0.3333,
        "straight_through_rate": 0.3333,
        "measured_error_rate": 0.0,
        "bins": [
            {"from": 0.8, "samples": 6, "errors": 3},
            {"from": 0.95, "samples": 3, "errors": 0},
        ],
    }
    acme = supervisor_client.get(STATS_URL, {"seller": "Acme Tools Ltd", "field": "currency"})
    assert acme.json()["fields"][0]["threshold"] == 0.0
    assert "seller" in {row["field"] for row in supervisor_client.get(STATS_URL).json()["fields"]}


def test_stats_refuse_bad_input_and_agents_in_the_one_error_shape(supervisor_client, agent_client):
    error = assert_error_shape(supervisor_client.get(STATS_URL, {"field": "nope"}), 400)
    assert "field" in error["details"]["fields"]
    assert_error_shape(supervisor_client.get(STATS_URL, {"seller": "x" * 300}), 400)
    assert_error_shape(agent_client.get(STATS_URL), 403)
    assert_error_shape(agent_client.post(f"{STATS_URL}calibrate/"), 403)


def test_the_dashboard_has_the_auto_approve_table(client):
    html = client.get("/workbench/dashboard/").content.decode()
    assert 'data-role="auto-approve-fields"' in html
    assert "/static/workbench/js/auto_approve.js" in html


def test_the_admin_lists_thresholds_and_recalibrates(client, staff_user, reviewed):
    call_command("calibrate_thresholds", stdout=StringIO())
    client.force_login(staff_user)
    page = client.get("/admin/invoices/fieldthreshold/?field=currency")
    assert page.status_code == 200
    assert "nordwind supplies gmbh" in page.content.decode()
    assert client.get("/admin/invoices/fieldthreshold/add/").status_code == 403
    FieldThreshold.objects.filter(field="currency").delete()
    response = client.post(
        "/admin/invoices/fieldthreshold/",
        {"action": "recalibrate", "_selected_action": [FieldThreshold.objects.first().pk]},
        follow=True,
    )
    assert "thresholds recomputed" in response.content.decode()
    assert FieldThreshold.objects.get(field="currency", seller="").threshold == 0.85


def test_ocr_stats_show_straight_through_next_to_the_measured_error_rate(
    reviewed, supervisor_client, settings
):
    call_command("calibrate_thresholds", stdout=StringIO())
    body = supervisor_client.get("/api/v1/ocr/stats/").json()
    assert {"overall", "by_document_type", "canaries"} <= body.keys()  # the analysis figures stay
    fields = {row["field"]: row for row in body["auto_approve"]["fields"]}
    currency = fields["currency"]
    assert (currency["threshold"], currency["straight_through_rate"]) == (0.85, 0.3333)
    assert (currency["measured_error_rate"], currency["error_rate"]) == (0.0, 0.3333)
    assert body["auto_approve"]["target_error_rate"] == settings.AUTO_APPROVE_TARGET_ERROR_RATE
