"""export_bank_templates / import_bank_templates round trip and refusal; parse_statements."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import BankTemplate
from billing.services.reference_data import shipped_template_specs
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import cimb_pdf, maybank_pdf, maybank_xlsx

pytestmark = pytest.mark.usefixtures("seeded")


def test_export_import_round_trip_into_an_empty_database(tmp_path):
    path = tmp_path / "templates.json"
    call_command("export_bank_templates", "--output", str(path), stderr=StringIO())
    exported = json.loads(path.read_text())
    BankTemplate.objects.all().delete()
    out = StringIO()
    call_command("import_bank_templates", "--input", str(path), stdout=out)
    assert BankTemplate.objects.filter(status="active").count() == len(shipped_template_specs())
    assert "published: " in out.getvalue()
    again = tmp_path / "again.json"
    call_command("export_bank_templates", "--output", str(again), stderr=StringIO())
    assert json.loads(again.read_text()) == exported


def test_import_refuses_conflicts_and_malformed_files_and_changes_nothing(tmp_path):
    path = tmp_path / "templates.json"
    call_command("export_bank_templates", "--output", str(path), stderr=StringIO())
    document = json.loads(path.read_text())
    document["templates"][0]["spec"]["detect"]["within_lines"] = 99  # same version, new spec
    document["templates"].append({"bank": "cimb", "version": "two", "spec": {}})
    path.write_text(json.dumps(document))
    before = list(BankTemplate.objects.values_list("pk", "status", "spec"))
    with pytest.raises(CommandError) as refused:
        call_command("import_bank_templates", "--input", str(path), stdout=StringIO())
    message = str(refused.value)
    assert "nothing was imported" in message
    assert "already exists with a different spec" in message
    assert "version must be a positive integer" in message
    assert list(BankTemplate.objects.values_list("pk", "status", "spec")) == before
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import_bank_templates", "--input", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bank_templates", "--input", str(tmp_path / "absent.json"))


def test_parse_statements_writes_scorer_lines(tmp_path):
    fake = fake_statement()
    files = {
        "maybank.pdf": maybank_pdf(fake),
        "maybank_copy.pdf": maybank_pdf(fake),  # reportlab invariant=1: same bytes
        "maybank.xlsx": maybank_xlsx(fake),
        "cimb.pdf": cimb_pdf(fake_statement(last4="7777")),
        "locked.pdf": maybank_pdf(fake, password="pw"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    output = tmp_path / "out.jsonl"
    paths = [str(tmp_path / name) for name in files]
    call_command("parse_statements", *paths, "--output", str(output), stderr=StringIO())
    lines = {line["doc"]: line for line in map(json.loads, output.read_text().splitlines())}
    first = lines["maybank.pdf"]
    assert (first["bank"], first["status"]) == ("maybank", "verified")
    assert first["statement"]["statement_date"] == "2026-11-18"
    assert first["statement"]["new_balance"] == str(fake.cards[0].new_balance)
    assert sorted((t["amount"], t["type"]) for t in first["transactions"]) == sorted(
        (f"{t.amount:.2f}", t.direction) for t in fake.cards[0].transactions
    )
    assert isinstance(first["seconds"], float)
    assert lines["maybank_copy.pdf"]["status"] == "duplicate"
    assert lines["maybank.xlsx"]["status"] == "verified"
    assert lines["cimb.pdf"]["bank"] == "cimb"
    assert lines["locked.pdf"]["status"] == "failed"
    assert lines["locked.pdf"]["problems"][0]["code"] == "password_required"


def test_parse_statements_refuses_missing_paths(tmp_path):
    with pytest.raises(CommandError, match="Not a file"):
        call_command("parse_statements", str(tmp_path / "nope.pdf"), "--output", "x.jsonl")
