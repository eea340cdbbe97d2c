"""Hostile files made in code (no binary fixtures): bombs, truncations and encryptions of every
format the uploads accept. Each builder is cheap: a bomb's compressed form is assembled from a
repeated deflate block, so a gigabyte bomb costs a megabyte and no gigabyte is ever allocated.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from reportlab.pdfgen import canvas

from tests.invoices import documents as invoice_documents

MIB = 1 << 20

# Enough text for the readers to call it a usable text layer.
INVOICE_TEXT = (
    "Nordwind Supplies GmbH",
    "INVOICE",
    "Invoice Number: INV-2024-0042",
    "Invoice Date: 2024-03-15",
    "Total: EUR 238.00",
)


def zlib_zeros(size: int) -> bytes:
    """A valid zlib stream that inflates to `size` zero bytes (a multiple of 1 MiB), built
    from one compressed MiB repeated: about 1 KB per MiB, without allocating `size` bytes."""
    assert size % MIB == 0 and size >= 2 * MIB
    compressor = zlib.compressobj(9)
    zeros = bytes(MIB)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    end = compressor.flush()
    # Adler-32 of n zero bytes: a stays 1, b grows by 1 per byte.
    adler = ((size % 65521) << 16) | 1
    return first + repeated * (size // MIB - 1) + end[:-4] + adler.to_bytes(4, "big")


class PdfBuilder:
    """A PDF written object by object, with a correct cross-reference table."""

    def __init__(self) -> None:
        self.objects: list[bytes] = []
        self.extra_contents: list[int] = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def reserve(self) -> int:
        return self.add(b"null")

    def put(self, number: int, body: bytes) -> None:
        self.objects[number - 1] = body

    def stream(self, raw: bytes, entries: bytes = b"") -> int:
        return self.add(
            b"<< /Length %d %s >>\nstream\n" % (len(raw), entries) + raw + b"\nendstream"
        )

    def text_page(
        self, pages: int, lines: tuple[str, ...] = INVOICE_TEXT, xobjects: bytes = b""
    ) -> tuple[int, list[int]]:
        """A /Pages tree of `pages` pages that each show `lines` in Helvetica, then draw the
        content streams listed in `self.extra_contents`."""
        font = self.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        content = (
            b"BT /F1 11 Tf 60 800 Td 14 TL "
            + b" ".join(b"(%s) '" % line.encode() for line in lines)
            + b" ET"
        )
        contents = b" ".join(
            b"%d 0 R" % number for number in [self.stream(content), *self.extra_contents]
        )
        tree = self.reserve()
        kids = [
            self.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> %s >> /Contents [%s] >>"
                % (tree, font, xobjects, contents)
            )
            for _ in range(pages)
        ]
        refs = b" ".join(b"%d 0 R" % kid for kid in kids)
        self.put(tree, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, pages))
        return tree, kids

    def build(self, catalog_entries: bytes = b"", pages: int = 1, xobjects: bytes = b"") -> bytes:
        tree, _ = self.text_page(pages, xobjects=xobjects)
        catalog = self.add(b"<< /Type /Catalog /Pages %d 0 R %s >>" % (tree, catalog_entries))
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(self.objects) + 1,
            catalog,
            xref,
        )
        return bytes(out)


def pdf_with_text(pages: int = 1) -> bytes:
    return PdfBuilder().build(pages=pages)


def pdf_stream_bomb(decoded: int) -> bytes:
    """A text PDF whose page's second content stream inflates to `decoded` zero bytes
    (whitespace to a PDF parser): any reader of the page expands it."""
    builder = PdfBuilder()
    builder.extra_contents.append(builder.stream(zlib_zeros(decoded), b"/Filter /FlateDecode"))
    return builder.build()


def pdf_path_bomb(operators: int, *, in_form: bool = False) -> bytes:
    """A text PDF whose page strokes `operators` one-point lines: a few KB that parsers turn
    into as many objects. `in_form`: drawn through a form XObject instead of the page."""
    builder = PdfBuilder()
    paths = zlib.compress(b"0 0 m 1 1 l S\n" * operators, 9)
    if not in_form:
        builder.extra_contents.append(builder.stream(paths, b"/Filter /FlateDecode"))
        return builder.build()
    form = builder.stream(
        paths, b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Filter /FlateDecode"
    )
    builder.extra_contents.append(builder.stream(b"/Fm1 Do"))
    return builder.build(xobjects=b"/XObject << /Fm1 %d 0 R >>" % form)


def pdf_attachment_bomb(decoded: int, *, declared: int | None = None, decoys: int = 0) -> bytes:
    """A text PDF with an e-invoice attachment (factur-x.xml) that inflates to `decoded`
    bytes; `declared` is the /Params /Size it claims (lying when smaller). `decoys` more
    .xml attachments, each a bomb too, which a reader that picks one must never touch."""
    builder = PdfBuilder()
    entries = []
    names = ["factur-x.xml"] + [f"decoy-{index}.xml" for index in range(decoys)]
    for name in names:
        params = b"/Params << /Size %d >>" % declared if declared is not None else b""
        embedded = builder.stream(
            zlib_zeros(decoded), b"/Type /EmbeddedFile /Filter /FlateDecode " + params
        )
        spec = builder.add(
            b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>"
            % (name.encode(), name.encode(), embedded)
        )
        entries.append(b"(%s) %d 0 R" % (name.encode(), spec))
    names_tree = b"/Names << /EmbeddedFiles << /Names [%s] >> >>" % b" ".join(sorted(entries))
    return builder.build(names_tree)


def pdf_with_attachment(name: str, xml: bytes) -> bytes:
    builder = PdfBuilder()
    embedded = builder.stream(zlib.compress(xml), b"/Type /EmbeddedFile /Filter /FlateDecode")
    spec = builder.add(
        b"<< /Type /Filespec /F (%s) /EF << /F %d 0 R >> >>" % (name.encode(), embedded)
    )
    return builder.build(
        b"/Names << /EmbeddedFiles << /Names [(%s) %d 0 R] >> >>" % (name.encode(), spec)
    )


def pdf_huge_image() -> bytes:
    """A PDF page showing an image XObject that declares 100,000 x 100,000 pixels."""
    builder = PdfBuilder()
    builder.stream(
        zlib.compress(bytes(64)),
        b"/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode",
    )
    return builder.build()


def many_page_pdf(pages: int) -> bytes:
    return PdfBuilder().build(pages=pages)


def encrypted_pdf(password: str = "s3cret-pw") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=password)
    for y, line in zip(range(800, 0, -16), INVOICE_TEXT, strict=False):
        pdf.drawString(60, y, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def truncated(data: bytes, keep: float = 0.4) -> bytes:
    return data[: max(int(len(data) * keep), 16)]


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares width x height pixels, with one tiny IDAT."""
    return invoice_documents.huge_png_header(width, height)


