"""extract_documents: the job's extraction in-process, one JSON line per document."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.invoices import documents


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_manifest_documents_are_extracted_with_manifest_doc_names(tmp_path):
    folder = tmp_path / "corpus" / "docs"
    folder.mkdir(parents=True)
    (folder / "a.pdf").write_bytes(documents.invoice_pdf())
    (folder / "broken.pdf").write_bytes(documents.invoice_pdf()[:300])
    manifest = tmp_path / "corpus" / "MANIFEST.tsv"
    manifest.write_text("id\tdoc\tgt\na\tdocs/a.pdf\tx.json\nb\tdocs/broken.pdf\ty.json\n")
    output = tmp_path / "out" / "result.jsonl"
    call_command("extract_documents", "--manifest", str(manifest), "--output", str(output))
    good, broken = _lines(output)
    assert good["doc"] == "docs/a.pdf"
    assert good["status"] == "recognized"
    assert good["fields"]["invoice_number"] == "INV-2024-0042"
    assert good["fields"]["total_amount"] == "238.00"
    assert (good["engine"], good["source"], good["pages"]) == ("pdfplumber", "text_layer", 1)
    assert good["confidence"] >= 0.7 and good["seconds"] > 0
    assert (broken["status"], broken["error_code"], broken["fields"]) == (
        "failed",
        "corrupt_file",
        {},
    )


def test_paths_are_extracted_and_missing_files_reported(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(documents.invoice_pdf())
    output = tmp_path / "o.jsonl"
    call_command("extract_documents", str(pdf), str(tmp_path / "gone.pdf"), "--output", str(output))
    found, missing = _lines(output)
    assert found["doc"] == str(pdf) and found["status"] == "recognized"
    assert (missing["status"], missing["error_code"]) == ("failed", "unreadable")


def test_without_documents_it_refuses(tmp_path):
    with pytest.raises(CommandError):
        call_command("extract_documents", "--output", str(tmp_path / "o.jsonl"))


def test_invalid_spec_is_refused(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"fields": []}))
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(documents.invoice_pdf())
    with pytest.raises(CommandError, match="invalid spec"):
        call_command(
            "extract_documents", str(pdf), "--output", str(tmp_path / "o"), "--spec", str(spec)
        )
