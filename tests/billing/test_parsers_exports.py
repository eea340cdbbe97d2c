"""Banks' statement exports: OFX (SGML 1.x, XML 2.x), CAMT.052/053/054, MT940 and QIF.

Each file is built here, small. Every rule the readers keep is proved on one: one bill per
account statement in the account's own sign convention, opening and closing balances as the
file gives them (derived, and said so, only where it gives none), a file that does not add up
left so, and bad or hostile input refused with a StatementError whose code is stable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Bill, StatementImport
from billing.parsers import StatementError, parse_statement, statement_status
from billing.parsers.detect import sniff_format
from tests.conftest import assert_error_shape
from tests.security import hostile_files as hostile

D = Decimal


def _parse(data: bytes, name: str = "statement"):
    return parse_statement(data, filename=name, templates=[])


def _error(data: bytes, name: str = "statement") -> StatementError:
    with pytest.raises(StatementError) as caught:
        _parse(data, name)
    return caught.value


def _rows(bill) -> list[tuple[Decimal, str]]:
    return [(t.amount, t.direction) for t in bill.transactions]


def _codes(statement) -> list[str]:
    return [p["code"] for p in statement_status(statement)[1]]


# --- OFX -----------------------------------------------------------------------------------

OFX_SGML = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261130
<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>123<ACCTID>NL00BANK0001234567<ACCTTYPE>CHECKING
</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130235959.000[-5:EST]
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261103<TRNAMT>-45.10<FITID>a1<NAME>GROCER &amp; SONS<MEMO>
</STMTTRN>
</BANKTRANLIST>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261125<TRNAMT>2000.00<FITID>a2<NAME>SALARY</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>3154.90<DTASOF>20261130</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<CCSTMTRS><CURDEF>EUR<CCACCTFROM><ACCTID>4111111111119876</CCACCTFROM>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261110<TRNAMT>-12.50<FITID>c1<NAME>COFFEE</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261120<TRNAMT>100.00<FITID>c2<NAME>PAYMENT</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>-212.50<DTASOF>20261130</LEDGERBAL></CCSTMTRS>
</CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>
"""


def test_ofx_sgml_bank_and_card_statements_are_a_bill_each_in_their_own_signs():
    parsed = _parse(OFX_SGML, "download.qfx")
    assert parsed.file_format == "ofx"
    bank, card = parsed.bills
    assert (bank.account_kind, bank.account, bank.card_last4) == (
        "current",
        "NL00BANK0001234567",
        "4567",
    )
    # Both BANKTRANLIST blocks are read; an empty <MEMO> is closed by its aggregate's end.
    assert _rows(bank) == [(D("45.10"), "debit"), (D("2000.00"), "credit")]
    assert bank.transactions[0].description == "GROCER & SONS"
    # A current account holds money: positive. Its opening is derived: new + debits - credits.
    assert (bank.new_balance, bank.previous_balance) == (D("3154.90"), D("1200.00"))
    # DTSTART..DTEND is the period, the date as the bank printed it (not converted to UTC).
    assert (bank.period_start, bank.statement_date) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (card.account_kind, card.card_last4) == ("card", "9876")
    assert _rows(card) == [(D("12.50"), "debit"), (D("100.00"), "credit")]
    # A card owes: OFX's -212.50 is 212.50 owed; opening = new - debits + credits.
    assert (card.new_balance, card.previous_balance) == (D("212.50"), D("300.00"))
    assert "balance_mismatch" not in _codes(parsed)
    # A derived opening balance is said, so the import is reviewed, never "verified".
    assert sum("previous balance was derived" in note for note in parsed.problems) == 2
    assert statement_status(parsed)[0] == "review"


