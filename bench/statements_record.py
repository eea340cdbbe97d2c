"""Write the "Statements" section of docs/benchmarks.md from score_statements.py's JSON.

usage: python bench/statements_record.py SCORE.json [PREDICTIONS.jsonl]

`make bench-statements` produces both files (parse_statements, then the corpus scorer).
Targets: field accuracy 1.00, transaction F1 >= 0.99, median <= 0.2 s per statement.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_summary import write_section

SECTION = "Statements"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    score = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    statuses = _statuses(Path(argv[1])) if len(argv) > 1 else {}
    tx = score["transactions"]
    met = (
        score["field_accuracy"] >= 1.0
        and tx["f1"] >= 0.99
        and (score["seconds_median"] or 99) <= 0.2
    )
    lines = [
        f"## {SECTION}",
        "",
        "`make bench-statements` — `manage.py parse_statements` over "
        "`shared/corpus/statements/lazyexpenses/*.pdf`, scored by `score_statements.py`. "
        f"Measured {date.today().isoformat()} on {platform.machine()} ({os.cpu_count()} cores), "
        f"Python {platform.python_version()}.",
        "",
        "| measure | result | target |",
        "|---|---:|---:|",
        f"| statements scored | {score['statements']} | |",
        f"| missing predictions | {score['missing_predictions']} | 0 |",
        f"| statement field accuracy | {score['field_accuracy']:.4f} | 1.00 |",
        *(f"| — {name} | {value:.4f} | |" for name, value in score["per_field"].items()),
        f"| transactions precision / recall | {tx['precision']:.4f} / {tx['recall']:.4f} | |",
        f"| transaction F1 | {tx['f1']:.4f} | ≥ 0.99 |",
        f"| median seconds per statement | {score['seconds_median']} | ≤ 0.2 |",
        "",
        f"Targets {'met' if met else 'NOT met'}."
        + (f" Statuses over every file of the run: {statuses}." if statuses else ""),
        "",
    ]
    write_section(SECTION, "\n".join(lines))
    print("\n".join(lines))
    return 0


def _statuses(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            status = json.loads(line).get("status", "?")
            counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
