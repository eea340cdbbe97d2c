"""End to end on PDFs the tests make: text layer reading, a Chinese VAT e-invoice (classic
and 数电 layouts) and a Factur-X style PDF with embedded CII XML."""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

import io

import pdfplumber
import pypdfium2
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ocrengine.engines.base import DocumentText
from ocrengine.engines.pdf_text import page_text
from ocrengine.extraction import extract_invoice, load_default_spec
from tests.invoices.einvoices import cii_invoice

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
HEIGHT = A4[1]


def make_pdf(items, *, font="Helvetica", size=9):
    """items: (x, y_from_top, text) placed on one A4 page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont(font, size)
    for x, y, text in items:
        pdf.drawString(x, HEIGHT - y, text)
    pdf.save()
    return buffer.getvalue()


def read(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return DocumentText([page_text(page, n + 1) for n, page in enumerate(pdf.pages)])


def test_page_text_keeps_columns_apart_with_boxes_in_points():
    data = make_pdf([(40, 100, "Invoice Number:"), (400, 100, "INV-7"), (40, 120, "Total 9.00")])
    page = read(data).pages[0]
    assert page.source == "text_layer"
    assert [line.text for line in page.lines] == ["Invoice Number:", "INV-7", "Total 9.00"]
    assert all(line.confidence == 1.0 for line in page.lines)
    first = page.lines[0].box
    assert 39 <= first[0] <= 41 and 90 <= first[1] <= 100 and first[3] <= 102
    assert "Invoice Number:  " in page.text.splitlines()[0]
    assert page.text.splitlines()[0].endswith("INV-7")
    assert abs(page.width - A4[0]) < 0.01


CLASSIC_VAT = [
    (200, 40, "湖北增值税电子普通发票"),
    (420, 40, "发票代码: 042001700112"),
    (420, 55, "发票号码: 27908343"),
    (420, 70, "开票日期: 2018年03月23日"),
    (30, 100, "购"),
    (50, 100, "名"),
    (90, 100, "称: 武汉市某某物流有限公司"),
    (50, 115, "纳税人识别号: 914201007483062457"),
    (50, 160, "项目名称"),
    (300, 160, "金 额"),
    (380, 160, "税率"),
    (450, 160, "税 额"),
    (50, 175, "*经营租赁*通行费"),
    (300, 175, "97.33"),
    (380, 175, "3%"),
    (450, 175, "2.92"),
    (50, 195, "合 计"),
    (300, 195, "¥97.33"),
    (450, 195, "¥2.92"),
    (50, 215, "价税合计（大写）"),
    (160, 215, "壹佰元零贰角伍分"),
    (400, 215, "（小写） ¥100.25"),
    (30, 240, "销"),
    (50, 240, "名"),
    (90, 240, "称: 湖北某某高速公路有限公司"),
    (50, 255, "纳税人识别号: 91420200562725281Y"),
]


def test_classic_chinese_vat_e_invoice():
    data = make_pdf(CLASSIC_VAT, font="STSong-Light")
    result = extract_invoice(read(data), spec=load_default_spec("cn_vat_invoice"))
    assert result.as_flat_dict() == {
        "invoice_number": "27908343",
        "invoice_code": "042001700112",
        "date": "2018-03-23",
        "total_amount": "100.25",
        "net_amount": "97.33",
        "tax_amount": "2.92",
        "currency": "CNY",
        "seller": "湖北某某高速公路有限公司",
        "buyer": "武汉市某某物流有限公司",
        "seller_tax_id": "91420200562725281Y",
        "buyer_tax_id": "914201007483062457",
        # Not printed on this one (the party blocks' 地址、电话 and 开户行及账号 lines).
        "seller_address": None,
        "buyer_address": None,
        "bank_account": None,
    }
    assert {"name": "cn_uppercase_total_matches", "ok": True} in result.checks
    assert {"name": "net_plus_tax_equals_total", "ok": True} in result.checks
    assert result.overall_confidence > 0.85


def test_default_invoice_spec_also_reads_chinese_invoices():
    data = make_pdf(CLASSIC_VAT, font="STSong-Light")
    flat = extract_invoice(read(data)).as_flat_dict()
    assert flat["invoice_number"] == "27908343"
    assert flat["seller"] == "湖北某某高速公路有限公司"
    assert flat["total_amount"] == "100.25"


def test_shudian_layout_with_private_buyer():
    """数电 invoice: 20-digit number, no code, parties side by side, buyer without tax id."""
    items = [
        (200, 40, "电子发票（普通发票）"),
        (400, 40, "发票号码：24112000000012345678"),
        (400, 55, "开票日期：2024年01月15日"),
        (30, 90, "购买方信息"),
        (90, 90, "名称：张三"),
        (300, 90, "销售方信息"),
        (360, 90, "名称：上海某某科技有限公司"),
        (90, 105, "统一社会信用代码/纳税人识别号："),
        (360, 105, "统一社会信用代码/纳税人识别号：91310000MA1FL4XX3K"),
        (50, 140, "项目名称"),
        (300, 140, "金额"),
        (380, 140, "税率/征收率"),
        (460, 140, "税额"),
        (50, 155, "*信息技术服务*软件服务费"),
        (300, 155, "100.00"),
        (380, 155, "6%"),
        (460, 155, "6.00"),
        (50, 175, "合计"),
        (300, 175, "¥100.00"),
        (460, 175, "¥6.00"),
        (50, 195, "价税合计（大写）"),
        (160, 195, "壹佰零陆圆整"),
        (400, 195, "（小写）¥106.00"),
    ]
    flat = extract_invoice(read(make_pdf(items, font="STSong-Light"))).as_flat_dict()
    assert flat["invoice_number"] == "24112000000012345678"
    assert flat["invoice_code"] is None
    assert flat["date"] == "2024-01-15"
    assert flat["buyer"] == "张三"
    assert flat["seller"] == "上海某某科技有限公司"
    assert flat["buyer_tax_id"] is None
    assert flat["seller_tax_id"] == "91310000MA1FL4XX3K"
    assert (flat["net_amount"], flat["tax_amount"], flat["total_amount"]) == (
        "100.00",
        "6.00",
        "106.00",
    )


def with_attachment(data: bytes, name: str, payload: bytes) -> bytes:
    pdf = pypdfium2.PdfDocument(data)
    attachment = pdf.new_attachment(name)
    attachment.set_data(payload)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def test_embedded_factur_x_xml_is_the_first_source():
    visible = make_pdf([(40, 60, "Rechnung FX-2024-17"), (40, 80, "Gesamtbetrag 119,00 EUR")])
    data = with_attachment(visible, "factur-x.xml", cii_invoice())
    result = extract_invoice(read(data), pdf_bytes=data)
    flat = result.as_flat_dict()
    assert flat["invoice_number"] == "FX-2024-17"
    assert (flat["date"], flat["due_date"]) == ("2024-03-05", "2024-04-04")
    assert (flat["net_amount"], flat["tax_amount"], flat["total_amount"]) == (
        "100.00",
        "19.00",
        "119.00",
    )
    assert (flat["seller"], flat["seller_tax_id"], flat["buyer"]) == (
        "Muster Beratung GmbH",
        "DE123456789",
        "Kunde AG",
    )
    assert result.fields["total_amount"].source == "xml"
    assert result.lines == [
        {
            "description": "Beratung",
            "quantity": "2",
            "unit_price": "50.00",
            "amount": "100.00",
            "tax_rate": "19",
        }
    ]


def test_text_layer_is_the_fallback_without_xml():
    data = make_pdf(
        [
            (40, 60, "Muster Beratung GmbH"),
            (40, 80, "Rechnungsnummer: FX-2024-17"),
            (40, 100, "Gesamtbetrag"),
            (300, 100, "119,00 EUR"),
        ]
    )
    flat = extract_invoice(read(data), pdf_bytes=data).as_flat_dict()
    assert flat["invoice_number"] == "FX-2024-17"
    assert flat["total_amount"] == "119.00"
    assert flat["currency"] == "EUR"


def test_chinese_party_blocks_give_each_address_and_the_sellers_account():
    rows = [
        *CLASSIC_VAT,
        (50, 128, "地址、电话: 武汉市洪山区珞喻路1号 027-87654321"),
        (50, 141, "开户行及账号: 招商银行武汉分行 127905123410001"),
        (50, 270, "地址、电话: 湖北省鄂州市梧桐湖新区 0711-3332211"),
        (50, 285, "开户行及账号: 中国工商银行鄂州分行 1807 0201 0920 0051 234"),
    ]
    result = extract_invoice(
        read(make_pdf(rows, font="STSong-Light")), spec=load_default_spec("cn_vat_invoice")
    )
    flat = result.as_flat_dict()
    assert flat["buyer_address"] == "武汉市洪山区珞喻路1号"
    assert flat["seller_address"] == "湖北省鄂州市梧桐湖新区"
    assert flat["bank_account"] == "1807020109200051234"  # the seller's, not the buyer's
    assert (flat["seller"], flat["buyer_tax_id"]) == (
        "湖北某某高速公路有限公司",
        "914201007483062457",
    )
    assert result.fields["bank_account"].box is not None
