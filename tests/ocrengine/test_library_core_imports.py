"""The library core (`ocrengine/documents`, `engines`, `extraction`) turns files and text into
text, boxes and fields without Django's ORM: no `django.db`, no app's models, none of the
business or shared apps, nor ocrengine's own Django side. Read from the source with `ast`, so
an import inside a function counts too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ("ocrengine/documents", "ocrengine/engines", "ocrengine/extraction")
FORBIDDEN_PACKAGES = ("billing", "invoices", "customers", "jobs")
# ocrengine's Django side: the core is what these build on, never the other way round.
FORBIDDEN_MODULES = ("django.db", "ocrengine.services", "ocrengine.apis", "ocrengine.admin")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file; `from x import y` also yields `x.y`, so an
    imported `models` submodule is seen."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _forbidden(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] in FORBIDDEN_PACKAGES
        or "models" in parts
        or any(module == m or module.startswith(m + ".") for m in FORBIDDEN_MODULES)
    )


def _core_files() -> list[Path]:
    return sorted(path for package in CORE_PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_library_core_imports_no_orm_and_no_app(path):
    bad = [f"line {line}: {module}" for line, module in _imports(path) if _forbidden(module)]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("from django.db import models", True),
        ("from django.db.models import Q", True),
        ("import django.db", True),
        ("from invoices.models import Invoice", True),
        ("from ocrengine import models", True),
        ("from jobs.registry import PermanentJobError", True),
        ("def f():\n    from billing.parsers import parse_statement", True),
        ("from ocrengine.services.templates import template_profile", True),
        ("from django.conf import settings", False),
        ("from ocrengine.extraction.patterns import cap_line", False),
    ],
)
def test_the_check_sees_what_it_forbids(tmp_path, source, forbidden):
    path = tmp_path / "module.py"
    path.write_text(source + "\n", encoding="utf-8")
    assert any(_forbidden(module) for _, module in _imports(path)) is forbidden
