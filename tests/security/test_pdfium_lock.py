"""PDFium is not thread-safe, and web threads call it (the page viewer, the statement upload,
analyse). Every call holds the one lock in `ocrengine/documents/pdf.py` (issue #13): only the
modules that take it may import pypdfium2 at all, and PDFium work from several threads at once
gives the answers it gives one at a time."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from billing.parsers.pdf_reader import read_pdf_lines
from ocrengine.documents import page_count, render_page_png
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "billing",
    "config",
    "core",
    "customers",
    "invoices",
    "jobs",
    "ocrengine",
    "workbench",
)
# The lock's owner, and the text-line reader (statements), which takes it around each page.
HOLDERS = {"ocrengine/documents/pdf.py", "ocrengine/documents/pdf_lines.py"}


def _imports_pypdfium2(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] == "pypdfium2" for name in names):
            return True
    return False


def test_only_modules_that_hold_the_lock_import_pypdfium2():
    importers = {
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if _imports_pypdfium2(path)
    }
    assert importers == HOLDERS
    assert "with pdfium_lock:" in (ROOT / "ocrengine/documents/pdf_lines.py").read_text()


def test_concurrent_pdfium_work_matches_sequential_work():
    statement = maybank_pdf(fake_statement())

    def work(_index: int) -> tuple:
        lines = [line.text for line in read_pdf_lines(statement)]
        return lines, page_count(statement), len(render_page_png(statement, 1, dpi=30))

    expected = work(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(12)))
    assert results == [expected] * 12
