"""Invoices in several languages, drawn by reportlab with a real text layer: rows of
(text, x) placed on the page the way issuers lay them out (party blocks side by side, totals
to the right). Latin scripts use DejaVu Sans (Polish and Czech letters are beyond Vera);
Japanese uses reportlab's built-in CID font."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import cv2
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

Row = list[tuple[str, float]]
# opencv ships DejaVu Sans with its wheels; Debian images have it too.
_DEJAVU = (
    Path(cv2.__file__).parent / "qt" / "fonts" / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
JAPANESE_FONT = "HeiseiKakuGo-W5"


@cache
def latin_font() -> str:
    path = next(path for path in _DEJAVU if path.exists())
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
    return "DejaVuSans"


@cache
def japanese_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))
    return JAPANESE_FONT


def invoice_pdf(pages: list[list[Row]], *, japanese: bool = False, size: float = 10) -> bytes:
    """One PDF page per item of `pages`; each row 16 pt below the previous one."""
    font = japanese_font() if japanese else latin_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for rows in pages:
        y = 800.0
        for row in rows:
            for text, x in row:
                pdf.setFont(font, size)
                pdf.drawString(x, y, text)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


POLISH = [
    [("Nordpol Sp. z o.o.", 40)],
    [("Faktura VAT nr FV/2024/03/117", 40), ("Data wystawienia: 15.03.2024", 360)],
    [("Termin płatności: 14 dni", 360)],
    [("Sprzedawca", 40), ("Nabywca", 320)],
    [("Nordpol Sp. z o.o.", 40), ("Kowalski Handel S.A.", 320)],
    [("ul. Długa 5", 40), ("ul. Krótka 7", 320)],
    [("00-001 Warszawa", 40), ("30-002 Kraków", 320)],
    [("NIP: 526-104-08-28", 40), ("NIP: 677-002-54-18", 320)],
    [],
    [("Numer zamówienia: ZAM-2024/55", 40)],
    [("Okres rozliczeniowy: 01.03.2024 - 31.03.2024", 40)],
    [],
    [("Nazwa", 40), ("Ilość", 260), ("Cena netto", 320), ("Wartość netto", 420)],
    [("Usługi doradcze", 40), ("10", 260), ("80,00", 320), ("800,00", 420)],
    [("Szkolenie", 40), ("1", 260), ("200,00", 320), ("200,00", 420)],
    [],
    [("Stawka VAT", 40), ("Netto", 260), ("VAT", 340), ("Brutto", 420)],
    [("23%", 40), ("1 000,00", 260), ("230,00", 340), ("1 230,00", 420)],
    [("Razem netto", 300), ("1 000,00 zł", 420)],
    [("Kwota VAT", 300), ("230,00 zł", 420)],
    [("Do zapłaty", 300), ("1 230,00 zł", 420)],
    [],
    [("Nr konta: 61 1090 1014 0000 0712 1981 2874", 40)],
    [("BIC: WBKPPLPP", 40)],
]

JAPANESE = [
    [("請求書", 260)],
    [("株式会社山田商事 御中", 40), ("請求書番号: 2024-INV-0042/A", 340)],
    [("発行日: 2024年3月15日", 340)],
    [("お支払期限: 2024年4月30日", 340)],
    [("販売者", 340)],
    [("株式会社東京テック", 340)],
    [("東京都千代田区丸の内1-1-1", 340)],
    [("登録番号: T7000012050002", 340)],
    [],
    [("10%対象", 40), ("10,000円", 200), ("消費税", 300), ("1,000円", 400)],
    [("小計", 300), ("10,000円", 400)],
    [("消費税", 300), ("1,000円", 400)],
    [("合計", 300), ("11,000円", 400)],
]


def invoice_png(rows: list[Row], *, scale: float = 2.0, angle: float = 0.0) -> bytes:
    """The rows rendered as a scan (no text layer): `scale` pixels per point of the PDF
    layout, optionally turned by `angle` degrees as a sheet fed askew."""
    font = ImageFont.truetype(str(next(path for path in _DEJAVU if path.exists())), int(12 * scale))
    image = Image.new("RGB", (int(600 * scale), int((60 + 25 * len(rows)) * scale)), "white")
    draw = ImageDraw.Draw(image)
    for number, row in enumerate(rows):
        for text, x in row:
            draw.text((x * scale, (30 + 25 * number) * scale), text, fill="black", font=font)
    if angle:
        image = image.rotate(angle, expand=True, fillcolor="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


FRENCH_SCAN = [
    [("Atelier Lumière SARL", 30)],
    [("12 rue des Lilas, 75011 Paris", 30)],
    [("FACTURE", 250)],
    [("Facture N° : F-2024/0117", 30), ("Date : 15/03/2024", 350)],
    [("Client", 30)],
    [("Boulangerie Martin SAS", 30)],
    [("8 avenue Foch, 69006 Lyon", 30)],
    [("Désignation", 30), ("Qté", 280), ("Prix HT", 350), ("Montant HT", 450)],
    [("Conseil", 30), ("2", 280), ("250,00", 350), ("500,00", 450)],
    [("Total HT", 350), ("500,00", 450)],
    [("TVA 20%", 350), ("100,00", 450)],
    [("Total TTC", 350), ("600,00", 450)],
    [("Conditions de paiement : 30 jours fin de mois", 30)],
    [("IBAN : FR76 3000 6000 0112 3456 7890 189", 30)],
    [("N° TVA : FR40303265045", 30)],
]
