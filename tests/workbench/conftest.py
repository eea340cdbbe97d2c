"""Browser fixtures for the workbench's end-to-end tests: the Debian Chromium, driven by
Playwright, against the project served by pytest-django's live_server.

Screenshots and the page-load timings go to tests/artifacts/ (git-ignored);
`bench/workbench_pages.py` turns the timings into docs/benchmarks.md's section.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
TIMINGS_FILE = ARTIFACTS / "workbench_timings.json"


# Module scope: pytest-django runs tests without a database after these (transactional) ones,
# and they must find neither Playwright's event loop nor the async guard lifted below.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/system_deps.sh")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django then refuses
    # ORM calls from it as "async context". The tests' own ORM calls are plain sync code, so
    # the guard is lifted while the browser lives, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def page_timings() -> Iterator[list[dict]]:
    """Collects one entry per measured page load; written once at the end of the session."""
    entries: list[dict] = []
    yield entries
    if entries:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        # The machine's load says how much else competed with the browser and the server.
        run = {"loads": entries, "load_average": os.getloadavg(), "cpus": os.cpu_count()}
        TIMINGS_FILE.write_text(json.dumps(run, indent=2) + "\n")


@pytest.fixture
def e2e_db(transactional_db, django_db_serialized_rollback) -> None:
    """The live server needs committed data: a transactional test, whose flush wipes what
    migrations seeded. Django's serialized rollback restores it only while the connection
    object carries its snapshot, and Playwright's event loop gives the tests other (context-
    local) connection objects, so the seeds these tests need are re-run here, idempotently,
    with the migrations' own code."""
    from django.apps import apps

    for migration in ("ocrengine.migrations.0002_document_types",):
        importlib.import_module(migration).seed(apps, None)


@pytest.fixture(scope="session")
def warm_server(live_server) -> str:
    """One request before any page is timed: the server's first answer pays for imports and
    URL resolution once per process, which is not what a page load should measure."""
    with urlopen(live_server.url + "/workbench/login/", timeout=30) as answer:
        answer.read()
    return live_server.url


def _new_page(browser, viewport: dict, language: str):
    context = browser.new_context(viewport=viewport, locale=language, device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    # A script error on any page fails the test that caused it.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def desktop(browser, warm_server) -> Iterator:
    context, page = _new_page(browser, DESKTOP, "en-GB")
    yield page
    context.close()
    assert page.js_errors == []


@pytest.fixture
def narrow(browser, warm_server) -> Iterator:
    context, page = _new_page(browser, NARROW, "en-GB")
    yield page
    context.close()
    assert page.js_errors == []


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"workbench-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def measure(page, timings: list[dict], name: str, viewport: str) -> dict:
    """Navigation start → load event, and → the page's own 'ready' mark (data and images in)."""
    page.wait_for_selector("body[data-ready]")
    numbers = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const ready = performance.getEntriesByName("workbench-ready").pop();
            const api = performance.getEntriesByType("resource")
                .filter(r => r.name.includes("/api/v1/"))
                .sort((a, b) => b.duration - a.duration);
            return {load_ms: nav.loadEventEnd - nav.startTime,
                    ready_ms: ready ? ready.startTime : null,
                    api_calls: api.length,
                    slowest_api: api.length ? [new URL(api[0].name).pathname, api[0].duration] : null};
        }"""
    )
    slowest = numbers.pop("slowest_api")
    entry = {
        "page": name,
        "viewport": viewport,
        "load_ms": round(numbers["load_ms"], 1),
        "ready_ms": None if numbers["ready_ms"] is None else round(numbers["ready_ms"], 1),
        "api_calls": numbers["api_calls"],
        "slowest_api": None
        if slowest is None
        else {"path": slowest[0], "ms": round(slowest[1], 1)},
    }
    timings.append(entry)
    return entry


def log_in(page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[data-role=login-form] button[type=submit]")
