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
START, END = "<!-- bench:workbench -->", "<!-- /bench:workbench -->"
TARGET_MS = 1000.0


def section(run: dict) -> str:
    loads = run["loads"]
    worst = max(max(entry["load_ms"], entry["ready_ms"] or 0) for entry in loads)
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    lines = [
        TITLE,
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/workbench_pages.py` from the "
        "e2e run (`pytest tests/workbench -m e2e`): headless Debian Chromium driven by "
        "Playwright against pytest-django's live server (SQLite, static files from the "
        f"finders), {platform.machine()} with {run.get('cpus') or '?'} CPU(s). One browser "
        "context (cold cache) per test; the server answers one warm-up request first.",
        "",
        _load_note(run.get("load_average")),
        "",
        "*load* is navigation start to the load event; *ready* is navigation start to the "
        "page's `workbench-ready` mark: its API calls answered and rendered, and on the review "
        "screen the page image fetched with the JWT and decoded.",
        "",
        f"Target: every page ≤ {TARGET_MS:.0f} ms. Slowest figure: {worst:.0f} ms — target "
        f"{verdict}.",
        "",
        "| page | viewport | load (ms) | ready (ms) | API calls | slowest API call (ms) |",
        "|---|---|---:|---:|---:|---|",
    ]
    for entry in loads:
        ready = "n/a" if entry["ready_ms"] is None else f"{entry['ready_ms']:.0f}"
        slowest = entry.get("slowest_api")
        call = f"`{slowest['path']}` {slowest['ms']:.0f}" if slowest else "n/a"
        lines.append(
            f"| {entry['page']} | {entry['viewport']} | {entry['load_ms']:.0f} | {ready} "
            f"| {entry.get('api_calls', 'n/a')} | {call} |"
        )
    return "\n".join(lines) + "\n"


def _load_note(load_average: list[float] | None) -> str:
    if not load_average:
        return "Machine load during the run: not recorded."
    one, five, fifteen = load_average
    return (
        f"Machine load average at the end of the run (1/5/15 min): {one:.1f} / {five:.1f} / "
        f"{fifteen:.1f}. Other work shared these CPUs; the figures include waiting for them."
    )


def replace_section(document: str, new: str) -> str:
    """Swap the block between this section's markers (the convention of bench/record.py);
    an unmarked older copy of the section is replaced in place; else the block is appended."""
    block = f"{START}\n{new}{END}"
    if START in document and END in document.split(START, 1)[1]:
        before, rest = document.split(START, 1)
        return before + block + rest.split(END, 1)[1]
    legacy = re.compile(rf"^{re.escape(TITLE)}\n.*?(?=^## |^<!-- |\Z)", re.S | re.M)
    if legacy.search(document):
        return legacy.sub(lambda _match: block + "\n\n", document, count=1)
    head = document.rstrip("\n")
    return (head + "\n\n" if head else "# Benchmarks\n\n") + block + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else TIMINGS
    if not source.exists():
        print(f"{source} not found: run `pytest tests/workbench -m e2e` first", file=sys.stderr)
        return 1
    run = json.loads(source.read_text())
    if not run.get("loads"):
        print(f"{source} holds no page loads", file=sys.stderr)
        return 1
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    current = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(replace_section(current, section(run)))
    print(f"wrote {TITLE[3:]!r} ({len(run['loads'])} page loads) to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
