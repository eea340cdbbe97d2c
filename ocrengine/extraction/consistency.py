"""Consistency checks: where an invoice disagrees with itself, a person must look, whatever
the confidence says.

Each is a named check an extractor reports (see `ocrengine.extraction.invoice_checks` for the
shape: a dict with `name` and `ok`, and a `field` and readable `message` where there is one):
the QR code against the page (`cn_qr_matches_page`), the 价税合计 in Chinese numerals against
the figures (`cn_uppercase_total_matches`), and totals that do not add up
(`net_plus_tax_equals_total`). A failed one sends the invoice to review; a tampered or
mis-keyed invoice often has every field read with high confidence, so the threshold alone
would pass it.
"""

from __future__ import annotations

from ocrengine.extraction.cn_qr import QR_CHECK

CONSISTENCY_CHECKS = frozenset(
    {QR_CHECK, "cn_uppercase_total_matches", "net_plus_tax_equals_total"}
)


def inconsistencies(checks: list[dict]) -> list[dict]:
    """The failed consistency checks among `checks`."""
    return [
        check
        for check in checks
        if check.get("name") in CONSISTENCY_CHECKS and check.get("ok") is False
    ]
