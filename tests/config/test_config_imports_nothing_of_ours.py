"""config/ is settings and wiring (#14): no module under it imports one of our apps. It names
them only as strings (INSTALLED_APPS, MIDDLEWARE, `include("accounts.urls")`), which Django
resolves when it loads them, so config can be read without loading any app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"billing", "invoices", "customers", "ocrengine", "jobs", "accounts", "core", "workbench"}
MODULES = sorted(path.relative_to(ROOT) for path in (ROOT / "config").rglob("*.py"))


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_config_has_modules():
    assert Path("config/settings/base.py") in MODULES and Path("config/urls.py") in MODULES


@pytest.mark.parametrize("module", MODULES, ids=str)
def test_module_imports_none_of_our_apps(module):
    ours = {
        name
        for name in imported_modules((ROOT / module).read_text(encoding="utf-8"))
        if name.split(".")[0] in OURS
    }
    assert not ours, f"{module} imports {sorted(ours)}"


def test_the_check_sees_an_import_of_ours():
    assert imported_modules("from core.errors import DomainError\nimport billing.models") == {
        "core.errors",
        "billing.models",
    }
    assert imported_modules("import importlib\nimportlib.import_module('jobs.models')") >= {
        "jobs.models"
    }