# --- XLSX --------------------------------------------------------------------------------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)  # fmt: skip
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)  # fmt: skip
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Statement" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b"</Relationships>"
)  # fmt: skip


def xlsx_sheet(rows_xml: bytes, dimension: str = "A1:C2") -> bytes:
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="%s"/><sheetData>%s</sheetData></worksheet>'
        % (dimension.encode(), rows_xml)
    )
    return _xlsx_zip({"xl/worksheets/sheet1.xml": sheet})


def _xlsx_zip(parts: dict[str, bytes], extra_members: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for name, data in parts.items():
            archive.writestr(name, data)
        for index in range(extra_members):
            archive.writestr(f"xl/media/padding{index}.bin", b"")
    return buffer.getvalue()


def _cells(row: int, values: tuple[str, ...]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
        % (bytes([65 + column]), row, value.encode())
        for column, value in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (row, cells)


def xlsx_huge_dimension() -> bytes:
    """1.5 KB that declares the whole grid (A1:XFD1048576) and holds two rows."""
    rows = _cells(1, ("Date", "Description", "Amount")) + _cells(2, ("2026-11-05", "X", "1.00"))
    return xlsx_sheet(rows, dimension="A1:XFD1048576")


def xlsx_far_cells() -> bytes:
    """Two real cells: A1 and one at the very last row and column (XFD1048576)."""
    rows = _cells(1, ("Date",)) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return xlsx_sheet(rows, dimension="A1")


def xlsx_sheet_bomb(decoded: int) -> bytes:
    """A sheet whose XML inflates to about `decoded` bytes (a long run of whitespace)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            archive.writestr(name, part)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            spaces = b" " * MIB
            for _ in range(decoded // MIB):
                sheet.write(spaces)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def xlsx_many_members(members: int) -> bytes:
    return _xlsx_zip(
        {"xl/worksheets/sheet1.xml": _sheet_xml(_cells(1, ("Date",)))}, extra_members=members
    )


def _sheet_xml(rows_xml: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>%s</sheetData></worksheet>" % rows_xml
    )


# --- OFX, CAMT, CSV ----------------------------------------------------------------------

OFX_HEAD = (
    b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\n\r\n"
    b"<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>MYR"
    b"<CCACCTFROM><ACCTID>4111111111110001</CCACCTFROM><BANKTRANLIST>"
)


def ofx_unclosed(tags: int, tag: bytes = b"STMTTRN") -> bytes:
    """An OFX header followed by `tags` opening tags that never close."""
    return OFX_HEAD + (b"<%s><TRNAMT>-1.00" % tag) * tags


def camt_billion_laughs() -> bytes:
    """An ISO 20022 camt.053 statement carrying an entity-expansion bomb."""
    entities = b'<!ENTITY a0 "laugh">' + b"".join(
        b'<!ENTITY a%d "%s">' % (level, (b"&a%d;" % (level - 1)) * 10) for level in range(1, 10)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE Document [' + entities + b"]>"
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        b'<Stmt><Ntry><Amt Ccy="EUR">&a9;</Amt></Ntry></Stmt></BkToCstmrStmt></Document>'
    )


def csv_many_rows(rows: int) -> bytes:
    return b"Date,Description,Amount\n" + b"\n" * rows


def xlsx_huge_dimension_rows(rows: int) -> bytes:
    """`rows` one-cell rows under a dimension that claims all 16,384 columns."""
    body = b"".join(_cells(row, ("x",)) for row in range(1, rows + 1))
    return xlsx_sheet(body, dimension="A1:XFD1048576")


def encrypted_pdf_bomb(decoded: int, password: str = "s3cret-pw") -> bytes:
    """An encrypted PDF whose page content inflates to about `decoded` bytes of spaces: its
    streams are ciphertext, so only a reader that meters the decrypted copy sees the bomb."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=password, pageCompression=1)
    pdf.drawString(60, 800, INVOICE_TEXT[0])
    pdf._code.append(" " * decoded)  # reportlab joins and deflates the page's operators
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
