"""bench/workbench_pages.py: the section is rebuilt in place, other sections left alone."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "workbench_pages.py"
LOADS = [
    {"page": "login", "viewport": "desktop", "load_ms": 210.4, "ready_ms": 190.0,
     "api_calls": 0, "slowest_api": None},
    {"page": "review (with page image)", "viewport": "390 px", "load_ms": 300.0,
     "ready_ms": 1200.0, "api_calls": 2,
     "slowest_api": {"path": "/api/v1/invoices/1/pages/1.png", "ms": 640.2}},
]  # fmt: skip


@pytest.fixture
def record(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("workbench_pages", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "REPORT", tmp_path / "docs" / "benchmarks.md")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def write_timings(tmp_path: Path) -> Path:
    path = tmp_path / "timings.json"
    path.write_text(json.dumps({"loads": LOADS, "load_average": [3.5, 2.0, 1.25], "cpus": 2}))
    return path


def test_a_missing_report_gets_a_title_and_the_section(record, tmp_path):
    assert record.main(["x", str(write_timings(tmp_path))]) == 0

    text = record.REPORT.read_text()
    assert text.startswith("# Benchmarks\n\n<!-- bench:workbench -->\n## Workbench page loads\n")
    assert text.endswith("<!-- /bench:workbench -->\n")
    assert "| login | desktop | 210 | 190 | 0 | n/a |" in text
    review = "| review (with page image) | 390 px | 300 | 1200 | 2 | `/api/v1/invoices/1/pages/1.png` 640 |"
    assert review in text
    assert "(1/5/15 min): 3.5 / 2.0 / 1.2" in text and "with 2 CPU(s)" in text
    assert "Slowest figure: 1200 ms — target NOT met." in text


OTHERS = "<!-- bench:statements -->\n## Statements\n\nscore 0.8\n<!-- /bench:statements -->\n"


@pytest.mark.parametrize(
    "old",
    [
        "<!-- bench:workbench -->\n## Workbench page loads\n\nold numbers\n<!-- /bench:workbench -->\n\n",
        "## Workbench page loads\n\nold numbers\n\n",  # written before the markers
    ],
)
def test_the_section_is_replaced_in_place_and_others_survive(record, tmp_path, old):
    record.REPORT.parent.mkdir(parents=True)
    record.REPORT.write_text("# Benchmarks\n\n## Invoices\n\nscore 0.9\n\n" + old + OTHERS)

    record.main(["x", str(write_timings(tmp_path))])

    text = record.REPORT.read_text()
    assert "old numbers" not in text
    assert text.count("## Workbench page loads") == 1
    assert text.index("## Invoices") < text.index("## Workbench") < text.index("## Statements")
    assert text.endswith("<!-- /bench:workbench -->\n\n" + OTHERS)


def test_no_timings_is_an_error_not_an_empty_section(record, tmp_path, capsys):
    assert record.main(["x", str(tmp_path / "absent.json")]) == 1
    assert "run `pytest tests/workbench -m e2e` first" in capsys.readouterr().err
    assert not record.REPORT.exists()
