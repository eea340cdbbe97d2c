"""evaluate_templates: the corpus scorer's comparison rules, and versions compared side by side
on a tiny labelled set the test writes."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reportlab.pdfgen import canvas

from ocrengine.evaluation import ManifestError, amount, evaluate_specs, read_manifest, same
from ocrengine.models import DocumentType
from ocrengine.services.templates import template_create_draft
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "expected", "predicted", "right"),
    [
        ("total_amount", "1.234,50", "1234.50", True),
        ("total_amount", 1234.5, "1,234.51", True),  # within a cent
        ("total_amount", "-10.00", "10.00", True),  # sign ignored, as the scorer does
        ("total_amount", "10.00", "10.02", False),
        ("date", "2024-03-15", "2024-03-15T00:00", True),
        ("currency", "eur", " EUR ", True),
        ("seller", "ACME Supplies GmbH", "Acme Supplies", True),
        ("seller", "ACME Supplies GmbH", "Other Corp", False),
        ("invoice_number", "INV-0042", "inv 0042", True),
        ("invoice_number", "0042", "42", True),
        ("invoice_number", "INV-0042", None, False),
        ("invoice_number", "INV-0042", "", False),
    ],
)
def test_comparison_rules_match_the_corpus_scorer(field, expected, predicted, right):
    assert same(field, expected, predicted) is right


def test_amount_parsing():
    assert amount("EUR 1.234.567,89") == Decimal("1234567.89")
    assert amount("12,5") == Decimal("125")  # one decimal after a comma reads as thousands
    assert amount("abc") is None


def _pdf(path, lines: list[str]) -> None:
    page = canvas.Canvas(str(path))
    for index, line in enumerate(lines):
        page.drawString(72, 760 - 16 * index, line)
    page.save()


@pytest.fixture
def labelled_set(tmp_path):
    """Two invoices: every labelled field right but one (a deliberately wrong ground truth)."""
    rows = ["id\tdoc\tgt\tlanguage"]
    for number, total in (("INV-1", "1190.00"), ("INV-2", "999.99")):
        _pdf(tmp_path / f"{number}.pdf", invoice_text(number).splitlines())
        truth = {
            "invoice_number": number,
            "total_amount": total,
            "date": "2024-03-15",
            "currency": "EUR",
            "buyer": None,
        }
        (tmp_path / f"{number}.json").write_text(json.dumps(truth))
        rows.append(f"{number}\t{number}.pdf\t{number}.json\ten")
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest


def test_versions_side_by_side(labelled_set, capsys, tmp_path):
    fresh_analysis_state()
    invoice = DocumentType.objects.get(code="invoice")
    spec = invoice.templates.get(version=1).spec
    # v2 forgets every alias of the total: the engine's built-in labels still find it, but
    # dropping the field itself makes v2 wrong on it.
    v2_spec = {**spec, "fields": [f for f in spec["fields"] if f["name"] != "total_amount"]}
    template_create_draft(document_type=invoice, spec=v2_spec)
    out = tmp_path / "report.json"
    call_command(
        "evaluate_templates",
        "--document-type",
        "invoice",
        "--manifest",
        str(labelled_set),
        "--versions",
        "1",
        "2",
        "--json",
        str(out),
    )
    printed = capsys.readouterr().out
    assert "v1" in printed and "v2" in printed and "total_amount" in printed
    report = json.loads(out.read_text())
    v1, v2 = report["versions"]
    assert v1["per_field"]["invoice_number"] == {"accuracy": 1.0, "n": 2}
    assert v1["per_field"]["total_amount"] == {"accuracy": 0.5, "n": 2}
    assert v2["per_field"]["total_amount"] == {"accuracy": 0.0, "n": 2}
    assert v1["fields_scored"] == 8  # buyer is null in the ground truth: not scored
    assert v1["field_accuracy"] == 0.875 and v2["field_accuracy"] == 0.75


def test_unreadable_document_counts_its_fields_wrong(labelled_set):
    fresh_analysis_state()
    (labelled_set.parent / "INV-2.pdf").write_bytes(b"%PDF-1.7 broken")
    call_command(
        "evaluate_templates",
        "--document-type",
        "invoice",
        "--manifest",
        str(labelled_set),
        "--json",
        str(labelled_set.parent / "r.json"),
    )
    report = json.loads((labelled_set.parent / "r.json").read_text())
    assert report["unreadable"] == ["INV-2.pdf"]
    assert report["versions"][0]["per_field"]["invoice_number"] == {"accuracy": 0.5, "n": 2}


def test_bad_manifests_and_versions_are_clear_errors(labelled_set, tmp_path):
    fresh_analysis_state()
    with pytest.raises(CommandError, match="no version 7"):
        call_command(
            "evaluate_templates",
            "--document-type",
            "invoice",
            "--manifest",
            str(labelled_set),
            "--versions",
            "1",
            "7",
        )
    escape = tmp_path / "ESCAPE.tsv"
    escape.write_text("doc\tgt\n../../etc/passwd\tINV-1.json\n")
    with pytest.raises(ManifestError, match="outside the manifest"):
        read_manifest(escape)
    (tmp_path / "NOCOLS.tsv").write_text("a\tb\n1\t2\n")
    with pytest.raises(CommandError, match="'doc' and 'gt'"):
        call_command(
            "evaluate_templates",
            "--document-type",
            "invoice",
            "--manifest",
            str(tmp_path / "NOCOLS.tsv"),
        )


def test_a_pattern_that_times_out_scores_that_document_wrong_and_the_evaluation_goes_on(
    tmp_path, settings
):
    settings.TEMPLATE_REGEX_TIMEOUT_S = 0.05
    _pdf(tmp_path / "slow.pdf", ["Invoice No: " + "a" * 60 + "!", "Total: EUR 10.00"])
    (tmp_path / "slow.json").write_text(json.dumps({"invoice_number": "A-1", "currency": "EUR"}))
    (tmp_path / "MANIFEST.tsv").write_text("id\tdoc\tgt\tlanguage\nslow\tslow.pdf\tslow.json\ten\n")
    fresh_analysis_state()
    spec = DocumentType.objects.get(code="invoice").templates.get(version=1).spec
    slow = json.loads(json.dumps(spec))
    next(f for f in slow["fields"] if f["name"] == "invoice_number")["patterns"] = ["(a|a)+$"]

    report = evaluate_specs(
        document_type="invoice",
        documents=read_manifest(tmp_path / "MANIFEST.tsv"),
        specs={1: spec, 2: slow},
    ).as_dict()
    v1, v2 = report["versions"]
    assert v1["per_field"]["currency"] == {"accuracy": 1.0, "n": 1}
    assert v2["per_field"]["currency"] == {"accuracy": 0.0, "n": 1}
