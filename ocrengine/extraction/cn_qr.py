"""The QR code of a Chinese VAT invoice: decoded from the page image, parsed, and checked
against what the page says.

The tax authority prints the invoice's key in a QR code on every VAT invoice:
`01,<type>,<code>,<number>,<amount>,<YYYYMMDD>,<check code>,<random>` on the older forms (the
amount is 合计金额, before tax), `01,<type>,,<20-digit number>,<amount>,<YYYYMMDD>,,<random>`
on 数电 (全电) invoices, which have no code (the amount is 价税合计, tax included). Decoded with
zxing-cpp (no network) from the first pages, rendered by PDFium or opened by Pillow within the
reader's pixel limit.

A value the QR states and the page contradicts is a failed `cn_qr_matches_page` check (a
consistency check: the invoice goes to review, `ocrengine.extraction.consistency`); a value
both state raises that field's confidence; a value only the QR states fills the field.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ocrengine.documents.errors import DocumentError
from ocrengine.documents.limits import limit
from ocrengine.documents.mime import JPEG, PDF, PNG, TIFF, WEBP, sniff
from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.normalize import format_amount

logger = logging.getLogger(__name__)

QR_CHECK = "cn_qr_matches_page"
# Records that the QR was read, with its payload (printed on the invoice; 查验 needs its
# check code).
QR_READ_CHECK = "cn_qr_read"
QR_SOURCE = "qr"
# The QR sits in the top-left corner of the first page; a PDF may hold several invoices.
MAX_QR_PAGES = 2
QR_RENDER_DPI = 200
_DIGITS = re.compile(r"\d+")
# 发票种类代码 on the QR: 01 专票, 04 普票, 10 电子普票, 11 卷票, 14 通行费, 08/31 数电专票,
# 32 数电普票, 85/86 … : the set changes, so the type is kept, not validated.
_IMAGE_TYPES = (PNG, JPEG, TIFF, WEBP)


@dataclass(frozen=True)
class InvoiceQr:
    kind: str
    code: str
    number: str
    amount: Decimal
    date: str  # ISO
    check_code: str
    raw: str

    @property
    def shudian(self) -> bool:
        """A 数电 (全电) invoice: no code, a 20-digit number."""
        return not self.code and len(self.number) == 20

    @property
    def amount_field(self) -> str:
        return "total_amount" if self.shudian else "net_amount"

    def values(self) -> dict[str, str]:
        """The canonical fields the QR states."""
        stated = {
            "invoice_number": self.number,
            "date": self.date,
            self.amount_field: format_amount(self.amount),
        }
        if self.code:
            stated["invoice_code"] = self.code
        return stated


def shudian_number_ok(number: str) -> bool:
    """A 数电 number: 20 digits, beginning with the two-digit year it was issued in."""
    if not (len(number) == 20 and number.isdigit()):
        return False
    return 21 <= int(number[:2]) <= date.today().year % 100 + 1


def invoice_code_ok(code: str) -> bool:
    """An older VAT invoice's 发票代码: 10 digits (paper 专票/普票) or 12 digits (电子普票, 卷票,
    通行费; a leading 0 for the e-invoices and rolls)."""
    return code.isdigit() and len(code) in (10, 12)


def invoice_number_ok(number: str, code: str) -> bool:
    """An invoice number of its kind: 8 digits with a code, 20 (数电) without one."""
    if code:
        return number.isdigit() and len(number) == 8
    return shudian_number_ok(number)


def _iso(text: str) -> str | None:
    if not (len(text) == 8 and text.isdigit()):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None


def parse_qr_payload(text: str) -> InvoiceQr | None:
    """The invoice a QR payload describes, or None when it is no VAT invoice QR (a shop's
    link, a payment code) or its parts do not read as one."""
    parts = [part.strip() for part in text.strip().split(",")]
    if len(parts) < 6 or parts[0] != "01":
        return None
    kind, code, number, amount_text, date_text = parts[1:6]
    check_code = parts[6] if len(parts) > 6 else ""
    if not (number.isdigit() and (code == "" or code.isdigit())):
        return None
    issued = _iso(date_text)
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        return None
    if issued is None or not amount.is_finite():
        return None
    return InvoiceQr(kind, code, number, amount, issued, check_code, text.strip())


def decode_qr_texts(image) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a PIL image."""
    import zxingcpp

    try:
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError):
        return []
    return [result.text for result in results if result.valid and result.text]


