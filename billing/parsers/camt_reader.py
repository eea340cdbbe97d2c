"""ISO 20022 bank-to-customer cash management: camt.052 (report), camt.053 (statement) and
camt.054 (debit/credit notification), any version, read by element names.

The XML is parsed by `defusedxml` with DTDs forbidden (so no entity is ever expanded and
nothing is fetched) and only after STATEMENT_MAX_XML_BYTES has been checked. No kept PyPI
library reads all three messages with their sign rules (the few there are read camt.053
only, flatten entries with `.//` searches so a batch's indicator leaks into its entry, or
pull in a web framework), so this reader is small and namespace-agnostic: the elements are
the same across versions, only the namespace changes.

Each Stmt / Rpt / Ntfctn is one bill of a current account (`account_kind="current"`, money
held is positive). CdtDbtInd gives every sign: CRDT raises the balance, DBIT lowers it, for
balances and entries alike. The opening balance is Bal OPBD (or PRCD), the closing CLBD;
a file whose balances do not add up is left so, and the reconciliation says by how much.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import defusedxml
from defusedxml.ElementTree import fromstring

from .base import ParsedBill, ParsedStatement, ParsedTransaction, RowProblem, StatementError
from .statement_exports import (
    account_last4,
    check_entry_count,
    check_markup_size,
    derive_previous_balance,
    money,
)

_STATEMENT_TAGS = ("Stmt", "Rpt", "Ntfctn")
_OPENING, _CLOSING = ("OPBD", "PRCD"), ("CLBD",)
_INTERIM = "ITBD"


def parse_camt(data: bytes) -> ParsedStatement:
    check_markup_size(data, "CAMT")
    root = _root(data)
    statements = [
        el for el in _children(root) for el in _children(el) if _local(el) in _STATEMENT_TAGS
    ]
    if not statements:
        raise StatementError(
            "no_statement", "The CAMT file holds no statement, report or notification."
        )
    # Rows: one per entry, or per transaction of a batch entry.
    names = [_local(el) for el in root.iter()]
    check_entry_count(max(names.count("Ntry"), names.count("TxDtls")))
    parsed = ParsedStatement(bank_code="generic", template_version=None, file_format="camt")
    for element in statements:
        bill = _bill(element)
        derive_previous_balance(bill, parsed, "CAMT")
        parsed.bills.append(bill)
    return parsed


def _root(data: bytes) -> ET.Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise StatementError(
            "xml_forbidden",
            "The XML file declares a DTD or entities, which statements never need; "
            "it was not read.",
            {"reason": type(error).__name__},
        ) from None
    except (ET.ParseError, LookupError, ValueError) as error:  # LookupError: unknown encoding
        raise StatementError(
            "malformed_camt", f"The CAMT file is not well-formed XML ({error})."
        ) from None


def _bill(statement: ET.Element) -> ParsedBill:
    account = _path(statement, "Acct")
    iban = _text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id")
    bill = ParsedBill(account_kind="current", account=iban, card_last4=account_last4(iban))
    bill.currency = _text(account, "Ccy")
    opening, closing = _opening_and_closing(_all(statement, "Bal"))
    bill.previous_balance = _signed(opening)
    bill.new_balance = _signed(closing)
    if not bill.currency:
        bill.currency = next(
            (
                amt.get("Ccy", "")
                for bal in (closing, opening)
                if (amt := _path(bal, "Amt")) is not None
            ),
            "",
        )
    summary = _path(statement, "TxsSummry")  # the bank's own totals, checked against the rows
    bill.total_debits = money(_text(summary, "TtlDbtNtries", "Sum"))
    bill.total_credits = money(_text(summary, "TtlCdtNtries", "Sum"))
    index = 0
    for entry in _all(statement, "Ntry"):
        for row in _entry_rows(entry):
            index += 1
            row.line = index
            target = bill.row_problems if isinstance(row, RowProblem) else bill.transactions
            target.append(row)
            if not bill.currency and isinstance(row, ParsedTransaction):
                bill.currency = _path(entry, "Amt").get("Ccy", "")
    _set_period(bill, statement, closing)
    return bill


def _set_period(bill: ParsedBill, statement: ET.Element, closing: ET.Element | None) -> None:
    """FrToDt is the statement's period when its entries lie inside it; one that does not hold
    them (a bank stamping the day it produced the file) dates the bill by its last booking."""
    period = _path(statement, "FrToDt")
    start = _day(_text(period, "FrDtTm") or _text(period, "FrDt"))
    end = _day(_text(period, "ToDtTm") or _text(period, "ToDt"))
    booked = [t.posting_date for t in bill.transactions if t.posting_date]
    if start and end and start <= end and all(start <= day <= end for day in booked):
        bill.period_start, bill.statement_date = start, end
        return
    bill.statement_date = (
        max(booked, default=None)
        or end
        or _balance_day(closing)
        or _day(_text(statement, "CreDtTm"))
    )


def _entry_rows(entry: ET.Element) -> Iterator[ParsedTransaction | RowProblem]:
    """One row per entry; a batch entry whose transaction details each carry an amount that
    add up to the entry's is one row per transaction (a direct-debit batch of two payers)."""
    amount, currency = _amount(entry)
    sign = _indicator(entry)
    booked = _day(_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))
    valued = _day(_text(entry, "ValDt", "Dt") or _text(entry, "ValDt", "DtTm"))
    if amount is None or sign is None or (booked or valued) is None:
        raw = " ".join(t.strip() for t in entry.itertext() if t.strip())[:200]
        yield RowProblem(None, None, raw, "Ntry without amount, CdtDbtInd or date.")
        return
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    details = [tx for dtls in _all(entry, "NtryDtls") for tx in _all(dtls, "TxDtls")]
    parts = [(tx, *_detail_amount(tx, currency, sign)) for tx in details]
    split = len(parts) > 1 and all(a is not None for _, a, _ in parts)
    if split and sum(a * s for _, a, s in parts) != amount * sign:
        split = False
    rows = parts if split else [(details[0] if len(details) == 1 else None, amount, sign)]
    fx_amount, fx_currency = (None, "") if split else _foreign_amount(entry, rows[0][0], currency)
    for tx, row_amount, row_sign in rows:
        yield ParsedTransaction(
            posting_date=booked or valued,
            transaction_date=valued or booked,
            description=_description(entry, tx, row_sign),
            amount=row_amount,
            direction="credit" if row_sign > 0 else "debit",
            fx_amount=fx_amount,
            fx_currency=fx_currency,
            raw_text=_reference(entry, tx),
            # Pending and information-only entries are listed but not part of the balance.
            is_memo=bool(status) and status.upper() != "BOOK",
        )


