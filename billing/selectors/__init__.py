"""Reads for billing: what a user may see, with the joins each list needs, and the dashboard."""

from billing.selectors.dashboard import dashboard_monthly, dashboard_summary
from billing.selectors.scoped import (
    bills_visible_to,
    cards_visible_to,
    imports_visible_to,
    transactions_visible_to,
)

__all__ = [
    "bills_visible_to",
    "cards_visible_to",
    "dashboard_monthly",
    "dashboard_summary",
    "imports_visible_to",
    "transactions_visible_to",
]
