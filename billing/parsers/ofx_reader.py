"""OFX / QFX statements (SGML 1.x or XML 2.x), read with `ofxtools`' tokenizer.

`ofxtools` turns either syntax into an element tree in one linear pass (its header parser
picks the version and the body's encoding). Its typed models (`convert()`) are not used:
they reject files real banks send, such as one statement split over several BANKTRANLIST
blocks. The tree is read here instead, leniently where SGML allows it (an element left empty
is closed by the aggregate's end tag) and strictly where a guess would make a wrong bill (an
aggregate never closed, a file cut short).

Each STMTRS (bank account: `account_kind="current"`) and CCSTMTRS (credit card: "card") is
one bill. OFX signs amounts from the holder's side: a payment out is negative, and a card's
ledger balance owed is negative, so a card's balance is flipped to the bill's "owed is
positive"; a current account keeps "money held is positive". OFX prints no opening balance:
it is derived from LEDGERBAL and the rows, and said so.
"""

from __future__ import annotations

import html
import io
import logging
import re
import xml.etree.ElementTree as ET
from datetime import date

from ofxtools.header import OFXHeaderError, parse_header
from ofxtools.Parser import ParseError, TreeBuilder

from .base import (
    AccountKind,
    ParsedBill,
    ParsedStatement,
    ParsedTransaction,
    RowProblem,
    StatementError,
)
from .csv_reader import decode_text
from .statement_exports import (
    account_last4,
    check_entry_count,
    check_markup_size,
    derive_previous_balance,
    keep_bills,
    money,
)

# ofxtools logs each file it reads at INFO and each tag with its text at DEBUG: statement
# data stays out of the logs, and a file it cannot read is raised as a StatementError here.
logging.getLogger("ofxtools").setLevel(logging.WARNING)
# Real OFX nests about ten aggregates deep; far more is an aggregate left unclosed.
MAX_DEPTH = 32
_KINDS: dict[str, AccountKind] = {"STMTRS": "current", "CCSTMTRS": "card"}
_ACCOUNT_FROM = ("BANKACCTFROM", "CCACCTFROM")


def parse_ofx(data: bytes) -> ParsedStatement:
    check_markup_size(data, "OFX")
    root = _element_tree(data)
    responses = [el for el in root.iter() if el.tag in _KINDS]
    if not responses:
        raise StatementError(
            "no_statement", "The OFX file holds no bank or credit-card statement (STMTRS)."
        )
    check_entry_count(sum(1 for _ in root.iter("STMTTRN")))
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="ofx")
    bills = [_bill(response) for response in responses]
    keep_bills(statement, bills, "OFX")
    for bill in statement.bills:
        derive_previous_balance(bill, statement, "OFX")
    statement.needs_review = True  # no printed opening balance: nothing to check it against
    return statement


def _element_tree(data: bytes) -> ET.Element:
    body = _body(data)
    builder = _Builder()
    try:
        builder.feed(_cdata_as_text(body))
        root = builder.close()
    except SyntaxError as error:  # ofxtools' ParseError, and ElementTree's (a second root)
        raise StatementError("malformed_ofx", f"The OFX file cannot be read: {error}.") from None
    if root is None or root.tag != "OFX":
        raise StatementError("malformed_ofx", "The OFX file has no <OFX> element.")
    return root


def _body(data: bytes) -> str:
    """The markup after the OFX header, decoded as the header says; a header that is missing
    or off the spec (many banks') falls back to the text from `<OFX>` on."""
    try:
        _header, body = parse_header(io.BytesIO(data))
        return body
    except (OFXHeaderError, UnicodeDecodeError, ValueError, KeyError):
        pass
    text = decode_text(data)
    start = text.upper().find("<OFX>")
    if start < 0:
        raise StatementError("malformed_ofx", "The file has no OFX header and no <OFX> element.")
    return text[start:]


def _cdata_as_text(body: str) -> str:
    """CDATA sections as escaped text, in one pass: the tokenizer's own CDATA pattern is
    greedy per line, so a line of unterminated sections would cost it quadratic time."""
    if "<![CDATA[" not in body:
        return body
    parts, position = [], 0
    while (start := body.find("<![CDATA[", position)) >= 0:
        end = body.find("]]>", start)
        if end < 0:
            raise StatementError("malformed_ofx", "The OFX file has an unterminated CDATA section.")
        parts += [body[position:start], html.escape(body[start + 9 : end], quote=False)]
        position = end + 3
    parts.append(body[position:])
    return "".join(parts)


