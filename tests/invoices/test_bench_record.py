"""bench/record.py rewrites only its own section of docs/benchmarks.md."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCORE = {
    "documents": 2, "missing_predictions": 0, "field_accuracy": 0.9, "fields_scored": 10,
    "per_field": {"date": {"accuracy": 1.0, "n": 2}},
    "per_group": {"en/yes": {"accuracy": 0.9, "n": 10}, "de/yes": {"accuracy": 0.6, "n": 10},
                  "en/image": {"accuracy": 0.5, "n": 4}},
    "seconds_median": 0.2, "seconds_p95": 0.3, "documents_detail": [],
}  # fmt: skip


def _record(tmp_path, kind: str, doc: Path) -> None:
    score = tmp_path / f"{kind}_score.json"
    score.write_text(json.dumps(SCORE))
    (tmp_path / f"{kind}.jsonl").write_text(
        json.dumps({"doc": "a", "seconds": 0.2, "source": "text_layer", "pages": 1}) + "\n"
        + json.dumps({"doc": "b", "seconds": 3.0, "source": "ocr", "pages": 2, "cpu_seconds": 5.0})
    )  # fmt: skip
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "record.py"), kind, str(score), "--doc", str(doc)],
        check=True, capture_output=True,
    )  # fmt: skip


def test_creates_the_file_then_replaces_only_its_section(tmp_path):
    doc = tmp_path / "docs" / "benchmarks.md"
    _record(tmp_path, "invoices", doc)
    text = doc.read_text()
    assert "<!-- bench:invoices -->\n## Invoice extraction" in text
    assert "| `date` | 1 | 2 |" in text
    assert "| `yes` | 0.75 | 20 |" in text and "| `image` | 0.5 | 4 |" in text
    assert "| OCR (image or scan) | 1 | 3 | 3 | 1.5 | 1.5 | 2.5 |" in text
    doc.write_text(text + "\n## Someone else's section\nkeep me\n")
    _record(tmp_path, "statements", doc)
    _record(tmp_path, "invoices", doc)
    text = doc.read_text()
    assert text.count("<!-- bench:invoices -->") == 1
    assert text.count("## Statement parsing") == 1
    assert "keep me" in text