def _detail_amount(tx: ET.Element, currency: str, entry_sign: int) -> tuple[Decimal | None, int]:
    for path in (("Amt",), ("AmtDtls", "TxAmt", "Amt")):
        element = _path(tx, *path)
        if element is not None and element.get("Ccy", currency) == currency:
            sign = _indicator(tx) or entry_sign
            return money(element.text), sign
    return None, entry_sign


def _foreign_amount(
    entry: ET.Element, tx: ET.Element | None, currency: str
) -> tuple[Decimal | None, str]:
    """The amount in the currency the payment was made in, when that is not the account's
    (a EUR invoice paid from a CHF account): the instructed or transaction amount."""
    paths = [(entry, ("AmtDtls", "InstdAmt", "Amt")), (entry, ("AmtDtls", "TxAmt", "Amt"))]
    if tx is not None:
        paths = [(tx, ("AmtDtls", "InstdAmt", "Amt")), (tx, ("Amt",)), *paths]
    for element, path in paths:
        found = _path(element, *path)
        if found is not None and found.get("Ccy", currency) != currency:
            amount = money(found.text)
            if amount is not None:
                return abs(amount), found.get("Ccy", "")
    return None, ""


def _description(entry: ET.Element, tx: ET.Element | None, sign: int) -> str:
    remittance = ""
    if tx is not None:
        remittance = " ".join(
            (u.text or "").strip() for r in _all(tx, "RmtInf") for u in _all(r, "Ustrd")
        ).strip() or _text(tx, "AddtlTxInf")
    remittance = remittance or _text(entry, "AddtlNtryInf")
    party = "Cdtr" if sign < 0 else "Dbtr"  # who the money went to, or came from
    name = ""
    if tx is not None:
        parties = _path(tx, "RltdPties")
        name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
    return " / ".join(part for part in dict.fromkeys((name, remittance)) if part)


def _reference(entry: ET.Element, tx: ET.Element | None) -> str:
    if tx is not None:
        for name in ("EndToEndId", "AcctSvcrRef", "InstrId"):
            value = _text(tx, "Refs", name)
            if value and value != "NOTPROVIDED":
                return value
    return _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")


def _opening_and_closing(
    balances: list[ET.Element],
) -> tuple[ET.Element | None, ET.Element | None]:
    """OPBD (or PRCD) opens and CLBD closes; a report with interim balances only (ITBD,
    camt.052) opens with the first of two or more and closes with the last."""
    by_code: dict[str, ET.Element] = {}
    interim = []
    for balance in balances:
        code = _balance_code(balance)
        by_code.setdefault(code, balance)
        if code == _INTERIM:
            interim.append(balance)
    opening = next((by_code[c] for c in _OPENING if c in by_code), None)
    closing = next((by_code[c] for c in _CLOSING if c in by_code), None)
    if opening is None and len(interim) > 1:
        opening = interim[0]
    if closing is None and interim:
        closing = interim[-1]
    return opening, closing


def _balance_code(balance: ET.Element) -> str:
    return _text(balance, "Tp", "CdOrPrtry", "Cd").upper()


def _signed(balance: ET.Element | None) -> Decimal | None:
    if balance is None:
        return None
    amount, sign = money(_text(balance, "Amt")), _indicator(balance)
    return None if amount is None or sign is None else amount * sign


def _balance_day(balance: ET.Element | None) -> date | None:
    return _day(_text(balance, "Dt", "Dt") or _text(balance, "Dt", "DtTm"))


def _amount(entry: ET.Element) -> tuple[Decimal | None, str]:
    element = _path(entry, "Amt")
    if element is None:
        return None, ""
    amount = money(element.text)
    return (abs(amount) if amount is not None else None), element.get("Ccy", "")


def _indicator(element: ET.Element) -> int | None:
    code = _text(element, "CdtDbtInd").upper()
    return {"CRDT": 1, "DBIT": -1}.get(code)


def _day(raw: str) -> date | None:
    """The calendar date an ISO date or date-time prints ("2014-01-05T23:59:59.999Z" is the
    5th): the bank's own day, not converted to another zone."""
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element: ET.Element | None) -> list[ET.Element]:
    return list(element) if element is not None else []


def _all(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [child for child in _children(element) if _local(child) == name]


def _path(element: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        found = _all(element, name)
        element = found[0] if found else None
    return element


def _text(element: ET.Element | None, *names: str) -> str:
    found = _path(element, *names)
    return (found.text or "").strip() if found is not None else ""
