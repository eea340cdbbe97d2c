"""Dependencies point one way (docs/architecture.md): the business apps and jobs use core and
accounts, never the other way round. core imports none of our apps; accounts imports only core.
Read with ast, lazy imports inside functions included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.test_config_imports_nothing_of_ours import imported_modules

ROOT = Path(__file__).resolve().parents[2]
APPS = {"billing", "invoices", "customers", "ocrengine", "jobs", "accounts", "core", "workbench"}
MAY_IMPORT = {"core": {"core"}, "accounts": {"accounts", "core"}}
MODULES = [
    (app, path.relative_to(ROOT))
    for app in sorted(MAY_IMPORT)
    for path in sorted((ROOT / app).rglob("*.py"))
]


def test_modules_are_found():
    assert {app for app, _ in MODULES} == set(MAY_IMPORT)


@pytest.mark.parametrize(("app", "module"), MODULES, ids=lambda value: str(value))
def test_module_imports_no_app_it_must_not(app, module):
    names = imported_modules((ROOT / module).read_text(encoding="utf-8"))
    refused = {name for name in names if name.split(".")[0] in APPS - MAY_IMPORT[app]}
    assert not refused, f"{module} imports {sorted(refused)}"
