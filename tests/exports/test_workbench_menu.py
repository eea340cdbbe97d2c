"""The workbench's download menus offer every format of their dataset, from the registry."""

from __future__ import annotations

import re

from exports.formats import formats_for


def offered(html: str) -> list[str]:
    menu = re.search(r'<select id="export-format".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([a-z]+)"', menu)


def test_queue_offers_the_invoice_formats(client, db):
    html = client.get("/workbench/").content.decode()
    assert 'data-path="/api/v1/invoices/export/"' in html
    assert offered(html) == formats_for("invoices")


def test_bill_page_offers_its_transactions_formats(client, db):
    html = client.get("/workbench/bills/42/").content.decode()
    assert 'data-path="/api/v1/transactions/export/?bill=42"' in html
    assert offered(html) == formats_for("transactions")
    assert "workbench/js/export.js" in html