class _Builder(TreeBuilder):
    """ofxtools' tokenizer with the nesting checked: an end tag closes the elements left open
    inside its aggregate (SGML's empty `<MEMO>`), a stray one is ignored, and an aggregate
    still open at the end, or nested past MAX_DEPTH, is a malformed file. Tags are matched in
    any case and kept upper case (the spec's), so a lower-case export reads the same."""

    regex = re.compile(TreeBuilder.regex.pattern, re.VERBOSE | re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__()
        self._open: list[str] = []

    def start(self, tag, attrs):
        tag = tag.upper()
        if len(self._open) >= MAX_DEPTH:
            raise ParseError(f"aggregates nested more than {MAX_DEPTH} deep (<{tag}> not closed?)")
        self._open.append(tag)
        return super().start(tag, attrs)

    def end(self, tag):
        tag = tag.upper()
        if tag not in self._open:
            return None
        while self._open:
            top = self._open.pop()
            element = super().end(top)
            if top == tag:
                return element
        return None

    def close(self):
        if self._open:
            raise ParseError(f"<{self._open[-1]}> is never closed (the file may be cut short)")
        return super().close()


def _bill(response: ET.Element) -> ParsedBill:
    kind = _KINDS[response.tag]
    account = next((el for tag in _ACCOUNT_FROM if (el := response.find(tag)) is not None), None)
    account_id = _text(account, "ACCTID")
    bill = ParsedBill(account_kind=kind, account=account_id, currency=_text(response, "CURDEF"))
    bill.card_last4 = account_last4(account_id)
    lists = response.findall("BANKTRANLIST")
    index = 0
    for tran_list in lists:
        for row in tran_list.findall("STMTTRN"):
            index += 1
            parsed = _row(row, index)
            target = bill.row_problems if isinstance(parsed, RowProblem) else bill.transactions
            target.append(parsed)
    ledger = response.find("LEDGERBAL")
    if ledger is not None and (balance := money(_text(ledger, "BALAMT"))) is not None:
        bill.new_balance = -balance if kind == "card" else balance
    _set_period(bill, lists, ledger)
    return bill


def _set_period(bill: ParsedBill, lists: list[ET.Element], ledger: ET.Element | None) -> None:
    """DTSTART..DTEND is the statement's period when the rows lie inside it. Some servers
    stamp both with the download date instead: then LEDGERBAL's DTASOF dates the bill."""
    starts = [d for tran_list in lists if (d := _date(_text(tran_list, "DTSTART")))]
    ends = [d for tran_list in lists if (d := _date(_text(tran_list, "DTEND")))]
    start, end = (min(starts) if starts else None), (max(ends) if ends else None)
    dated = [t.posting_date for t in bill.transactions if t.posting_date]
    if start and end and start <= end and all(start <= d <= end for d in dated):
        bill.period_start, bill.statement_date = start, end
        return
    bill.statement_date = _date(_text(ledger, "DTASOF")) or end or max(dated, default=None)


def _row(row: ET.Element, index: int) -> ParsedTransaction | RowProblem:
    amount = money(_text(row, "TRNAMT"))
    posted = _date(_text(row, "DTPOSTED"))
    if amount is None or posted is None:
        raw = " ".join(f"{el.tag}={el.text}" for el in row if el.text)
        return RowProblem(None, index, raw[:200], "STMTTRN without amount or date.")
    name, memo = _text(row, "NAME"), _text(row, "MEMO")
    payee = row.find("PAYEE")
    if not name and payee is not None:
        name = _text(payee, "NAME")
    description = " / ".join(part for part in dict.fromkeys((name, memo)) if part)
    return ParsedTransaction(
        posting_date=posted,
        transaction_date=_date(_text(row, "DTUSER")) or posted,
        description=description,
        amount=abs(amount),
        direction="debit" if amount < 0 else "credit",
        line=index,
        raw_text=_text(row, "FITID"),
    )


def _text(parent: ET.Element | None, tag: str) -> str:
    if parent is None:
        return ""
    child = parent.find(tag)
    return html.unescape(child.text or "").strip() if child is not None else ""


def _date(raw: str) -> date | None:
    """The calendar date an OFX datetime prints (YYYYMMDD...), in the sender's own time zone:
    "20130831165153.000[-8:PST]" is 31 August, though it is 1 September in UTC."""
    match = re.match(r"(\d{4})(\d{2})(\d{2})", raw or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
