"""The document reader: text layer first, OCR only where needed, typed errors for bad input."""

from __future__ import annotations

import base64
import io
import os
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
import reportlab
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import pdfencrypt
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from ocrengine.documents import (
    ContentTooLarge,
    DocumentError,
    PasswordIncorrect,
    PasswordRequired,
    detect_mime,
    has_usable_text,
    page_count,
    pdf_filters,
    read_document,
    recognize_page,
    render_page_png,
    sniff,
    upright_rgb,
)
from ocrengine.documents.pdf_guard import pdf_content_check
from ocrengine.engines.base import OcrLine, OcrResult
from ocrengine.engines.rapidocr_engine import RapidOcrEngine
from ocrengine.extraction.xml_einvoice import embedded_invoice_xml, read_einvoice
from tests.security import hostile_files as hostile

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
INVOICE_LINES = ("Invoice No: INV-2024-0042", "Total due: 1,234.56 EUR")


class CountingEngine:
    """A real engine behind a counter, to prove which pages were OCR'd."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.name = engine.name
        self.calls = 0

    @property
    def version(self) -> str:
        return self.engine.version

    def available(self) -> bool:
        return True

    def recognize(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        return self.engine.recognize(image)


class SizeEngine:
    """Reports each image's size as its only line: checks page plumbing without a model."""

    name = "size"
    version = "test"

    def available(self) -> bool:
        return True

    def recognize(self, image: Image.Image) -> OcrResult:
        line = OcrLine(f"{image.width}x{image.height}", (0, 0, image.width, image.height), 1.0)
        return OcrResult(line.text, [line], image.width, image.height)


@pytest.fixture(scope="module")
def rapidocr() -> RapidOcrEngine:
    engine = RapidOcrEngine()
    engine.warm_up()
    return engine