OFX_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>0</TRNUID><STMTRS><CURDEF>USD</CURDEF>
<BANKACCTFROM><BANKID>1</BANKID><ACCTID>123456</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE>
</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20130801</DTSTART><DTEND>20130831</DTEND>
<STMTTRN><TRNTYPE>POS</TRNTYPE><DTPOSTED>20130824</DTPOSTED><TRNAMT>-80</TRNAMT>
<FITID>1</FITID><NAME><![CDATA[Agro <lait>]]></NAME></STMTTRN></BANKTRANLIST>
<BANKTRANLIST><DTSTART>20130801</DTSTART><DTEND>20130831</DTEND>
<STMTTRN><TRNTYPE>POS</TRNTYPE><DTPOSTED>20130825</DTPOSTED><TRNAMT>-90.00</TRNAMT>
<FITID>2</FITID><NAME>China Export</NAME></STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>2156.56</BALAMT><DTASOF>20130831</DTASOF></LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>0</TRNUID><CCSTMTRS><CURDEF>USD</CURDEF>
<CCACCTFROM><ACCTID>123412341234</ACCTID></CCACCTFROM><BANKTRANLIST></BANKTRANLIST>
<LEDGERBAL><BALAMT>-562.00</BALAMT><DTASOF>20130831</DTASOF></LEDGERBAL>
</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>
"""


def test_ofx_xml_with_an_empty_second_statement_makes_one_bill():
    parsed = _parse(OFX_XML, "export.xml")
    [bill] = parsed.bills  # the card statement with no rows adds no bill (nor its 562.00)
    assert _rows(bill) == [(D("80.00"), "debit"), (D("90.00"), "debit")]
    assert bill.transactions[0].description == "Agro <lait>"
    assert (bill.previous_balance, bill.new_balance) == (D("2326.56"), D("2156.56"))
    assert any("123412341234 has no transactions" in note for note in parsed.problems)


def test_ofx_download_stamped_period_dates_the_bill_by_its_ledger_balance():
    stamped = OFX_XML.replace(b"<DTSTART>20130801", b"<DTSTART>20130910").replace(
        b"<DTEND>20130831", b"<DTEND>20130910"
    )
    [bill] = _parse(stamped).bills
    assert (bill.period_start, bill.statement_date) == (None, date(2013, 8, 31))


def test_ofx_amounts_with_thousands_separators_or_past_any_statement_are_rows_or_problems():
    data = OFX_XML.replace(b"<TRNAMT>-80</TRNAMT>", b"<TRNAMT>-1,080.00</TRNAMT>").replace(
        b"<TRNAMT>-90.00</TRNAMT>", b"<TRNAMT>-9e99</TRNAMT>"
    )
    [bill] = _parse(data).bills
    assert _rows(bill) == [(D("1080.00"), "debit")]
    assert [p.reason for p in bill.row_problems] == ["STMTTRN without amount or date."]


def test_ofx_without_a_spec_header_or_in_lower_case_is_still_read():
    body = OFX_SGML[OFX_SGML.index(b"<OFX>") :]
    assert len(_parse(b"OFXHEADER:100\nDATA:OFXSGML\n\n" + body).bills) == 2
    assert len(_parse(b"OFXHEADER:100\n\n" + body.lower()).bills) == 2


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (hostile.ofx_unclosed(50_000), "malformed_ofx"),  # aggregates that never close
        (OFX_SGML[: len(OFX_SGML) // 2], "malformed_ofx"),  # cut short
        (b"<OFX>" + b"<NAME><![CDATA[x" * 20_000, "malformed_ofx"),  # CDATA never ended
        (b"OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>", "no_statement"),
        (b"OFXHEADER:100\n\x00\xff garbage", "malformed_ofx"),
    ],
    ids=["unclosed", "truncated", "cdata", "no-statement", "garbage"],
)
def test_bad_ofx_is_a_statement_error(data, code):
    assert _error(data, "bad.ofx").code == code


# --- CAMT ----------------------------------------------------------------------------------


def _camt_entry(amount: str, sign: str, text: str, *, status: str = "BOOK", details="") -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
        f"<Sts>{status}</Sts><BookgDt><Dt>2026-11-05</Dt></BookgDt>"
        f"<ValDt><Dt>2026-11-04</Dt></ValDt><AddtlNtryInf>{text}</AddtlNtryInf>{details}</Ntry>"
    )


def _balance(code: str, amount: str, sign: str = "CRDT", day: str = "2026-11-30") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>'
    )


def camt(
    entries: list[str],
    balances: list[str],
    *,
    message: str = "053.001.02",
    root: str = "BkToCstmrStmt",
    item: str = "Stmt",
) -> bytes:
    statement = (
        f"<{item}><Id>STMT-2026-11</Id><CreDtTm>2026-12-01T06:00:00</CreDtTm>"
        "<FrToDt><FrDtTm>2026-11-01T00:00:00</FrDtTm><ToDtTm>2026-11-30T23:59:59+01:00</ToDtTm>"
        "</FrToDt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(balances)
        + "".join(entries)
        + f"</{item}>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}"><{root}>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>"
        f"{statement}</{root}></Document>"
    ).encode()


BATCH = (
    "<NtryDtls><TxDtls><Amt Ccy='EUR'>30.00</Amt><RltdPties><Cdtr><Nm>GAS CO</Nm></Cdtr>"
    "</RltdPties><RmtInf><Ustrd>Gas November</Ustrd></RmtInf></TxDtls>"
    "<TxDtls><AmtDtls><TxAmt><Amt Ccy='EUR'>20.00</Amt></TxAmt></AmtDtls>"
    "<RltdPties><Cdtr><Pty><Nm>WATER CO</Nm></Pty></Cdtr></RltdPties></TxDtls></NtryDtls>"
)


def test_camt053_signs_balances_and_entries_by_their_credit_debit_indicator():
    data = camt(
        [
            _camt_entry("50.00", "DBIT", "UTILITIES", details=BATCH),
            _camt_entry("1000.00", "CRDT", "SALARY"),
            _camt_entry("75.25", "DBIT", "RENT"),
        ],
        [_balance("OPBD", "100.00", "DBIT", "2026-10-31"), _balance("CLBD", "774.75")],
    )
    parsed = _parse(data, "statement.xml")
    [bill] = parsed.bills
    assert (bill.account_kind, bill.account, bill.card_last4, bill.currency) == (
        "current",
        "DE89370400440532013000",
        "3000",
        "EUR",
    )
    # An overdrawn opening (DBIT) is negative; -100 - 125.25 + 1000 = 774.75.
    assert (bill.previous_balance, bill.new_balance) == (D("-100.00"), D("774.75"))
    # The batch of two direct debits is two rows, each with its creditor and remittance.
    assert _rows(bill) == [
        (D("30.00"), "debit"),
        (D("20.00"), "debit"),
        (D("1000.00"), "credit"),
        (D("75.25"), "debit"),
    ]
    assert [t.description for t in bill.transactions[:3]] == [
        "GAS CO / Gas November",
        "WATER CO / UTILITIES",
        "SALARY",
    ]
    first = bill.transactions[0]
    assert (first.posting_date, first.transaction_date) == (date(2026, 11, 5), date(2026, 11, 4))
    assert (bill.period_start, bill.statement_date) == (date(2026, 11, 1), date(2026, 11, 30))
    assert statement_status(parsed) == ("verified", [])


def test_camt_foreign_currency_payment_and_the_banks_own_totals():
    # A EUR account pays a USD invoice: the entry is in EUR, its transaction in USD.
    foreign = "<NtryDtls><TxDtls><Amt Ccy='USD'>522.39</Amt></TxDtls></NtryDtls>"
    summary = (
        "<TxsSummry><TtlCdtNtries><Sum>134.00</Sum></TtlCdtNtries>"
        "<TtlDbtNtries><Sum>580.00</Sum></TtlDbtNtries></TxsSummry>"
    )
    data = camt(
        [
            _camt_entry("579.21", "DBIT", "INVOICE", details=foreign),
            _camt_entry("134", "CRDT", "IN"),
        ],
        [_balance("OPBD", "1000.00"), _balance("CLBD", "554.79"), summary],
    )
    [bill] = _parse(data).bills
    paid = bill.transactions[0]
    assert (paid.amount, paid.fx_amount, paid.fx_currency) == (D("579.21"), D("522.39"), "USD")
    assert (bill.total_debits, bill.total_credits) == (D("580.00"), D("134.00"))
    # The balance adds up, but the bank's debit total does not match the rows: reviewed.
    assert _codes(_parse(data)) == ["total_debits_mismatch"]


def test_camt_that_does_not_add_up_is_left_so_and_reviewed_with_the_reason():
    data = camt(
        [_camt_entry("10.00", "DBIT", "X")],
        [_balance("PRCD", "500.00"), _balance("CLBD", "480.00")],
    )
    parsed = _parse(data)
    [bill] = parsed.bills
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("480.00"))
    status, problems = statement_status(parsed)
    assert status == "review"
    [mismatch] = [p for p in problems if p["code"] == "balance_mismatch"]
    assert "off by -10.00" in mismatch["message"]


def test_camt052_report_pending_entries_are_listed_not_counted():
    data = camt(
        [
            _camt_entry("10.00", "DBIT", "BOOKED"),
            _camt_entry("99.00", "DBIT", "PENDING", status="PDNG"),
        ],
        [_balance("OPBD", "100.00"), _balance("CLBD", "90.00")],
        message="052.001.08",
        root="BkToCstmrAcctRpt",
        item="Rpt",
    )
    parsed = _parse(data, "report.xml")
    [bill] = parsed.bills
    assert [t.is_memo for t in bill.transactions] == [False, True]
    assert "balance_mismatch" not in _codes(parsed)


def test_camt_period_that_does_not_hold_its_entries_dates_the_bill_by_its_last_booking():
    data = camt([_camt_entry("1.00", "CRDT", "A")], [])
    stamped = data.replace(b"2026-11-01T00:00:00", b"2026-12-01T00:00:00").replace(
        b"2026-11-30T23:59:59", b"2026-12-01T23:59:59"
    )
    [bill] = _parse(stamped).bills
    assert (bill.period_start, bill.statement_date) == (None, date(2026, 11, 5))


def test_camt052_interim_balances_open_with_the_first_and_close_with_the_last():
    data = camt(
        [_camt_entry("10.00", "DBIT", "A")],
        [_balance("ITBD", "100.00"), _balance("ITBD", "90.00")],
        message="052.001.02",
        root="BkToCstmrAcctRpt",
        item="Rpt",
    )
    [bill] = _parse(data).bills
    assert (bill.previous_balance, bill.new_balance) == (D("100.00"), D("90.00"))


def test_camt054_notification_without_balances_reads_its_entries_and_says_none_was_given():
    data = camt(
        [_camt_entry("12.00", "CRDT", "REFUND")],
        [],
        message="054.001.02",
        root="BkToCstmrDbtCdtNtfctn",
        item="Ntfctn",
    )
    parsed = _parse(data, "notification")
    [bill] = parsed.bills
    assert _rows(bill) == [(D("12.00"), "credit")]
    assert bill.previous_balance is None and bill.new_balance is None
    assert "balance_missing" in _codes(parsed)


def test_camt_several_statements_are_a_bill_each():
    one = camt([_camt_entry("1.00", "CRDT", "A")], [_balance("OPBD", "0"), _balance("CLBD", "1")])
    statement = one[one.index(b"<Stmt>") : one.index(b"</Stmt>") + 7]
    two = one.replace(b"</Stmt>", b"</Stmt>" + statement, 1)
    assert len(_parse(two).bills) == 2


EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    b"<Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>"
)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (hostile.camt_billion_laughs(), "xml_forbidden"),
        (EXTERNAL_ENTITY, "xml_forbidden"),
        (camt([], [])[:-40], "malformed_camt"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "no_statement"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\x00\xff',
            "malformed_camt",
        ),
    ],
    ids=["billion-laughs", "external-entity", "truncated", "empty", "garbage"],
)
def test_bad_camt_is_a_statement_error(data, code):
    assert _error(data, "statement.xml").code == code


def test_an_export_past_the_markup_limit_is_refused_before_parsing(settings):
    settings.STATEMENT_MAX_XML_BYTES = 1000
    data = camt([_camt_entry("1.00", "CRDT", "X" * 2000)], [])
    error = _error(data)
    assert (error.code, error.details["limit"]) == ("xml_too_large", 1000)
    assert _error(OFX_SGML + b" " * 1000).code == "xml_too_large"


def test_an_export_with_more_entries_than_the_row_limit_is_refused(settings):
    settings.STATEMENT_MAX_ROWS = 2
    entries = [_camt_entry("1.00", "CRDT", "X")] * 3
    assert _error(camt(entries, [])).code == "too_many_rows"


# --- MT940 ---------------------------------------------------------------------------------

MT940 = b"""{1:F01BANKDEFFXXXX0000000000}{2:I940BANKDEFFXXXXN}{4:
:20:STMT1
:25:DE89370400440532013000
:28C:00001/001
:60F:C261031EUR1000,00
:61:2611021102D12,50NTRFNONREF//B1
:86:COFFEE SHOP BERLIN
:61:2611031103C100,00NTRFREF2
:86:SALARY
:61:2611041104RC7,50NMSCNONREF
:86:REVERSED CREDIT
:62F:C261104EUR1080,00
-}
:20:STMT2
:25:DE89370400440532013000
:28C:00002/001
:60F:C261104EUR1080,00
:61:2611051105D1080,00NTRFNONREF
:86:TRANSFER OUT
:61:2611061106D20,00NTRFNONREF
:86:FEE
:62F:D261106EUR20,00
-
"""


def test_mt940_statements_are_a_bill_each_with_their_balances_and_signs():
    parsed = _parse(MT940, "statement.sta")
    assert parsed.file_format == "mt940"
    first, second = parsed.bills
    assert (first.account_kind, first.card_last4, first.currency) == ("current", "3000", "EUR")
    # RC, the reversal of a credit, is money out.
    assert _rows(first) == [(D("12.50"), "debit"), (D("100.00"), "credit"), (D("7.50"), "debit")]
    assert (first.previous_balance, first.new_balance) == (D("1000.00"), D("1080.00"))
    assert first.statement_date == date(2026, 11, 4)
    assert first.transactions[0].description == "COFFEE SHOP BERLIN"
    assert (second.previous_balance, second.new_balance) == (D("1080.00"), D("-20.00"))
    assert statement_status(parsed) == ("verified", [])


def test_mt940_envelope_on_the_first_tag_line_and_structured_details_are_read():
    data = (
        b"{1:F01X}{2:I940X}{4::20:S1\n:25:DE1234\n:28C:1\n:60F:C261031EUR10,00\n"
        b":61:2611021102D1,00NTRFNONREF\n:86:166?00SEPA-UEBERWEISUNG?20Invoice 42?32ACME GMBH\n"
        b":62F:C261102EUR9,00\n-}"
    )
    [bill] = _parse(data).bills
    assert bill.transactions[0].description == "ACME GMBH / Invoice 42"
    assert (bill.previous_balance, bill.new_balance) == (D("10.00"), D("9.00"))


@pytest.mark.parametrize(
    "data",
    [
        b":20:X\n:25:1\n:60F:CXXXX\n",
        b":20:X\n:25:1\n:61:not a row\n",
        MT940.replace(b":61:", b":61:x", 1),
    ],
    ids=["balance", "row", "one-bad-row"],
)
def test_bad_mt940_is_a_statement_error(data):
    assert _error(data, "x.940").code == "malformed_mt940"


# --- QIF -----------------------------------------------------------------------------------

QIF_BANK = b"""!Type:Bank
D8/12/13
T-1,000.00
PDelta PC
^
D8/15'13
T-75.46
PWalts Drugs
MPrescription
^
D3/3/13
T2,500.00
PSALARY
^
"""


def test_qif_bank_register_us_dates_thousands_and_any_order():
    parsed = _parse(QIF_BANK, "export.qif")
    [bill] = parsed.bills
    assert parsed.file_format == "qif" and bill.account_kind == "current"
    assert _rows(bill) == [(D("1000.00"), "debit"), (D("75.46"), "debit"), (D("2500.00"), "credit")]
    assert [t.posting_date for t in bill.transactions] == [
        date(2013, 8, 12),
        date(2013, 8, 15),
        date(2013, 3, 3),
    ]
    assert bill.transactions[1].description == "Walts Drugs / Prescription"


def test_qif_card_register_day_first_dates_decimal_commas_and_opening_balance():
    data = (
        b"!Type:CCard\nD01/11/2026\nT-50,00\nPOpening Balance\n^\n"
        b"D25/11/2026\nT-1.234,50\nPELECTRONICS\n^\nD03/11/2026\nT100,00\nPPAYMENT\n^\n"
    )
    [bill] = _parse(data, "card").bills
    assert bill.account_kind == "card"
    # 25/11 has a day over 12, so every date in the file is day-first (03/11 is 3 November).
    assert [t.posting_date for t in bill.transactions] == [date(2026, 11, 25), date(2026, 11, 3)]
    assert _rows(bill) == [(D("1234.50"), "debit"), (D("100.00"), "credit")]
    assert bill.previous_balance == D("50.00")  # owed on the card: Quicken's opening record


def test_qif_account_blocks_name_their_register():
    data = (
        b"!Option:AutoSwitch\n!Account\nNChecking 4321\nTBank\nDMy checking\n^\n"
        b"!Clear:AutoSwitch\n!Type:Bank\nD12/25/2026\nT-5.00\nPSHOP\n^\n"
    )
    [bill] = _parse(data).bills
    assert (bill.account, bill.card_last4) == ("Checking 4321", "4321")
    assert bill.transactions[0].posting_date == date(2026, 12, 25)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"!Type:Bank\nD5\nT-1\n^\n", "malformed_qif"),  # a date the library would guess at
        (b"!Type:Bank\nD1/1/2026\nT" + b"9" * 40 + b"\n^\n", "malformed_qif"),
        (b"!Type:Bank\nD11/25/2026\nT-1\n^\nD25/11/2026\nT-2\n^\n", "malformed_qif"),  # both orders
        (b"!Type:Bank\nDnot a date\nT-1\n^\n", "malformed_qif"),
        (b"!Type:Bank\nD1/1/2026\nTabc\n^\n", "malformed_qif"),
        (b"!Type:Bank\n", "no_statement"),
    ],
    ids=["guessed-date", "huge-amount", "mixed-date-orders", "bad-date", "bad-amount", "empty"],
)
def test_bad_qif_is_a_statement_error(data, code):
    assert _error(data, "x.qif").code == code


# --- recognised by content -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["s.xml", "s.sta", "s.940", "s.qif", "s.ofx", "s.qfx", "s", "s.csv"]
)
def test_exports_are_recognised_by_content_whatever_their_name(name):
    samples = {
        "camt": camt([], []),
        "mt940": MT940,
        "qif": QIF_BANK,
        "ofx": OFX_SGML,
        "ofx-xml": OFX_XML,
    }
    assert {kind: sniff_format(data, name) for kind, data in samples.items()} == {
        "camt": "camt",
        "mt940": "mt940",
        "qif": "qif",
        "ofx": "ofx",
        "ofx-xml": "ofx",
    }
    assert sniff_format(b"Date,Amount\n2026-11-01,1.00\n", name) in ("csv", "ofx")


# --- through the upload API and the worker -------------------------------------------------

URL = "/api/v1/statements/"


def _upload(client, data: bytes, name: str, **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


@pytest.mark.usefixtures("seeded")
def test_camt_upload_reaches_a_verified_current_account_bill(
    agent_client, customer, django_capture_on_commit_callbacks
):
    data = camt(
        [_camt_entry("25.00", "DBIT", "BOOKS"), _camt_entry("5.00", "CRDT", "CASHBACK")],
        [_balance("OPBD", "100.00"), _balance("CLBD", "80.00")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(agent_client, data, "bank-export", customer=customer.pk, bank="maybank")
    assert response.status_code == 202, response.content
    job = agent_client.get(response.json()["job_url"]).json()
    assert job["status"] == "succeeded", job
    statement = StatementImport.objects.get(pk=response.json()["id"])
    assert (statement.format, statement.status) == ("camt", "verified")
    bill = Bill.objects.get(statement_import=statement)
    assert (bill.account_kind, bill.card.last4) == ("current", "3000")
    assert (bill.previous_balance, bill.new_balance) == (D("100.00"), D("80.00"))
    assert sorted((t.amount, t.direction) for t in bill.transactions.all()) == [
        (D("5.00"), "credit"),
        (D("25.00"), "debit"),
    ]


@pytest.mark.usefixtures("seeded")
def test_hostile_exports_are_refused_at_upload_in_the_error_shape(agent_client, customer, settings):
    mine = {"customer": customer.pk}
    bomb = _upload(agent_client, hostile.camt_billion_laughs(), "bomb.xml", **mine)
    assert_error_shape(bomb, 400, "xml_forbidden")
    assert_error_shape(
        _upload(agent_client, MT940[:120], "cut.sta", **mine), 400, "malformed_mt940"
    )
    settings.STATEMENT_MAX_XML_BYTES = 500
    assert_error_shape(_upload(agent_client, OFX_SGML, "big.ofx", **mine), 413, "xml_too_large")
    assert not StatementImport.objects.exists()
