"""Make statements with known contents: PDFs (reportlab) in each shipped template's layout,
XLSX (openpyxl) and CSV. Text is placed at absolute coordinates, one row per line, the way
bank statements are laid out, so the readers see real PDF text layers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MON_FULL = [date(2000, m, 1).strftime("%B") for m in range(1, 13)]
X_L, X_DESC, X_MID, X_AMT = 40.0, 150.0, 300.0, 430.0


@dataclass
class FakeTxn:
    posting_date: date
    transaction_date: date
    description: str
    amount: Decimal
    direction: str = "debit"
    wrapped: list[str] = field(default_factory=list)  # continuation lines under the row


@dataclass
class FakeCard:
    last4: str
    previous_balance: Decimal
    transactions: list[FakeTxn]

    @property
    def new_balance(self) -> Decimal:
        return self.previous_balance + self.debits - self.credits

    @property
    def debits(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.direction == "debit"), Decimal(0))

    @property
    def credits(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.direction == "credit"), Decimal(0))


@dataclass
class FakeStatement:
    statement_date: date
    cards: list[FakeCard]

    @property
    def due_date(self) -> date:
        return self.statement_date + timedelta(days=20)


def money(v: Decimal) -> str:
    return f"{abs(v):,.2f}" + ("CR" if v < 0 else "")


def amt(t: FakeTxn) -> str:
    return f"{t.amount:,.2f}" + ("CR" if t.direction == "credit" else "")


def dm(d: date) -> str:
    return f"{d:%d/%m}"


def dmon(d: date) -> str:
    return f"{d.day:02d} {MON[d.month - 1]}"


def dmony(d: date) -> str:
    return f"{dmon(d)} {d.year}"


class Sheet:
    """Lines at fixed y steps; a new page past the bottom margin."""

    def __init__(self) -> None:
        self.pages: list[list[tuple[float, float, str]]] = [[]]
        self.y = 50.0

    def line(self, *chunks: tuple) -> Sheet:
        if self.y > 800:
            self.pages.append([])
            self.y = 50.0
        for chunk in chunks:
            nudge = chunk[2] if len(chunk) > 2 else 0.0
            self.pages[-1].append((chunk[0], self.y + nudge, str(chunk[1])))
        self.y += 13.0
        return self

    def gap(self) -> Sheet:
        self.y += 13.0
        return self

    def newpage(self) -> Sheet:
        self.pages.append([])
        self.y = 50.0
        return self

    def pdf(self, password: str | None = None) -> bytes:
        from reportlab.lib import pdfencrypt
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        encrypt = (
            pdfencrypt.StandardEncryption(password, ownerPassword=password + "-owner")
            if password
            else None
        )
        c = canvas.Canvas(buf, pagesize=(595, 842), encrypt=encrypt, invariant=1)
        for page in self.pages:
            c.setFont("Helvetica", 9)
            for x, ytop, text in page:
                c.drawString(x, 842 - ytop, text)
            c.showPage()
        c.save()
        return buf.getvalue()


def _rows(s: Sheet, card: FakeCard, fmt) -> None:
    for t in card.transactions:
        dates = f"{fmt(t.posting_date)} {fmt(t.transaction_date)}"
        s.line((X_L, dates), (X_DESC, t.description), (X_AMT, amt(t), 1.0))
        for extra in t.wrapped:
            s.line((X_DESC, extra))


def maybank_pdf(st: FakeStatement, password: str | None = None) -> bytes:
    card = st.cards[0]
    s = Sheet().line((X_L, "MAYBANK DEMO BERHAD (000000-X)")).line((X_L, "AHMAD DEMO BIN DEMO"))
    s.line((X_L, "NO 32 JALAN DEMO 5/6")).gap()
    s.line(
        (X_L, "Statement Date"),
        (X_MID - 90, dmony(st.statement_date)),
        (X_MID + 40, "Payment Due Date"),
        (X_AMT + 60, dmony(st.due_date)),
    )
    s.line((X_L, f"CARD NO 1234-5678-9012-{card.last4}")).gap()
    s.line((X_L, "PREVIOUS STATEMENT BALANCE"), (X_AMT, money(card.previous_balance)))
    _rows(s, card, dm)
    s.line((X_L, "SUB TOTAL / JUMLAH"), (X_AMT, money(card.new_balance)))
    return s.pdf(password)


def cimb_pdf(st: FakeStatement) -> bytes:
    s = Sheet().line((X_L, "CIMB BANK DEMO BERHAD")).line((X_L, "AHMAD DEMO BIN DEMO")).gap()
    s.line((X_L, "Statement / Invoice Date"), (X_MID, "Payment Due Date"))
    s.line((X_L, dmony(st.statement_date)), (X_MID, dmony(st.due_date))).gap()
    total_prev = sum((c.previous_balance for c in st.cards), Decimal(0))
    s.line((X_L, "PREVIOUS BALANCE"), (X_AMT, money(total_prev))).gap()
    s.line((X_L, "CARD"), (X_DESC, "NAME"), (250.0, "PREV BAL"), (460.0, "STMT BAL"))
    for c in st.cards:
        figures = [c.previous_balance, c.debits, c.credits, c.new_balance, Decimal("50.00")]
        s.line((X_L, f"1234-5678-9012-{c.last4} AHMAD DEMO " + " ".join(map(money, figures))))
    s.newpage().line((X_L, "TRANSACTION DETAILS"))
    for c in st.cards:
        s.gap().line((X_L, f"1234-5678-9012-{c.last4}"))
        _rows(s, c, dmon)
    return s.pdf()


def standard_chartered_pdf(st: FakeStatement) -> bytes:
    card = st.cards[0]
    s = Sheet().line((X_L, "STANDARD CHARTERED BANK DEMO MALAYSIA BERHAD"))
    s.line((X_L, "STATEMENT OF ACCOUNT")).gap()
    s.line((X_L, "Payment Due Date / Tarikh Akhir :"), (X_MID, dmony(st.due_date)))
    s.line((X_L, "Statement Date / Tarikh Penyata :"), (X_MID, dmony(st.statement_date)))
    s.line((X_L, f"Card No 5520-40XX-XXXX-{card.last4}")).gap()
    s.line((X_L, "PREVIOUS STATEMENT"), (X_AMT, money(card.previous_balance)))
    _rows(s, card, dmon)
    s.line((X_L, "New BALANCE / Baki Baru"), (X_AMT, money(card.new_balance)))
    return s.pdf()


def hsbc_pdf(st: FakeStatement) -> bytes:
    card = st.cards[0]
    due = st.due_date
    s = Sheet().line((X_L, "HSBC BANK DEMO MALAYSIA BERHAD")).gap()
    s.line(
        (X_L, "StatementDate"),
        (X_MID - 90, dmony(st.statement_date)),
        (X_MID + 40, "PaymentDueDate"),
        (X_AMT + 60, f"{due.day:02d} {MON_FULL[due.month - 1]} {due.year}"),
    )
    s.line((X_L, f"CardNumber 1234-5678-9012-{card.last4}")).gap()
    s.line((X_L, "YourPreviousStatementBalance"), (X_AMT, money(card.previous_balance)))
    _rows(s, card, dmon)
    s.line((X_L, "Yourstatementbalance"), (X_AMT, money(card.new_balance)))
    return s.pdf()


def rhb_pdf(st: FakeStatement) -> bytes:
    card = st.cards[0]
    s = Sheet().line((X_L, "RHB BANK DEMO BERHAD")).gap()
    s.line((X_L, "Statement Date"), (X_MID - 90, dmony(st.statement_date)))
    s.line((X_L, "Payment Due Date")).line((X_L, f"{st.due_date:%d/%m/%Y}"))
    s.line((X_L, f"CARD NO 1234-5678-9012-{card.last4}")).gap()
    s.line((X_L, "OPENING BALANCE / BAKI MULA"), (X_AMT, money(card.previous_balance)))
    _rows(s, card, dmon)
    s.line((X_L, "Outstanding Balance / Baki Terkini"), (X_AMT, money(card.new_balance)))
    return s.pdf()


def alliance_pdf(st: FakeStatement) -> bytes:
    s = Sheet().line((X_L, "ALLIANCE BANK DEMO MALAYSIA BERHAD")).gap()
    s.line((X_L, "Tarikh Penyata"), (X_MID - 90, f"{st.statement_date:%d/%m/%y}"))
    s.line((X_L, "Tarikh Bayaran Perlu Dibuat"), (X_MID - 90, f"{st.due_date:%d/%m/%y}")).gap()
    for c in st.cards:
        s.line((X_L, f"VISA PLATINUM DEMO 1234 5678 9012 {c.last4}"))
        s.line((X_L, "PREVIOUS STATEMENT BALANCE"), (X_AMT, money(c.previous_balance)))
        for t in c.transactions:
            s.line((X_L, f"{t.transaction_date:%d/%m/%y} {t.posting_date:%d/%m/%y}"))
            s.line((X_L, t.description), (X_AMT, amt(t), 1.0))
        s.line((X_L, "MATA GANJARAN / REWARD POINTS EARNED"), (X_AMT, "1,250.00"))
        s.line((X_L, "CURRENT BALANCE"), (X_AMT, money(c.new_balance))).gap()
    return s.pdf()


PDF_MAKERS = {
    "maybank": maybank_pdf,
    "cimb": cimb_pdf,
    "standard_chartered": standard_chartered_pdf,
    "hsbc": hsbc_pdf,
    "rhb": rhb_pdf,
    "alliance": alliance_pdf,
}


def maybank_xlsx(st: FakeStatement) -> bytes:
    import openpyxl

    card = st.cards[0]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["MAYBANK DEMO BERHAD - CREDIT CARD STATEMENT"])
    sheet.append(["Statement Date", st.statement_date])
    sheet.append(["Card No", f"1234-5678-9012-{card.last4}"])
    sheet.append(["Previous Statement Balance (RM)", float(card.previous_balance)])
    sheet.append([])
    sheet.append(["Posting Date", "Transaction Date", "Description", "Amount (RM)", "CR/DR"])
    for t in card.transactions:
        flag = "CR" if t.direction == "credit" else ""
        row = [t.posting_date, t.transaction_date, t.description, float(t.amount), flag]
        sheet.append(row)
    sheet.append(["", "", "SUB TOTAL / JUMLAH", float(card.new_balance)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def flagged_csv(rows: list[tuple[str, str, str, str]], delimiter: str = ";") -> bytes:
    """date; description; amount (1.234,56); flag — a headerless export with a flag column."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")
