"""Chinese VAT invoices verified by their QR code: decoded (zxing-cpp) from the rendered page of
a PDF the tests make (reportlab + segno) or from its scan, parsed, and cross-checked against
the page (a mismatch is a named check failure sending the invoice to review, agreement raises
confidence, QR values fill what the page missed); the code and number rules; the 大写 and
totals consistency checks; and the pluggable 查验 provider, through the real upload API and
worker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.services.pipeline import NEEDS_REVIEW, RECOGNIZED, document_extract
from invoices.services.verification import VerificationQuery, VerificationResult
from ocrengine.extraction.cn_qr import (
    QR_CHECK,
    invoice_code_ok,
    invoice_number_ok,
    parse_qr_payload,
    read_invoice_qr,
    shudian_number_ok,
)
from tests.invoices.cn_invoices import SHUDIAN, CnInvoice, cn_invoice_pdf, rendered_scan
from tests.invoices.conftest import upload_processed

CLASSIC = CnInvoice()


def _extract(invoice: CnInvoice = CLASSIC):
    return document_extract(data=cn_invoice_pdf(invoice), document_type="cn_vat_invoice")


def _failed(outcome, name: str) -> list[dict]:
    return [c for c in outcome.result.checks if c["name"] == name and c["ok"] is False]


# --- the payload and the number rules -----------------------------------------------------


def test_classic_payload_is_parsed():
    qr = parse_qr_payload("01,10,042001700112,27908343,97.33,20180323,08110641107709826910,8F3A,")
    assert (qr.kind, qr.code, qr.number, qr.date) == (
        "10",
        "042001700112",
        "27908343",
        "2018-03-23",
    )
    assert (qr.amount, qr.check_code, qr.shudian) == (
        Decimal("97.33"),
        "08110641107709826910",
        False,
    )
    assert qr.values() == {
        "invoice_code": "042001700112",
        "invoice_number": "27908343",
        "date": "2018-03-23",
        "net_amount": "97.33",  # the older forms' QR carries the amount before tax
    }


def test_shudian_payload_has_no_code_and_carries_the_total():
    qr = parse_qr_payload("01,32,,24112000000012345678,265.35,20240115,,8F3A")
    assert qr.shudian and qr.code == "" and qr.check_code == ""
    assert qr.values() == {
        "invoice_number": "24112000000012345678",
        "date": "2024-01-15",
        "total_amount": "265.35",
    }


@pytest.mark.parametrize(
    "payload",
    [
        "https://example.com/pay?id=1",
        "02,10,042001700112,27908343,97.33,20180323,0811,8F3A",  # not a VAT invoice QR
        "01,10,042001700112,2790834X,97.33,20180323,0811,8F3A",  # number not digits
        "01,10,042001700112,27908343,ninety,20180323,0811,8F3A",  # amount
        "01,10,042001700112,27908343,97.33,20181332,0811,8F3A",  # no such date
        "01,10,042001700112",
    ],
)
def test_other_payloads_are_not_invoices(payload):
    assert parse_qr_payload(payload) is None


def test_code_and_number_rules():
    assert invoice_code_ok("042001700112") and invoice_code_ok("4400161130")
    assert not invoice_code_ok("04200170011") and not invoice_code_ok("04200170011A")
    assert invoice_number_ok("27908343", "042001700112")
    assert not invoice_number_ok("2790834", "042001700112")
    assert shudian_number_ok("24112000000012345678")
    assert not shudian_number_ok("2411200000001234567")  # 19 digits
    assert not shudian_number_ok("99112000000012345678")  # a year to come
    assert not invoice_number_ok("27908343", "")  # no code: it must be a 数电 number


# --- reading the QR from the file ---------------------------------------------------------


def test_the_qr_is_decoded_from_the_rendered_pdf_page_and_from_a_scan():
    pdf = cn_invoice_pdf()
    assert read_invoice_qr(pdf).raw == CnInvoice().qr_payload()
    assert read_invoice_qr(rendered_scan(pdf, fmt="JPEG")).number == "27908343"
    assert read_invoice_qr(cn_invoice_pdf(CnInvoice(with_qr=False))) is None
    assert read_invoice_qr(b"not a document") is None


def test_agreement_is_checked_per_field_and_raises_confidence():
    with_qr, without = _extract(), _extract(CnInvoice(with_qr=False))
    compared = {c["field"]: c["ok"] for c in with_qr.result.checks if c["name"] == QR_CHECK}
    assert compared == {
        "invoice_code": True,
        "invoice_number": True,
        "date": True,
        "net_amount": True,
    }
    assert with_qr.status == RECOGNIZED
    for name in ("invoice_number", "invoice_code", "date"):
        assert with_qr.result.fields[name].confidence > without.result.fields[name].confidence
    assert with_qr.result.overall_confidence > without.result.overall_confidence


def test_a_qr_that_disagrees_with_the_page_sends_the_invoice_to_review():
    # The page was altered to 265.00; the authority's QR still says 265.35.
    tampered = SHUDIAN.but(total="265.00", uppercase="贰佰陆拾伍圆整", qr_amount="265.35")
    outcome = _extract(tampered)
    assert outcome.result.fields["total_amount"].value == "265.00"
    [failed] = _failed(outcome, QR_CHECK)
    assert failed["field"] == "total_amount"
    assert failed["message"] == "QR says 265.35, page says 265.00"
    assert outcome.status == NEEDS_REVIEW


def test_qr_values_fill_what_the_page_missed():
    outcome = _extract(CnInvoice(print_number=False))
    number = outcome.result.fields["invoice_number"]
    assert (number.value, number.source) == ("27908343", "qr")
    assert number.confidence >= 0.8


def test_a_number_or_code_of_the_wrong_length_is_a_named_failure():
    # The page's pattern does not take a 19-digit number; the QR's fills it and is checked.
    outcome = _extract(SHUDIAN.but(number="2411200000001234567"))
    [failed] = _failed(outcome, "cn_invoice_number_format")
    assert failed["message"] == (
        "invoice number 2411200000001234567 is not 20 digits (数电) beginning with its year"
    )
    outcome = _extract(CnInvoice(code="04200170011"))
    [failed] = _failed(outcome, "cn_invoice_code_format")
    assert failed["message"] == "invoice code 04200170011 is not 10 or 12 digits"


def test_uppercase_total_that_disagrees_with_the_figures_goes_to_review():
    outcome = _extract(CnInvoice(uppercase="壹佰元整"))
    assert _failed(outcome, "cn_uppercase_total_matches")
    assert outcome.status == NEEDS_REVIEW


def test_totals_that_do_not_add_up_go_to_review():
    outcome = _extract(CnInvoice(tax="2.00", with_qr=False))
    assert _failed(outcome, "net_plus_tax_equals_total")
    assert outcome.status == NEEDS_REVIEW


# --- through the upload API and the worker ------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_upload_of_a_tampered_invoice_is_flagged_for_review(
    agent_client, media_root, django_capture_on_commit_callbacks
):
    tampered = CnInvoice(net="97.03", tax="2.92", total="99.95", uppercase="玖拾玖元玖角伍分",
                         qr_amount="97.33")  # fmt: skip
    invoice = upload_processed(
        agent_client, "tampered.pdf", cn_invoice_pdf(tampered), django_capture_on_commit_callbacks
    )
    assert invoice.status == Invoice.Status.NEEDS_REVIEW
    failed = [c for c in invoice.checks if c["name"] == QR_CHECK and not c["ok"]]
    assert failed == [
        {
            "name": QR_CHECK,
            "field": "net_amount",
            "ok": False,
            "message": "QR says 97.33, page says 97.03",
        }
    ]
    body = agent_client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert failed[0] in body["checks"]


class FakeAuthority:
    """A 查验 provider for the tests: knows one invoice, answers from memory, counts calls."""

    name = "test-authority"
    calls: list[VerificationQuery] = []

    def verify(self, query: VerificationQuery) -> VerificationResult:
        FakeAuthority.calls.append(query)
        known = (query.invoice_code, query.invoice_number, query.date, query.amount)
        if known == ("042001700112", "27908343", "2018-03-23", "97.33"):
            return VerificationResult(True, "The tax authority knows this invoice.")
        return VerificationResult(False, "No such invoice at the tax authority.")


PROVIDER = f"{__name__}.FakeAuthority"


@pytest.mark.django_db
def test_a_configured_provider_records_a_verified_check(
    agent_client, media_root, settings, django_capture_on_commit_callbacks
):
    settings.CN_INVOICE_VERIFICATION_PROVIDER = PROVIDER
    FakeAuthority.calls = []
    invoice = upload_processed(
        agent_client, "ok.pdf", cn_invoice_pdf(), django_capture_on_commit_callbacks
    )
    [check] = [c for c in invoice.checks if c["name"] == "verified"]
    assert (check["ok"], check["provider"]) == (True, "test-authority")
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert FakeAuthority.calls[0].check_code_last6 == "826910"  # from the QR

    unknown = upload_processed(
        agent_client,
        "unknown.pdf",
        cn_invoice_pdf(CnInvoice(number="27908344")),
        django_capture_on_commit_callbacks,
    )
    [check] = [c for c in unknown.checks if c["name"] == "verified"]
    assert check == {
        "name": "verified",
        "provider": "test-authority",
        "ok": False,
        "message": "No such invoice at the tax authority.",
    }
    assert unknown.status == Invoice.Status.NEEDS_REVIEW


@pytest.mark.django_db
def test_verification_is_off_by_default_and_bounded_per_invoice_a_day(
    agent_client, media_root, settings, django_capture_on_commit_callbacks
):
    FakeAuthority.calls = []
    invoice = upload_processed(
        agent_client, "a.pdf", cn_invoice_pdf(), django_capture_on_commit_callbacks
    )
    assert not [c for c in invoice.checks if c["name"] == "verified"]
    assert FakeAuthority.calls == []

    settings.CN_INVOICE_VERIFICATION_PROVIDER = PROVIDER
    settings.CN_INVOICE_VERIFICATION_DAILY_LIMIT = 1
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = agent_client.post(f"/api/v1/invoices/{invoice.pk}/reprocess/")
        assert response.status_code == 202, response.content
    invoice.refresh_from_db()
    [check] = [c for c in invoice.checks if c["name"] == "verified"]
    assert check["ok"] is None
    assert "already queried 1 times today" in check["message"]
    assert len(FakeAuthority.calls) == 1
