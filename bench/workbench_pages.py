"""Write docs/benchmarks.md's "Workbench page loads" section from the e2e run's timings.

The browser tests (tests/workbench/test_e2e*.py) record, for every page they open, the time
from navigation start to the load event and to the page's own "ready" mark (its API data
rendered and, on the review screen, the page image decoded). This script only reports them:

    .venv/bin/pytest tests/workbench -m e2e
    .venv/bin/python bench/workbench_pages.py [tests/artifacts/workbench_timings.json]
"""

from __future__ import annotations

import json
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = ROOT / "tests" / "artifacts" / "workbench_timings.json"
REPORT = ROOT / "docs" / "benchmarks.md"
TITLE = "## Workbench page loads"
TARGET_MS = 1000.0


def section(loads: list[dict]) -> str:
    worst = max(max(entry["load_ms"], entry["ready_ms"] or 0) for entry in loads)
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    lines = [
        TITLE,
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/workbench_pages.py` from the "
        "e2e run (`pytest tests/workbench -m e2e`): headless Debian Chromium driven by "
        "Playwright against pytest-django's live server (SQLite, static files from the "
        f"finders), {platform.machine()} with {_cpus()} CPU(s). Each page is opened once, with "
        "a cold browser cache per test.",
        "",
        "*load* is navigation start to the load event; *ready* is navigation start to the "
        "page's `workbench-ready` mark: its API calls answered and rendered, and on the review "
        "screen the page image fetched with the JWT and decoded.",
        "",
        f"Target: every page ≤ {TARGET_MS:.0f} ms. Slowest figure: {worst:.0f} ms — target "
        f"{verdict}.",
        "",
        "| page | viewport | load (ms) | ready (ms) |",
        "|---|---|---:|---:|",
    ]
    for entry in loads:
        ready = "n/a" if entry["ready_ms"] is None else f"{entry['ready_ms']:.0f}"
        lines.append(
            f"| {entry['page']} | {entry['viewport']} | {entry['load_ms']:.0f} | {ready} |"
        )
    return "\n".join(lines) + "\n"


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def replace_section(document: str, new: str) -> str:
    """Swap this section in place (up to the next `## ` heading); append it when missing."""
    pattern = re.compile(rf"^{re.escape(TITLE)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(document):
        return pattern.sub(lambda _match: new + "\n", document, count=1).rstrip("\n") + "\n"
    head = document.rstrip("\n")
    return (head + "\n\n" if head else "# Benchmarks\n\n") + new


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else TIMINGS
    if not source.exists():
        print(f"{source} not found: run `pytest tests/workbench -m e2e` first", file=sys.stderr)
        return 1
    loads = json.loads(source.read_text())["loads"]
    if not loads:
        print(f"{source} holds no page loads", file=sys.stderr)
        return 1
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    current = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(replace_section(current, section(loads)))
    print(f"wrote {TITLE[3:]!r} ({len(loads)} page loads) to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
