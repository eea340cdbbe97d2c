"""Records the browser tests start from, built with the ORM (no OCR needed): an agent, a
bill that does not reconcile, an invoice waiting for review with its page image stored."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import reportlab
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction
from invoices.models import Invoice
from tests.factories import CustomerFactory, UserFactory

INVOICE_LINES = [
    "Invoice No: INV-2026-0042",
    "Invoice Date: 2026-03-15",
    "Seller: Acme Supplies Ltd",
    "Buyer: Northwind Traders",
    "Net Amount: 100.00",
    "Tax Amount: 20.00",
    "Total: 120.00 EUR",
]


def invoice_png() -> bytes:
    """A plain one-page invoice scan (1000 by 760 px), drawn with reportlab's Vera font."""
    font_file = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    font, title = ImageFont.truetype(font_file, 26), ImageFont.truetype(font_file, 40)
    image = Image.new("RGB", (1000, 760), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 50), "INVOICE", font=title, fill="black")
    for row, text in enumerate(INVOICE_LINES):
        draw.text((60, 150 + row * 70), text, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def agent_named(username: str):
    agent = UserFactory(username=username)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    return agent


def invoice_waiting_for(agent) -> Invoice:
    """The scan above as the OCR left it: needs review, boxes in image pixels."""
    data = invoice_png()
    digest = hashlib.sha256(data).hexdigest()
    invoice = Invoice(
        original_name="scan.png", sha256=digest, mime="image/png", size=len(data), pages=1,
        status=Invoice.Status.NEEDS_REVIEW, uploaded_by=agent, invoice_number="INV-2026-0042",
        date=date(2026, 3, 15), seller="Acme Supplies Ltd", buyer="Northwind Traders",
        net_amount=Decimal("100.00"), tax_amount=Decimal("20.00"),
        total_amount=Decimal("120.00"), currency="EUR", confidence=0.62, engine="rapidocr",
        field_confidence={"invoice_number": 0.92, "date": 0.94, "seller": 0.55, "buyer": 0.95,
                          "net_amount": 0.97, "tax_amount": 0.97, "total_amount": 0.97,
                          "currency": 0.45},
        field_sources={
            "invoice_number": {"page": 1, "box": [59, 150, 409, 179], "source": "ocr"},
            "seller": {"page": 1, "box": [57, 288, 393, 323], "source": "ocr"},
            "total_amount": {"page": 1, "box": [58, 571, 290, 598], "source": "ocr"},
            "currency": {"page": None, "box": None, "source": "derived"},
        },
        checks=[{"name": "net_plus_tax_equals_total", "ok": True}],
    )  # fmt: skip
    invoice.file.save(f"{digest}.png", ContentFile(data), save=False)
    invoice.save()
    return invoice


def month_start(months_ago: int) -> date:
    today = date.today().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
    return date(year, month + 1, 1)


def bill_for(agent) -> Bill:
    """A Maybank bill of the agent's customer that does not reconcile (off by 10.00), with
    rows this month and last, and another agent's bill that must never show."""
    stranger = UserFactory(username="agent_other")
    customer = CustomerFactory(name="Mei Lin", assigned_agent=agent)
    bank, _ = Bank.objects.get_or_create(code="maybank", defaults={"name": "Maybank"})
    card = CreditCard.objects.create(customer=customer, bank=bank, last4="4242", holder="MEI LIN")
    statement = StatementImport.objects.create(
        file="statements/e2e.pdf", original_name="e2e.pdf", sha256=hashlib.sha256(b"e2e").hexdigest(),
        format="pdf", status="review", customer=customer, uploaded_by=agent,
    )  # fmt: skip
    this_month, last_month = month_start(0), month_start(1)
    bill = Bill.objects.create(
        card=card, statement_import=statement, statement_date=this_month + timedelta(days=4),
        due_date=this_month + timedelta(days=24), previous_balance=Decimal("500.00"),
        total_debits=Decimal("320.50"), total_credits=Decimal("500.00"),
        new_balance=Decimal("330.50"), minimum_payment=Decimal("50.00"), currency="MYR",
        status="review", fingerprint="e2e-bill",
        problems=[{"code": "balance_mismatch", "severity": "error",
                   "message": "500.00 + 320.50 - 500.00 = 320.50, but the statement prints 330.50."}],
    )  # fmt: skip
    rows = [
        (last_month + timedelta(days=9), "GRAB RIDE KUALA LUMPUR", "120.50", "debit"),
        (this_month, "TESCO EXTRA AMPANG", "200.00", "debit"),
        (this_month + timedelta(days=1), "PAYMENT - THANK YOU", "500.00", "credit"),
    ]
    for day, text, amount, direction in rows:
        Transaction.objects.create(
            bill=bill, card=card, transaction_date=day, posting_date=day, description=text,
            amount=Decimal(amount), direction=direction,
        )  # fmt: skip
    _keep_row_totals(bill)
    # Another agent's customer: must appear nowhere on this agent's pages.
    other = CustomerFactory(name="Not Mine", assigned_agent=stranger)
    other_card = CreditCard.objects.create(customer=other, bank=bank, last4="9999")
    Bill.objects.create(
        card=other_card, statement_import=statement, statement_date=this_month,
        previous_balance=Decimal("0"), total_debits=Decimal("1"), total_credits=Decimal("0"),
        new_balance=Decimal("9"), status="review", fingerprint="e2e-other",
    )  # fmt: skip
    return bill


def _keep_row_totals(bill: Bill) -> None:
    """Bills that keep their rows' count and sums (read by the dashboard) get them set, as the
    statement import sets them; a bill model without those columns is left as it is."""
    if not {"row_count", "row_debits", "row_credits"} <= {f.name for f in Bill._meta.fields}:
        return
    rows = list(bill.transactions.all())
    Bill.objects.filter(pk=bill.pk).update(
        row_count=len(rows),
        row_debits=sum((r.amount for r in rows if r.direction == "debit"), Decimal("0")),
        row_credits=sum((r.amount for r in rows if r.direction == "credit"), Decimal("0")),
    )