def text_image(lines=INVOICE_LINES, size: int = 40, width: int = 1100) -> Image.Image:
    font = ImageFont.truetype(str(VERA), size)
    image = Image.new("RGB", (width, 60 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((30, 30 + index * size * 2), line, fill="black", font=font)
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def pdf_bytes(pages: list[str | Image.Image], encrypt=None) -> bytes:
    """A PDF whose pages are typed text (str) or a scan (an image at 200 dpi)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), encrypt=encrypt)
    for page in pages:
        if isinstance(page, str):
            pdf.setFont("Helvetica", 12)
            for index, line in enumerate(page.splitlines()):
                pdf.drawString(72, 770 - index * 18, line)
        else:
            width, height = page.width * 72 / 200, page.height * 72 / 200
            pdf.drawImage(ImageReader(page), 40, 842 - 60 - height, width, height)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


TEXT_PAGE = "ACME GmbH\nInvoice No: INV-2024-0042\nDate: 2024-05-12\nTotal due: 1,234.56 EUR"


def huge_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG declaring width x height, built row by row (~100 KB, no big buffers)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    body = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000))
    body += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def error_code(data: bytes, **options) -> tuple[str, dict]:
    with pytest.raises(DocumentError) as caught:
        read_document(data, engine=SizeEngine(), **options)
    return caught.value.code, caught.value.details


# --- type detection ---------------------------------------------------------------------------


def test_detect_mime_trusts_magic_bytes_only():
    image = Image.new("RGB", (8, 8), "white")
    assert detect_mime(pdf_bytes([TEXT_PAGE])) == "application/pdf"
    assert detect_mime(encoded(image, "PNG")) == "image/png"
    assert detect_mime(encoded(image, "JPEG")) == "image/jpeg"
    assert detect_mime(encoded(image, "TIFF")) == "image/tiff"
    assert detect_mime(encoded(image, "WEBP")) == "image/webp"
    assert detect_mime(encoded(image, "GIF")) is None
    assert detect_mime(b"PK\x03\x04 spreadsheet.xlsx") is None
    assert detect_mime(b"") is None


@pytest.mark.parametrize(
    ("data", "filename", "sniffed", "statement_format"),
    [
        (b"junk from a mail gateway\n%PDF-1.7\n", "", "application/pdf", "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "scan.pdf", "image/png", "csv"),  # refused as not text
        (b"\xef\xbb\xbfPK\x03\x04 workbook", "", "application/zip", "xlsx"),
        (b"OFXHEADER:100\nDATA:OFXSGML", "", "application/x-ofx", "ofx"),
        (b'<?xml version="1.0"?><OFX></OFX>', "", "application/x-ofx", "ofx"),
        # XML that is not OFX: sniffed as XML (an e-invoice, a CAMT statement or neither)
        (b'<?xml version="1.0"?><rows/>', "export.ofx", "application/xml", "csv"),
        (b"NEWFILEUID:NONE\n<STMTTRN>", "download.QFX", "application/x-ofx", "ofx"),
        (b"date,description,amount\n", "statement.csv", None, "csv"),
    ],
)
def test_one_sniffer_for_documents_and_statements(data, filename, sniffed, statement_format):
    from billing.parsers.detect import sniff_format

    assert sniff(data, filename) == sniffed
    assert sniff_format(data, filename) == statement_format


def test_statement_pdfs_raise_the_document_readers_password_errors():
    from billing.parsers import parse_statement

    locked = pdf_bytes([TEXT_PAGE], encrypt="s3cret")
    with pytest.raises(PasswordRequired) as missing:
        parse_statement(locked, filename="s.pdf", templates=[])
    with pytest.raises(PasswordIncorrect) as wrong:
        parse_statement(locked, filename="s.pdf", templates=[], password="nope")
    assert (missing.value.code, missing.value.details) == (
        "encrypted",
        {"reason": "password_required"},
    )
    assert wrong.value.details == {"reason": "password_incorrect"}


# --- PDFs -----------------------------------------------------------------------------------


def test_text_pdf_uses_the_text_layer_without_ocr(rapidocr):
    engine = CountingEngine(rapidocr)

    document = read_document(pdf_bytes([TEXT_PAGE]), engine=engine)

    assert engine.calls == 0
    [page] = document.pages
    assert (page.number, page.source) == (1, "text_layer")
    assert "INV-2024-0042" in document.text and "1,234.56" in document.text
    assert page.width == 595 and page.height == 842  # boxes in PDF points


def test_scanned_pdf_is_rasterised_and_ocrd(rapidocr):
    engine = CountingEngine(rapidocr)

    document = read_document(pdf_bytes([text_image()]), engine=engine)

    assert engine.calls == 1
    [page] = document.pages
    assert (page.source, page.engine) == ("ocr", "rapidocr")
    assert "INV-2024-0042" in page.text and "1,234.56" in page.text
    assert page.width == pytest.approx(595 * 200 / 72, abs=2)  # pixels at 200 dpi
    assert document.mean_confidence > 0.8


def test_mixed_pdf_ocrs_only_the_scanned_page():
    engine = CountingEngine(SizeEngine())

    document = read_document(pdf_bytes([TEXT_PAGE, text_image(), TEXT_PAGE]), engine=engine)

    assert engine.calls == 1
    assert [page.source for page in document.pages] == ["text_layer", "ocr", "text_layer"]
    assert [page.number for page in document.pages] == [1, 2, 3]


def test_usable_text_rejects_crumbs_and_cid_garbage():
    assert has_usable_text(TEXT_PAGE)
    assert not has_usable_text("Page 1")
    assert not has_usable_text("(cid:12)(cid:34)(cid:56) " * 20 + "Total 12.00")
    assert not has_usable_text("\ue001\ue002\ue003" * 20)


def test_poster_sized_pdf_page_is_rendered_within_the_pixel_limit():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(14_400, 14_400))
    pdf.showPage()
    pdf.save()

    document = read_document(buffer.getvalue(), engine=SizeEngine(), max_image_pixels=4_000_000)

    width, height = (int(value) for value in document.pages[0].text.split("x"))
    assert width * height <= 4_000_000


# --- images ---------------------------------------------------------------------------------


def test_png_invoice_is_ocrd(rapidocr):
    document = read_document(encoded(text_image(), "PNG"), engine=rapidocr)

    [page] = document.pages
    assert page.source == "ocr" and "INV-2024-0042" in page.text


def test_multi_frame_tiff_is_one_page_per_frame():
    frames = [Image.new("RGB", (300, 200), "white"), Image.new("RGB", (200, 100), "white")]
    data = encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:])

    document = read_document(data, engine=SizeEngine())

    assert [page.text for page in document.pages] == ["300x200", "200x100"]
    assert page_count(data) == 2


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (300, 100), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = encoded(image, "JPEG", exif=exif)

    document = read_document(data, engine=SizeEngine())

    assert document.pages[0].text == "100x300"


def test_transparent_background_becomes_white_not_black():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert upright_rgb(image).getpixel((5, 5)) == (255, 255, 255)


def test_tall_images_are_read_in_tiles_without_duplicates():
    class LinesEverywhere(SizeEngine):
        """Reports a line every 100 px of whatever crop it is given."""

        def recognize(self, image):
            lines = [
                OcrLine(f"row {top}", (10, top + 40, 200, top + 60), 0.9)
                for top in range(0, image.height - 60, 100)
            ]
            return OcrResult("", lines, image.width, image.height)

    tall = Image.new("RGB", (400, 6000), "white")

    result = recognize_page(LinesEverywhere(), tall)

    tops = [line.box[1] for line in result.lines]
    assert len(tops) == len(set(tops))  # nothing read twice in the overlaps
    assert tops == sorted(tops) and tops[0] == 40 and tops[-1] > 5800


# --- hostile and broken input ---------------------------------------------------------------


def test_empty_random_and_wrong_magic_files():
    assert error_code(b"")[0] == "empty_file"
    assert error_code(os.urandom(4096).replace(b"%PDF", b"xxxx"))[0] == "unsupported_type"
    gif = encoded(Image.new("RGB", (8, 8)), "GIF")
    assert error_code(gif, mime="image/png")[0] == "unsupported_type"


def test_truncated_pdf_is_corrupt():
    data = pdf_bytes([TEXT_PAGE])
    assert error_code(data[:200])[0] == "corrupt_file"


def test_truncated_png_is_corrupt():
    data = encoded(text_image(), "PNG")
    assert error_code(data[: len(data) // 2])[0] == "corrupt_file"


def test_decompression_bomb_is_refused_before_decoding():
    data = huge_png()
    assert len(data) < 1_000_000
    assert error_code(data)[0] == "image_too_large"
    assert error_code(encoded(text_image(), "PNG"), max_image_pixels=1000)[0] == "image_too_large"


def test_encrypted_pdf_needs_the_right_password():
    secret = pdfencrypt.StandardEncryption("s3cret", ownerPassword="owner", strength=128)
    data = pdf_bytes([TEXT_PAGE], encrypt=secret)

    code, details = error_code(data)
    assert (code, details["reason"]) == ("encrypted", "password_required")
    code, details = error_code(data, password="wrong")
    assert (code, details["reason"]) == ("encrypted", "password_incorrect")
    document = read_document(data, password="s3cret", engine=SizeEngine())
    assert "INV-2024-0042" in document.text


def test_page_limit():
    data = pdf_bytes([TEXT_PAGE] * 3)
    code, details = error_code(data, max_pages=2)
    assert (code, details["pages"]) == ("too_many_pages", 3)


# --- viewer helpers -------------------------------------------------------------------------


def test_render_page_png_for_pdf_and_image_pages():
    pdf = pdf_bytes([TEXT_PAGE, TEXT_PAGE])
    png = render_page_png(pdf, 2, mime="application/pdf", dpi=72)
    assert Image.open(io.BytesIO(png)).size == (595, 842)

    image = encoded(Image.new("RGBA", (120, 80), (0, 0, 0, 0)), "PNG")
    rendered = Image.open(io.BytesIO(render_page_png(image, 1)))
    assert rendered.size == (120, 80) and rendered.mode == "RGB"

    with pytest.raises(DocumentError) as caught:
        render_page_png(pdf, 3)
    assert caught.value.code == "page_not_found"
    assert page_count(pdf, "application/pdf") == 2


# --- hostile PDFs: streams measured before any library inflates them (issue #13) ----------


def stream_pdf(raw: bytes, entries: bytes) -> bytes:
    """A text PDF whose page draws one more content stream: `raw` under `entries`."""
    builder = hostile.PdfBuilder()
    builder.extra_contents.append(builder.stream(raw, entries))
    return builder.build()


def meter(data: bytes, limit: int = 8 * hostile.MIB) -> int:
    return pdf_content_check(data, max_decoded_bytes=limit, max_image_pixels=50_000_000)


BOMB = 64 * hostile.MIB
FLATE_BOMB = hostile.zlib_zeros(BOMB)


@pytest.mark.parametrize(
    ("raw", "entries"),
    [
        (FLATE_BOMB, b"/Filter /FlateDecode"),
        (FLATE_BOMB, b"/Filter [/Fl]"),
        (FLATE_BOMB, b"/Filter /Fl#61teDecode"),  # a name written with # escapes
        (FLATE_BOMB, b"/Filter 99 0 R"),  # a filter this reader cannot see: zlib is sniffed
        (FLATE_BOMB, b"/Filter % /ASCIIHexDecode\n /FlateDecode"),  # a name in a comment
        (base64.a85encode(FLATE_BOMB) + b"~>", b"/Filter [/ASCII85Decode /FlateDecode]"),
        (FLATE_BOMB.hex().encode() + b">", b"/Filter [/AHx /Fl]"),
        (b"\x81\x00" * (BOMB // 128), b"/Filter /RunLengthDecode"),  # 128 zeros per 2 bytes
    ],
    ids=["flate", "abbreviated", "escaped", "indirect", "commented", "a85", "hex", "runlength"],
)
def test_stream_bombs_are_refused_without_being_inflated(raw, entries):
    data = stream_pdf(raw, entries)
    tracemalloc.start()
    try:
        with pytest.raises(ContentTooLarge) as caught:
            meter(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.details == {"limit": 8 * hostile.MIB}
    assert peak < 4 * hostile.MIB  # a few chunks, never the 64 MiB stream


def test_a_short_lying_length_does_not_hide_the_rest_of_the_stream():
    data = stream_pdf(FLATE_BOMB, b"/Filter /FlateDecode").replace(
        b"/Length %d" % len(FLATE_BOMB), b"/Length 10", 1
    )
    with pytest.raises(ContentTooLarge):
        meter(data)


def test_ordinary_pdfs_pass_the_meter_and_read_as_before():
    data = pdf_bytes([TEXT_PAGE, TEXT_PAGE])
    assert 0 < meter(data) < 100_000
    assert "INV-2024-0042" in read_document(data, engine=SizeEngine()).text
    small = stream_pdf(zlib.compress(b"BT /F1 9 Tf 40 400 Td (Ordinary) Tj ET"), b"/Filter /Fl")
    assert "Ordinary" in read_document(small, engine=SizeEngine()).text


def test_the_reader_page_viewer_and_page_count_all_meter_with_the_setting(settings):
    settings.PDF_MAX_DECODED_BYTES = 8 * hostile.MIB
    data = hostile.pdf_stream_bomb(BOMB)
    for call in (
        lambda: read_document(data, engine=SizeEngine()),
        lambda: render_page_png(data, 1),
        lambda: page_count(data),
    ):
        with pytest.raises(ContentTooLarge):
            call()


def test_encrypted_pdf_is_metered_after_decryption():
    data = hostile.encrypted_pdf_bomb(16 * hostile.MIB, password="s3cret-pw")
    assert meter(data) < hostile.MIB  # ciphertext: the raw bytes hide the bomb
    code, _details = error_code(data, password="s3cret-pw", max_decoded_bytes=4 * hostile.MIB)
    assert code == "content_too_large"


def test_image_xobject_declaring_too_many_pixels_is_refused():
    code, details = error_code(hostile.pdf_huge_image())
    assert (code, details) == ("image_too_large", {"width": 100_000, "height": 100_000})


def test_characters_per_page_are_counted_before_the_text_layer_is_read():
    data = pdf_bytes([TEXT_PAGE, TEXT_PAGE * 4])
    code, details = error_code(data, max_chars_per_page=150)
    assert code == "too_many_characters"
    assert details["page"] == 2 and details["characters"] > 150 and details["limit"] == 150
    assert read_document(data, engine=SizeEngine(), max_chars_per_page=1000).pages


@pytest.mark.parametrize("in_form", [False, True], ids=["on-the-page", "inside-a-form"])
def test_objects_per_page_are_counted_by_pdfium_before_the_text_layer(in_form):
    """300,000 strokes in 8 KB: PDFium counts them (a form's contents included) and the page
    is refused before pdfminer builds an object per stroke."""
    data = hostile.pdf_path_bomb(300_000, in_form=in_form)
    assert len(data) < 20_000
    tracemalloc.start()
    try:
        code, details = error_code(data, max_objects_per_page=20_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (code, details) == ("too_many_objects", {"page": 1, "limit": 20_000})
    assert peak < 8 * hostile.MIB  # pdfminer would hold ~900 MB of objects
    assert read_document(hostile.pdf_path_bomb(50, in_form=in_form), engine=SizeEngine()).pages


@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
def test_chunked_decoders_match_pdfminer_across_chunk_boundaries(size):
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import lzwdecode
    from pdfminer.runlength import rldecode

    payload = bytes(range(256)) * 40 + bytes(3000) + b"tail"
    a85 = base64.a85encode(payload).replace(b"!!!!!", b"z") + b"~>"
    hexed = payload.hex().encode() + b">"
    runs = b"\x05abcdef\xfbx\x00q" * 50 + b"\x80"
    lzw = bytes.fromhex("800b6050220c0c8501")  # the PDF reference's example
    for decoder, data, expected in (
        (pdf_filters.inflate, zlib.compress(payload), payload),
        (pdf_filters.ascii85, a85, ascii85decode(a85)),
        (pdf_filters.ascii_hex, hexed, asciihexdecode(hexed)),
        (pdf_filters.run_length, runs, rldecode(runs)),
        (pdf_filters.lzw, lzw, lzwdecode(lzw)),
    ):
        assert b"".join(decoder(pdf_filters.chunks_of(data, size))) == expected


# --- embedded e-invoice XML --------------------------------------------------------------


CII_XML = (
    b'<?xml version="1.0"?><rsm:CrossIndustryInvoice '
    b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
    b"<rsm:ExchangedDocument><ram:ID>XML-77</ram:ID></rsm:ExchangedDocument>"
    b"</rsm:CrossIndustryInvoice>"
)


def test_only_the_chosen_attachment_is_decoded():
    """The standard's name wins; a bomb attached first under another .xml name is never
    touched, and the chosen one is read no further than the limit."""
    builder = hostile.PdfBuilder()
    specs = []
    for name, raw in (("a-decoy.xml", FLATE_BOMB), ("factur-x.xml", zlib.compress(CII_XML))):
        embedded = builder.stream(raw, b"/Type /EmbeddedFile /Filter /FlateDecode")
        spec = builder.add(b"<< /Type /Filespec /F (%s) /EF << /F %d 0 R >> >>" % (
            name.encode(), embedded))  # fmt: skip
        specs.append(b"(%s) %d 0 R" % (name.encode(), spec))
    data = builder.build(b"/Names << /EmbeddedFiles << /Names [%s] >> >>" % b" ".join(specs))
    tracemalloc.start()
    try:
        assert embedded_invoice_xml(data, max_bytes=hostile.MIB) == CII_XML
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * hostile.MIB
    fields, _lines = read_einvoice(data)
    assert fields["invoice_number"] == "XML-77"


def test_attachment_declaring_more_than_the_limit_is_not_decoded_at_all():
    data = hostile.pdf_attachment_bomb(4 * hostile.MIB, declared=4 * hostile.MIB)
    assert embedded_invoice_xml(data, max_bytes=hostile.MIB) is None
    assert embedded_invoice_xml(data, max_bytes=8 * hostile.MIB) == bytes(4 * hostile.MIB)


def test_attachment_xml_with_a_dtd_is_ignored():
    laughs = hostile.camt_billion_laughs()
    assert read_einvoice(hostile.pdf_with_attachment("factur-x.xml", laughs)) is None


def _pdf_of_gray_images(count: int, *, width: int, height: int, decoded: int) -> bytes:
    builder = hostile.PdfBuilder()
    for _ in range(count):
        builder.stream(
            zlib.compress(bytes(decoded)),
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode" % (width, height),
        )
    return builder.build()


def _meter_images(data: bytes, *, limit: int, images: int) -> int:
    return pdf_content_check(
        data, max_decoded_bytes=limit, max_image_pixels=50_000_000, max_image_decoded_bytes=images
    )


def test_a_lossless_scan_is_not_refused_for_the_total_of_its_page_images():
    # Six 1 MiB page images: six times the content budget, each what its size declares.
    data = _pdf_of_gray_images(6, width=1024, height=1024, decoded=1024 * 1024)
    assert _meter_images(data, limit=1024 * 1024, images=8 * 1024 * 1024) < 1024 * 1024


def test_page_images_together_stay_within_their_own_budget():
    data = _pdf_of_gray_images(6, width=1024, height=1024, decoded=1024 * 1024)
    with pytest.raises(ContentTooLarge):
        _meter_images(data, limit=64 * 1024 * 1024, images=3 * 1024 * 1024)


def test_an_image_that_inflates_beyond_its_declared_size_is_refused():
    data = _pdf_of_gray_images(1, width=10, height=10, decoded=4 * 1024 * 1024)
    with pytest.raises(ContentTooLarge):
        meter(data, limit=64 * 1024 * 1024)
