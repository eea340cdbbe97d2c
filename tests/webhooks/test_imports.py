"""webhooks is a shared app (docs/architecture.md): the business apps call it, it imports none
of them (read with ast, lazy imports inside functions included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.test_config_imports_nothing_of_ours import imported_modules

ROOT = Path(__file__).resolve().parents[2]
BUSINESS = {"billing", "invoices", "customers", "matching", "ingestion", "exports", "workbench"}
MODULES = sorted(path.relative_to(ROOT) for path in (ROOT / "webhooks").rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=str)
def test_webhooks_imports_no_business_app(module):
    names = imported_modules((ROOT / module).read_text(encoding="utf-8"))
    assert not {name for name in names if name.split(".")[0] in BUSINESS}, module