def _page_images(data: bytes, max_pixels: int):
    """The first pages as images: a PDF rendered, an image file's frames opened."""
    kind = sniff(data)
    if kind == PDF:
        from ocrengine.documents.pdf import pdf_page_total, pdfium_document, render_pdf_page

        with pdfium_document(data, None) as document:
            total = pdf_page_total(document, max_pages=10_000)
            for index in range(min(total, MAX_QR_PAGES)):
                yield render_pdf_page(document, index, QR_RENDER_DPI, max_pixels)
    elif kind in _IMAGE_TYPES:
        from ocrengine.documents.images import image_page, open_image

        image, frames = open_image(data, max_pixels, 10_000)
        for index in range(min(frames, MAX_QR_PAGES)):
            yield image_page(image, index, max_pixels)


def read_invoice_qr(data: bytes) -> InvoiceQr | None:
    """The VAT invoice QR on the file's first pages, or None (none there, or unreadable)."""
    try:
        for image in _page_images(data, limit("OCR_MAX_IMAGE_PIXELS")):
            for text in decode_qr_texts(image):
                parsed = parse_qr_payload(text)
                if parsed is not None:
                    return parsed
    except DocumentError as error:
        logger.info("invoice QR not read: %s", error.message)
    return None


def _same(field: str, qr_value: str, page_value: str) -> bool:
    if field.endswith("_amount"):
        try:
            return Decimal(qr_value) == Decimal(page_value)
        except InvalidOperation:
            return False
    return re.sub(r"\s", "", qr_value) == re.sub(r"\s", "", page_value)


def qr_reconcile(
    chosen: dict[str, Candidate], qr: InvoiceQr, names: list[str]
) -> tuple[list[dict], dict[str, bool]]:
    """Compare the QR's values with the chosen ones: fill what the page missed (source "qr"),
    confirm what agrees, and report each comparison as a `cn_qr_matches_page` check (a
    readable message on a mismatch). Returns (checks, field → confirmed or contradicted)."""
    checks: list[dict] = []
    confirmed: dict[str, bool] = {}
    for field, value in qr.values().items():
        if field not in names:
            continue
        page = chosen.get(field)
        if page is None or not page.value:
            amount = Decimal(value) if field.endswith("_amount") else None
            chosen[field] = Candidate(field, value, 1.5, QR_SOURCE, None, "QR", amount)
            continue
        ok = _same(field, value, page.value)
        check = {"name": QR_CHECK, "field": field, "ok": ok}
        if not ok:
            check["message"] = f"QR says {value}, page says {page.value}"
        checks.append(check)
        confirmed[field] = ok
    return checks, confirmed


def number_format_checks(chosen: dict[str, Candidate]) -> list[dict]:
    """The invoice code and number against the rules of their kind: a 10/12-digit code with
    an 8-digit number, or no code and a 20-digit 数电 number."""
    code = chosen.get("invoice_code")
    number = chosen.get("invoice_number")
    code_value = code.value if code is not None and code.value else ""
    checks = []
    if code_value:
        ok = invoice_code_ok(code_value)
        checks.append(_format_check("invoice_code", code_value, ok, "10 or 12 digits"))
    if number is not None and number.value:
        rule = "8 digits" if code_value else "20 digits (数电) beginning with its year"
        ok = invoice_number_ok(number.value, code_value)
        checks.append(_format_check("invoice_number", number.value, ok, rule))
    return checks


def _format_check(field: str, value: str, ok: bool, rule: str) -> dict:
    check = {"name": f"cn_{field}_format", "field": field, "ok": ok}
    if not ok:
        check["message"] = f"{field.replace('_', ' ')} {value} is not {rule}"
    return check


def cn_invoice_checks(
    chosen: dict[str, Candidate], data: bytes | None, names: list[str]
) -> tuple[list[dict], dict[str, bool]]:
    """The Chinese invoice's own evidence: its QR code read from the file and reconciled with
    `chosen` (`qr_reconcile`; nothing when it has none), then the code and number formats.
    Returns (checks, field → confirmed or contradicted); the one entry point the invoice
    extractor calls."""
    qr = read_invoice_qr(data) if data else None
    checks: list[dict] = []
    confirmed: dict[str, bool] = {}
    if qr is not None:
        checks.append({"name": QR_READ_CHECK, "ok": True, "payload": qr.raw})
        compared, confirmed = qr_reconcile(chosen, qr, names)
        checks += compared
    return checks + number_format_checks(chosen), confirmed
