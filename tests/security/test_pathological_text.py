"""Pathological text against every shipped pattern (issue #13): caller text that made the shipped
prompt specs' regexes quadratic, through the real analyse endpoint for every document type and
through statement uploads for every shipped bank template; and template patterns admins write,
which run under a time limit and fail the one call with `pattern_timeout`.

Nothing here measures time. Bounded work is shown by structure instead: lines are cut to
MAX_LINE_CHARS before any regex sees them, the shipped patterns' repetitions are bounded (see
tests/ocrengine/test_extraction_spec.py), and the layout's label search touches a bounded
number of boxes per label.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from billing.models import BankTemplate, StatementImport
from billing.parsers import parse_statement
from billing.services.reference_data import reference_data_seed as billing_reference_data_seed
from billing.services.reference_data import shipped_template_specs
from ocrengine.extraction import layout as layout_module
from ocrengine.extraction.labelled_fields import document_lines
from ocrengine.extraction.layout import build_layout
from ocrengine.extraction.patterns import MAX_LINE_CHARS
from ocrengine.extraction.registry import extract_for
from ocrengine.extraction.spec import load_default_spec
from ocrengine.services.raw_text import raw_text_document
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import PDF_MAKERS, FakeTxn
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory
from tests.ocrengine.analysis_support import fresh_analysis_state

pytestmark = pytest.mark.django_db
ANALYZE_URL = "/api/v1/ocr/analyze/"
BATCH_URL = "/api/v1/ocr/batch-analyze/"
STATEMENTS_URL = "/api/v1/statements/"
BANK_TEMPLATES_URL = "/api/v1/bank-templates/"
PROMPT_TEMPLATES_URL = "/api/v1/ocr/templates/"
DOCUMENT_TYPES = ["invoice", "cn_vat_invoice", "receipt", "id_card", "driver_license", "bank_statement"]  # fmt: skip
# Runs that the shipped patterns (and the engines' own regexes) once retried at every start:
# letters, digits, digit groups, separators, dates, words, CJK, gaps.
FILLERS = ["a", "1", "1,", "A1", "x.", "1 ", "2024-", "Bank ", "银行", "1\u00a0", "total  "]
# A pattern with exponential backtracking on a run of "a" that does not end the line.
CATASTROPHIC = "(a|a)+$"
SMALL_TIMEOUT = override_settings(TEMPLATE_REGEX_TIMEOUT_S=0.05)


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()
    billing_reference_data_seed()


@pytest.fixture
def customer(agent):
    return CustomerFactory(name="Ahmad Demo", assigned_agent=agent)


def _shipped_patterns() -> list[tuple[str, dict, str]]:
    """(document type, field, pattern) for every pattern the shipped prompt specs hold."""
    return [
        (code, field, pattern)
        for code in DOCUMENT_TYPES
        for field in load_default_spec(code)["fields"]
        for pattern in field.get("patterns", [])
    ]


def _label(field: dict) -> str:
    aliases = [alias for group in field.get("labels", {}).values() for alias in group]
    return aliases[0] if aliases else field["name"]


def _analyze(client, document_type: str, pages: list[str]):
    body = {"document_type": document_type, "raw_texts": pages}
    return client.post(ANALYZE_URL, body, format="json")


# --- the analyse endpoint -------------------------------------------------------------------


def test_the_audited_invoice_number_line_is_read_in_one_bounded_pass(agent_client):
    response = _analyze(agent_client, "invoice", ["Invoice No: " + "a" * 40000])
    assert response.status_code == 200, response.content
    assert response.json()["fields"]["invoice_number"] is None  # letters only: no number
    response = _analyze(agent_client, "invoice", ["Invoice No: " + "A1" * 20000])
    number = response.json()["fields"]["invoice_number"]
    assert number.startswith("A1A1") and len(number) <= 40  # the bounded pattern's longest


@pytest.mark.parametrize(
    ("document_type", "field", "pattern"),
    _shipped_patterns(),
    ids=[f"{code}-{field['name']}-{i}" for i, (code, field, _) in enumerate(_shipped_patterns())],
)
def test_every_shipped_pattern_reads_pathological_text_through_the_api(
    agent_client, document_type, field, pattern
):
    # One page per filler, each a 18,000-character line after the field's label: the whole
    # request stays under ANALYSIS_MAX_TEXT_CHARS.
    label = _label(field)
    pages = [f"{label}: {(filler * 18000)[:18000]}" for filler in FILLERS]
    response = _analyze(agent_client, document_type, pages)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["fields"]) == {f["name"] for f in load_default_spec(document_type)["fields"]}
    assert all(value is None or len(value) <= MAX_LINE_CHARS for value in body["fields"].values())


@pytest.mark.parametrize("document_type", DOCUMENT_TYPES)
def test_lines_are_cut_where_text_enters_extraction(document_type):
    document = raw_text_document(["Total: " + "9" * 50000, "x" * 3000 + "\n" + "y" * 10])
    for segment in build_layout(document).segments:
        assert len(segment.text) <= MAX_LINE_CHARS
    assert [len(line.text) for line in document_lines(document)] == [MAX_LINE_CHARS] * 2 + [10]
    result = extract_for(document_type, document, load_default_spec(document_type))
    assert all(
        field.value is None or len(field.value) <= MAX_LINE_CHARS
        for field in result.fields.values()
    )


def test_a_row_of_many_labels_costs_a_bounded_amount_per_label(monkeypatch):
    # A caller's line with hundreds of gaps is a row of hundreds of segments, each a label:
    # each label once compared itself with every box of its row and the rows below it.
    calls = {"boxes": 0}
    for name in ("_overlaps", "_x_overlap", "_y_overlap"):
        original = getattr(layout_module, name)

        def counted(*args, _original=original):
            calls["boxes"] += 1
            return _original(*args)

        monkeypatch.setattr(layout_module, name, counted)
    row = "  ".join(["发票号码"] * 300)
    document = raw_text_document(["\n".join([row] * 6)])
    extract_for("invoice", document, load_default_spec("invoice"))
    segments = 6 * 300
    assert calls["boxes"] <= 20 * segments  # about 7 now; it was over 1,000 per segment


def test_a_slow_prompt_template_pattern_fails_the_one_call_with_pattern_timeout(
    staff_client, agent_client, django_capture_on_commit_callbacks
):
    for document_type, field_name in (("invoice", "invoice_number"), ("id_card", "id_number")):
        spec = copy.deepcopy(load_default_spec(document_type))
        field = next(f for f in spec["fields"] if f["name"] == field_name)
        field["patterns"] = [CATASTROPHIC]
        created = staff_client.post(
            PROMPT_TEMPLATES_URL, {"document_type": document_type, "spec": spec}, format="json"
        )
        assert created.status_code == 201, created.content
        with django_capture_on_commit_callbacks(execute=True):
            published = staff_client.post(f"{PROMPT_TEMPLATES_URL}{created.json()['id']}/publish/")
        assert published.status_code == 200, published.content
        text = f"{_label(field)}: {'a' * 60}!"
        with SMALL_TIMEOUT:
            response = _analyze(agent_client, document_type, [text])
            error = assert_error_shape(response, 422, "pattern_timeout")
            assert error["details"]["document_type"] == document_type
            assert error["details"]["timeout_s"] == 0.05
            assert CATASTROPHIC not in response.content.decode()  # the pattern stays in the log
            batch = agent_client.post(
                BATCH_URL,
                {"items": [{"document_type": document_type, "raw_texts": [text]},
                           {"document_type": "receipt", "raw_texts": ["Total 12.00 EUR"]}]},
                format="json",
            )  # fmt: skip
        assert batch.status_code == 200, batch.content
        first, second = batch.json()["results"]
        assert (first["status"], first["error"]["code"]) == (422, "pattern_timeout")
        assert second["status"] == 200


# --- statements -------------------------------------------------------------------------------


def _pathological_lines(width: int = 4000) -> list[str]:
    starts = ["", "01/02 01/02 ", "12 Oct ", "CARD NO "]
    fillers = ["1,234", "abc ", "1", "a", "12 Jan ", "(", "CR "]
    return [(start + filler * width)[:width] for start in starts for filler in fillers][:10]


def _upload(client, data: bytes, name: str, customer, capture):
    with capture(execute=True):
        response = client.post(
            STATEMENTS_URL,
            {"file": SimpleUploadedFile(name, data), "customer": customer.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    return StatementImport.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("bank", sorted(PDF_MAKERS))
def test_every_shipped_bank_template_reads_pathological_lines_through_the_api(
    bank, agent_client, customer, django_capture_on_commit_callbacks
):
    statement = fake_statement()
    lines = _pathological_lines()
    card = statement.cards[0]
    first = card.transactions[0]
    card.transactions[0] = FakeTxn(
        first.posting_date, first.transaction_date, first.description, first.amount,
        first.direction, wrapped=lines[:5],
    )  # fmt: skip
    card.transactions.append(
        FakeTxn(date(2026, 11, 17), date(2026, 11, 17), lines[5], Decimal("1.00"))
    )
    imported = _upload(
        agent_client, PDF_MAKERS[bank](statement), f"{bank}.pdf", customer,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert imported.status in ("verified", "review"), (imported.error_code, imported.error)
    assert imported.parser_key == bank
    rows = [t for bill in imported.bills.all() for t in bill.transactions.all()]
    assert rows and all(len(t.description) <= 3 * MAX_LINE_CHARS for t in rows)


def test_exports_with_pathological_cells_are_read_through_the_api(
    agent_client, customer, django_capture_on_commit_callbacks
):
    lines = _pathological_lines(20000)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["MAYBANK DEMO BERHAD - CREDIT CARD STATEMENT"])
    writer.writerow(["Card No", "1234-5678-9012-0001"])
    writer.writerow(["Posting Date", "Transaction Date", "Description", "Amount (RM)", "CR/DR"])
    writer.writerow(["01/11/2026", "01/11/2026", "DEMO MART GROCERS", "12.00", ""])
    for line in lines:
        writer.writerow(["02/11/2026", "02/11/2026", line, line[:30], line])
    imported = _upload(
        agent_client, buf.getvalue().encode(), "maybank.csv", customer,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert imported.status in ("verified", "review"), (imported.error_code, imported.error)
    generic = io.StringIO()
    csv.writer(generic).writerows(
        [["Date", "Description", "Amount"]] + [[ln, ln, ln] for ln in lines]
    )
    parsed = parse_statement(generic.getvalue().encode(), filename="x.csv", templates=[])
    assert all(len(p.raw_text) <= MAX_LINE_CHARS for b in parsed.bills for p in b.row_problems)


def _published_bank_template(staff_client, change) -> dict:
    spec = copy.deepcopy(next(s for s in shipped_template_specs() if s["bank"] == "maybank"))
    change(spec)
    created = staff_client.post(
        BANK_TEMPLATES_URL, {"bank": "maybank", "spec": spec}, format="json"
    )
    assert created.status_code == 201, created.content
    published = staff_client.post(f"{BANK_TEMPLATES_URL}{created.json()['id']}/publish/")
    assert published.status_code == 200, published.content
    return created.json()


def _statement_with_line(text: str) -> bytes:
    statement = fake_statement()
    first = statement.cards[0].transactions[0]
    statement.cards[0].transactions[0] = FakeTxn(
        first.posting_date, first.transaction_date, first.description, first.amount,
        first.direction, wrapped=[text],
    )  # fmt: skip
    return PDF_MAKERS["maybank"](statement)


@pytest.mark.parametrize(
    ("slow_down", "named"),
    [
        (lambda spec: spec["transactions"].setdefault("skip", []).append(CATASTROPHIC),
         "Template maybank v{version}: "),
        # Detection tries every bank's template, so the message cannot name one.
        (lambda spec: spec["detect"]["patterns"].append(CATASTROPHIC), "A bank template: "),
    ],
    ids=["row-pattern", "detection-pattern"],
)  # fmt: skip
def test_a_slow_bank_template_pattern_fails_the_import_with_pattern_timeout(
    slow_down, named, staff_client, agent_client, customer, django_capture_on_commit_callbacks
):
    created = _published_bank_template(staff_client, slow_down)
    with SMALL_TIMEOUT:
        imported = _upload(
            agent_client, _statement_with_line("a" * 60 + "!"), "maybank.pdf", customer,
            django_capture_on_commit_callbacks,
        )  # fmt: skip
    assert (imported.status, imported.error_code) == ("failed", "pattern_timeout")
    assert imported.error.startswith(named.format(version=created["version"]))
    assert "was stopped" in imported.error


def test_a_slow_pattern_in_a_template_preview_is_a_400_pattern_timeout(staff_client):
    template = BankTemplate.objects.get(bank__code="maybank", status="active")
    spec = copy.deepcopy(template.spec)
    spec["detect"]["patterns"].append(CATASTROPHIC)
    sample = SimpleUploadedFile("sample.pdf", _statement_with_line("a" * 60 + "!"))
    with SMALL_TIMEOUT:
        response = staff_client.post(
            f"{BANK_TEMPLATES_URL}{template.pk}/preview/",
            {"file": sample, "spec": json.dumps(spec)},
            format="multipart",
        )
    error = assert_error_shape(response, 400, "pattern_timeout")
    assert error["details"]["timeout_s"] == 0.05


def test_a_slow_prompt_template_pattern_fails_the_invoice_job_once_with_pattern_timeout(
    staff_client, agent_client, django_capture_on_commit_callbacks
):
    from invoices.models import Invoice
    from jobs.models import ProcessingJob
    from tests.invoices.conftest import upload_processed
    from tests.invoices.documents import invoice_pdf

    spec = copy.deepcopy(load_default_spec("invoice"))
    field = next(f for f in spec["fields"] if f["name"] == "invoice_number")
    field["patterns"] = [CATASTROPHIC]
    created = staff_client.post(
        PROMPT_TEMPLATES_URL, {"document_type": "invoice", "spec": spec}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{PROMPT_TEMPLATES_URL}{created.json()['id']}/publish/")
    with SMALL_TIMEOUT:
        invoice = upload_processed(
            agent_client,
            "slow.pdf",
            invoice_pdf((f"Invoice No: {'a' * 60}!", "Total: EUR 10.00")),
            django_capture_on_commit_callbacks,
        )
    invoice.refresh_from_db()
    job = ProcessingJob.objects.get(pk=invoice.job_id)
    # The same pattern fails the same way on every retry: failed at once, with the cause.
    assert (invoice.status, invoice.error_code) == (Invoice.Status.FAILED, "pattern_timeout")
    assert (job.status, job.error_code, job.attempts) == ("failed", "pattern_timeout", 1)
