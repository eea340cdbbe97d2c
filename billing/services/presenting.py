"""A parsed statement as plain JSON-ready data: for the preview, the CLI and the benchmark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.parsers import ParsedBill, ParsedStatement, ParsedTransaction
from billing.parsers.base import implied_fx_rate
from billing.parsers.reconcile import bill_sums
from billing.reconciliation import bill_reconciliation


def parsed_statement_as_dict(statement: ParsedStatement) -> dict:
    return {
        "bank": statement.bank_code,
        "template_version": statement.template_version,
        "format": statement.file_format,
        "bills": [_bill(bill) for bill in statement.bills],
        "reader_notes": list(statement.problems),
    }


def parsed_transaction_as_dict(transaction: ParsedTransaction, bill: ParsedBill) -> dict:
    """One parsed row, the same shape in the preview, the CLI and the benchmark."""
    return {
        "posting_date": iso(transaction.posting_date),
        "transaction_date": iso(transaction.transaction_date),
        "description": transaction.description,
        "amount": money(transaction.amount),
        "type": transaction.direction,
        "card_last4": transaction.card_last4 or bill.card_last4,
        "fx_amount": money(transaction.fx_amount),
        "fx_currency": transaction.fx_currency,
        "fx_rate": _rate(implied_fx_rate(transaction.amount, transaction.fx_amount)),
        "page": transaction.page,
        "line": transaction.line,
        "memo": transaction.is_memo,
    }


def _rate(rate) -> str | None:
    return None if rate is None else str(rate)


def _bill(bill: ParsedBill) -> dict:
    debits, credits = bill_sums(bill)
    reconciliation = bill_reconciliation(
        previous_balance=bill.previous_balance,
        debits=debits,
        credits=credits,
        new_balance=bill.new_balance,
        account_kind=bill.account_kind,
    )
    return {
        "card_last4": bill.card_last4,
        "account_kind": bill.account_kind,
        "account": bill.account,
        "card_holder": bill.card_holder,
        "statement_date": iso(bill.statement_date),
        "due_date": iso(bill.due_date),
        "period_start": iso(bill.period_start),
        "currency": bill.currency,
        "previous_balance": money(bill.previous_balance),
        "total_debits": money(debits),
        "total_credits": money(credits),
        "printed_total_debits": money(bill.total_debits),
        "printed_total_credits": money(bill.total_credits),
        "expected_new_balance": money(reconciliation.expected_new_balance),
        "new_balance": money(bill.new_balance),
        "minimum_payment": money(bill.minimum_payment),
        "transactions": [parsed_transaction_as_dict(t, bill) for t in bill.transactions],
        "row_problems": [
            {"page": p.page, "line": p.line, "raw_text": p.raw_text, "reason": p.reason}
            for p in bill.row_problems
        ],
    }


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def money(value: Decimal | None) -> str | None:
    """Decimal as a string: JSON numbers would round-trip money through float."""
    return f"{value:.2f}" if value is not None else None
