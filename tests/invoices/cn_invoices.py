"""Chinese VAT e-invoices the tests make: a reportlab PDF with a text layer and the tax
authority's QR code (segno), in the classic (code + 8-digit number) and 数电 (20-digit number)
forms, and a rendered scan of any PDF."""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pypdfium2
import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
HEIGHT = A4[1]


@dataclass(frozen=True)
class CnInvoice:
    code: str = "042001700112"
    number: str = "27908343"
    date: str = "2018年03月23日"
    qr_date: str = "20180323"
    net: str = "97.33"
    tax: str = "2.92"
    total: str = "100.25"
    uppercase: str = "壹佰元零贰角伍分"
    check_code: str = "08110641107709826910"
    buyer: str = "武汉市某某物流有限公司"
    buyer_tax_id: str = "914201007483062457"
    seller: str = "湖北某某高速公路有限公司"
    seller_tax_id: str = "91420200562725281Y"
    # The QR's amount: 合计金额 (net) on the classic form, 价税合计 on 数电; None: the page's.
    qr_amount: str | None = None
    print_number: bool = True
    with_qr: bool = True

    @property
    def shudian(self) -> bool:
        return not self.code

    def qr_payload(self) -> str:
        kind = "32" if self.shudian else "10"
        amount = self.qr_amount or (self.total if self.shudian else self.net)
        check = "" if self.shudian else self.check_code
        return f"01,{kind},{self.code},{self.number},{amount},{self.qr_date},{check},8F3A,"

    def but(self, **changes) -> CnInvoice:
        return replace(self, **changes)


SHUDIAN = CnInvoice(
    code="",
    number="24112000000012345678",
    date="2024年01月15日",
    qr_date="20240115",
    net="250.33",
    tax="15.02",
    total="265.35",
    uppercase="贰佰陆拾伍圆叁角伍分",
    check_code="",
)


def _items(invoice: CnInvoice) -> list[tuple[float, float, str]]:
    title = "电子发票（普通发票）" if invoice.shudian else "湖北增值税电子普通发票"
    items = [(200, 40, title)]
    if invoice.code:
        items.append((420, 40, f"发票代码: {invoice.code}"))
    if invoice.print_number:
        items.append((420, 55, f"发票号码: {invoice.number}"))
    items += [
        (420, 70, f"开票日期: {invoice.date}"),
        (30, 100, "购"),
        (50, 100, "名"),
        (90, 100, f"称: {invoice.buyer}"),
        (50, 115, f"纳税人识别号: {invoice.buyer_tax_id}"),
        (50, 160, "项目名称"),
        (300, 160, "金 额"),
        (380, 160, "税率"),
        (450, 160, "税 额"),
        (50, 175, "*经营租赁*通行费"),
        (300, 175, invoice.net),
        (380, 175, "3%"),
        (450, 175, invoice.tax),
        (50, 195, "合 计"),
        (300, 195, f"¥{invoice.net}"),
        (450, 195, f"¥{invoice.tax}"),
        (50, 215, "价税合计（大写）"),
        (160, 215, invoice.uppercase),
        (400, 215, f"（小写） ¥{invoice.total}"),
        (30, 240, "销"),
        (50, 240, "名"),
        (90, 240, f"称: {invoice.seller}"),
        (50, 255, f"纳税人识别号: {invoice.seller_tax_id}"),
    ]
    if invoice.check_code:
        items.append((420, 85, f"校 验 码: {invoice.check_code}"))
    return items


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=4, border=4)
    return buffer.getvalue()


def cn_invoice_pdf(invoice: CnInvoice = CnInvoice()) -> bytes:
    """One A4 page: the invoice's text layer in a CID font, its QR code in the top-left."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("STSong-Light", 9)
    for x, y, text in _items(invoice):
        pdf.drawString(x, HEIGHT - y, text)
    if invoice.with_qr:
        image = ImageReader(io.BytesIO(qr_png(invoice.qr_payload())))
        pdf.drawImage(image, 30, HEIGHT - 90, width=60, height=60)
    pdf.save()
    return buffer.getvalue()


def rendered_scan(pdf: bytes, *, dpi: int = 150, fmt: str = "PNG") -> bytes:
    """The PDF's first page as an image file: the same invoice as a scan or a photo."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
