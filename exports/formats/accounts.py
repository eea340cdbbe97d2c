"""The accounts and keys the booking formats post to. Defaults suit a German SKR03 ledger
(DATEV), Xero's and QuickBooks' default charts and the Chinese 小企业会计准则 chart (vouchers);
EXPORT_ACCOUNTS (JSON) overrides any of them by name."""

from __future__ import annotations

from django.conf import settings

DEFAULT_ACCOUNTS = {
    "datev_advisor_number": "1001",  # Beraternummer
    "datev_client_number": "1",  # Mandantennummer
    "datev_expense_account": "4980",  # Sonstiger Betriebsbedarf (SKR03)
    "datev_creditor_account": "70000",  # Kreditor (Sammelkonto)
    "datev_card_account": "1360",  # Geldtransit: the card's clearing account
    "datev_tax_keys": {"19": "9", "7": "8"},  # BU-Schlüssel for Vorsteuer by rate
    "xero_account_code": "429",  # General Expenses
    "xero_tax_type": "Tax on Purchases",
    "quickbooks_account": "Expenses",
    "voucher_expense_account": "6602",  # 管理费用
    "voucher_tax_account": "22210101",  # 应交税费-应交增值税(进项税额)
    "voucher_payable_account": "2202",  # 应付账款
    "voucher_word": "记",  # 凭证字
}


def account(name: str):
    return {**DEFAULT_ACCOUNTS, **settings.EXPORT_ACCOUNTS}[name]
