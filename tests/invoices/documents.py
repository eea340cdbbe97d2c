"""Real invoice files made by the tests: a text-layer PDF, a rendered PNG, hostile inputs."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"

INVOICE_LINES = (
    "Nordwind Supplies GmbH",
    "Hafenstrasse 12, 20457 Hamburg",
    "VAT ID: DE811907980",
    "",
    "INVOICE",
    "Invoice Number: INV-2024-0042",
    "Invoice Date: 2024-03-15",
    "Due Date: 2024-04-14",
    "",
    "Bill To: Globex Corporation",
    "",
    "Description            Qty    Unit Price    Amount",
    "Oak desk               2      50.00         100.00",
    "Desk lamp              1      100.00        100.00",
    "",
    "Subtotal: 200.00",
    "VAT 19%: 38.00",
    "Total: EUR 238.00",
)


def invoice_pdf(
    lines: tuple[str, ...] = INVOICE_LINES, *, pages: int = 1, password: str = ""
) -> bytes:
    """A PDF with a real text layer (reportlab), optionally encrypted."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=password or None)
    for page in range(pages):
        y = 800
        for line in lines:
            pdf.setFont("Helvetica", 11)
            pdf.drawString(60, y, line)
            y -= 18
        pdf.drawString(60, 40, f"Page {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def invoice_png(lines: tuple[str, ...] = INVOICE_LINES, *, fmt: str = "PNG") -> bytes:
    """The invoice rendered as an image (a phone photo or a scan, without the noise)."""
    font = ImageFont.truetype(str(VERA), 26)
    image = Image.new("RGB", (1100, 80 + 40 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((50, 40 + 40 * index), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A PDF whose only page is an image of the invoice: no text layer, as from a scanner."""
    from reportlab.lib.utils import ImageReader

    picture = Image.open(io.BytesIO(invoice_png()))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width = A4[0] - 60
    pdf.drawImage(ImageReader(picture), 30, A4[1] - 30 - width * picture.height / picture.width,
                  width=width, height=width * picture.height / picture.width)  # fmt: skip
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def huge_png_header(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose IHDR claims width x height pixels, with one tiny IDAT: a decompression bomb's
    header, crafted without allocating the pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
