#!/usr/bin/env python3
"""Write a corpus score into its section of docs/benchmarks.md.

usage: python bench/record.py invoices|statements SCORE.json [--predictions PREDICTIONS.jsonl]
                              [--doc docs/benchmarks.md]

SCORE.json is what `score_invoices.py` / `score_statements.py --json` wrote. The section
between `<!-- bench:KIND -->` and `<!-- /bench:KIND -->` is replaced (the file and section are
created when missing); the rest of the file is left as it is. Predictions (default: the
`KIND.jsonl` next to SCORE.json, when present) add seconds per document by how the document was
read (text layer / OCR), using the `source`, `pages` and `seconds` keys of each line.
Standard library only, so it runs without Django.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOT_DOC = ROOT / "docs" / "benchmarks.md"
TITLES = {
    "invoices": "Invoice extraction",
    "statements": "Statement parsing",
    "statements_generic": "Statement parsing without templates (the synthetic set, generic reader)",
    "statements_real": "Statement parsing: real statements of other banks and formats",
}
COMMANDS = {
    "invoices": "make bench-invoices",
    "statements": "make bench-statements",
    "statements_generic": "make bench-statements",
    "statements_real": "make bench-statements",
}
SKIP_KEYS = {"per_field", "per_group", "documents_detail", "per_bank", "per_file", "documents"}


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return str(value)


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_number(cell) for cell in row) + " |" for row in rows]
    return lines


def _scored_table(title: str, scores: dict) -> list[str]:
    rows = []
    for name, value in scores.items():
        if isinstance(value, dict):
            rows.append((f"`{name}`", value.get("accuracy", ""), value.get("n", "")))
        else:
            rows.append((f"`{name}`", value, ""))
    return ["", f"**{title}**", "", *_table(("", "accuracy", "n"), rows)]


def accuracy_by_suffix(groups: dict) -> dict:
    """Pool `lang/kind` groups by kind (e.g. yes / image), weighting each by its field count."""
    pooled: dict[str, list[float]] = {}
    for name, value in groups.items():
        if not isinstance(value, dict) or "/" not in name or not value.get("n"):
            continue
        total = pooled.setdefault(name.rsplit("/", 1)[1], [0.0, 0])
        total[0] += value["accuracy"] * value["n"]
        total[1] += value["n"]
    return {
        kind: {"accuracy": round(ok / n, 4), "n": n} for kind, (ok, n) in sorted(pooled.items())
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


_READ_BY = {"text_layer": "text layer", "ocr": "OCR (image or scan)", "mixed": "mixed"}
_EXPORT_FORMATS = {"csv", "xlsx", "xls", "ofx", "qfx", "camt", "mt940", "qif"}


def seconds_by_source(predictions: Path) -> list[str]:
    """Median / p95 seconds per document and per page, split by how the pages were read."""
    groups: dict[str, list[tuple[float, int, float | None]]] = {}
    for line in predictions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        seconds = item.get("seconds")
        if not isinstance(seconds, int | float):
            continue
        source = _READ_BY.get(item.get("source") or "", "failed / unread")
        if item.get("source") in _EXPORT_FORMATS:
            source = "export file (CSV, XLSX, OFX, CAMT, MT940, QIF)"
        cpu = item.get("cpu_seconds")
        cpu = float(cpu) if isinstance(cpu, int | float) else None
        groups.setdefault(source, []).append((float(seconds), int(item.get("pages") or 1), cpu))
    rows = []
    for source, items in sorted(groups.items()):
        per_doc = [seconds for seconds, _, _ in items]
        per_page = [seconds / max(pages, 1) for seconds, pages, _ in items]
        cpu_page = [cpu / max(pages, 1) for _, pages, cpu in items if cpu is not None]
        rows.append((source, len(items), round(statistics.median(per_doc), 3),
                     round(_percentile(per_doc, 0.95), 3), round(statistics.median(per_page), 3),
                     round(_percentile(per_page, 0.95), 3),
                     round(statistics.median(cpu_page), 3) if cpu_page else "-"))  # fmt: skip
    if not rows:
        return []
    header = ("read by", "documents", "median s/doc", "p95 s/doc", "median s/page", "p95 s/page",
              "median CPU s/page")  # fmt: skip
    note = ("Wall-clock seconds per document with the OCR models already loaded (as in a "
            "worker). CPU seconds count every thread of the process; when other work shares the "
            "cores (see the load average above) they are the steadier measure.")  # fmt: skip
    return ["", "**Seconds per document**", "", note, "", *_table(header, rows)]


def render_section(kind: str, score: dict, predictions: Path | None) -> str:
    title = TITLES.get(kind, kind.title())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = (
        ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    )
    lines = [
        f"## {title}",
        "",
        f"Recorded {when} by `{COMMANDS.get(kind, 'bench/record.py')}` on {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, load average {load} at the end of the run.",
    ]
    summary = [(f"`{key}`", value) for key, value in score.items()
               if key not in SKIP_KEYS and not isinstance(value, dict | list)]  # fmt: skip
    if "documents" in score and not isinstance(score["documents"], dict | list):
        summary.insert(0, ("`documents`", score["documents"]))
    if summary:
        lines += ["", *_table(("measure", "value"), summary)]
    if isinstance(score.get("transactions"), dict):  # the statement scorer's P/R/F1
        rows = [(f"`{key}`", value) for key, value in score["transactions"].items()]
        lines += ["", "**Transactions**", "", *_table(("measure", "value"), rows)]
    if isinstance(score.get("per_field"), dict):
        lines += _scored_table("Per field", score["per_field"])
    if isinstance(score.get("per_file"), dict):  # score_statements_real.py
        rows = [
            (f"`{name}`", f"{v['matched']}/{v['want']}", v["got"], v["fields"], v["status"])
            for name, v in score["per_file"].items()
        ]
        header = ("file", "transactions matched", "read", "fields", "status")
        lines += ["", "**Per file**", "", *_table(header, rows)]
    if isinstance(score.get("per_group"), dict):
        lines += _scored_table("Per group (language / text layer)", score["per_group"])
        by_kind = accuracy_by_suffix(score["per_group"])
        if len(by_kind) > 1:
            lines += _scored_table("By how the document was made (text layer)", by_kind)
    if predictions is not None and predictions.exists():
        lines += seconds_by_source(predictions)
    return "\n".join(lines) + "\n"


def replace_section(document: str, kind: str, section: str) -> str:
    start, end = f"<!-- bench:{kind} -->", f"<!-- /bench:{kind} -->"
    block = f"{start}\n{section}{end}"
    if start in document and end in document.split(start, 1)[1]:
        before, rest = document.split(start, 1)
        return before + block + rest.split(end, 1)[1]
    if not document.strip():
        document = "# Benchmarks\n\nMeasured numbers, each section written by its benchmark.\n"
    return document.rstrip("\n") + "\n\n" + block + "\n"


def write_section(kind: str, body: str, doc: Path | None = None) -> Path:
    """Replace (or append) the `<!-- bench:KIND -->` block of docs/benchmarks.md, leaving every
    other section as it is; every bench script records through this."""
    path = doc or ROOT_DOC
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(text, kind, body.rstrip("\n") + "\n"), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(TITLES))
    parser.add_argument("score", type=Path)
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--doc", type=Path, default=ROOT_DOC)
    args = parser.parse_args(argv)
    try:
        score = json.loads(args.score.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {args.score}: {error}", file=sys.stderr)
        return 2
    predictions = args.predictions or args.score.with_name(f"{args.kind}.jsonl")
    section = render_section(args.kind, score, predictions)
    write_section(args.kind, section, args.doc)
    print(f"wrote the {args.kind} section of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
