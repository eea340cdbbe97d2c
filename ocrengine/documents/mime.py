"""What a file is, decided by its magic bytes: the one sniffer for invoices, the analysis API and
statements. Declared types are never trusted; a file name only breaks the tie between text
formats (an OFX download saved as .qfx).

XML is told apart by its root element, read from the first bytes without parsing (a DTD is
never expanded here): UBL and CII invoices and Chinese 数电 invoices are documents; a CAMT bank
statement, or any other XML, is not. An OFD file (the Chinese fixed-layout format) is a ZIP
archive with an OFD.xml at its root."""

from __future__ import annotations

import io
import logging
import re
import sys
import zipfile

from ocrengine.documents.errors import EmptyFile, UnsupportedType

logger = logging.getLogger("ocrengine.documents")

PDF, PNG, JPEG, TIFF, WEBP = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/webp",
)
# Structured e-invoices: an XML file (UBL, CII, 数电) and an OFD file; read, never rendered.
XML, OFD = "application/xml", "application/ofd"
EINVOICE_MIME_TYPES = frozenset({XML, OFD})
SUPPORTED_MIME_TYPES = frozenset({PDF, PNG, JPEG, TIFF, WEBP}) | EINVOICE_MIME_TYPES
# Containers and text formats the statement readers take (an XLSX workbook is a ZIP archive).
ZIP, OFX = "application/zip", "application/x-ofx"
# XML kinds by root element (`xml_kind`).
UBL, CII, CN_EINVOICE, CAMT = "ubl", "cii", "cn_einvoice", "camt"
INVOICE_XML_KINDS = frozenset({UBL, CII, CN_EINVOICE})
# An OFD's central directory is read only this far: a real one has a few dozen members.
OFD_MAX_MEMBERS = 2000
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
UNLIMITED = sys.maxsize  # for page_count/render_page_png, which only look, never OCR


def sniff(data: bytes, filename: str = "") -> str | None:
    """The MIME type the content proves (PDF, PNG, JPEG, TIFF, WebP, ZIP, OFX, XML), or None.

    `filename` is only a tie-breaker for OFX, whose SGML form may start with anything."""
    magic = data[:16]
    if magic.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if magic.startswith(b"\xff\xd8\xff"):
        return JPEG
    if magic[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if magic.startswith(b"RIFF") and magic[8:12] == b"WEBP":
        return WEBP
    # PDF readers accept the header anywhere in the first KiB (mail gateways prepend junk).
    if b"%PDF-" in data[:1024]:
        return PDF
    head = data[:2048].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    upper = head.upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<OFX " in upper:
        return OFX
    if upper.startswith(b"<?XML"):
        return OFX if b"OFX" in upper else XML
    if filename.lower().endswith((".ofx", ".qfx")):
        return OFX
    if _root_tag(head) is not None:
        return XML
    return None


# The first element's start tag after the prolog (declaration, comments, PIs, a DOCTYPE).
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>|\s+)*", re.S)
_START_TAG = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)([^>]{0,4000})>", re.S)
_XMLNS = re.compile(rb"""xmlns(?::[\w.\-]+)?\s*=\s*["']([^"']*)["']""")


def _root_tag(head: bytes) -> tuple[str, list[str]] | None:
    """(local name, namespaces declared on it) of the root element, or None."""
    prolog = _PROLOG.match(head)
    match = _START_TAG.match(head, prolog.end() if prolog else 0)
    if match is None:
        return None
    names = [ns.decode("utf-8", "replace") for ns in _XMLNS.findall(match.group(3))]
    return match.group(2).decode("ascii"), names


def xml_kind(data: bytes) -> str | None:
    """What an XML file is by its root element: UBL (Invoice, CreditNote), CII
    (CrossIndustryInvoice, ZUGFeRD 1's CrossIndustryDocument), CN_EINVOICE (数电 EInvoice),
    CAMT (an ISO 20022 bank statement), "" for other XML; None when it is no XML at all.

    Read from the first 64 KiB, where a DTD's internal subset may push the root element."""
    root = _root_tag(data[:65536].lstrip(b"\xef\xbb\xbf"))
    if root is None:
        return None
    local, namespaces = root
    joined = " ".join(namespaces)
    if local in ("Invoice", "CreditNote") and "ubl:schema:xsd" in joined:
        return UBL
    if local in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return CII
    if local == "EInvoice":
        return CN_EINVOICE
    if "camt." in joined or (local == "Document" and "iso20022" in joined.replace(":", "")):
        return CAMT
    return ""


def is_ofd(data: bytes) -> bool:
    """A ZIP archive with OFD.xml at its root (GB/T 33190), its central directory bounded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.filelist) > OFD_MAX_MEMBERS:
                return False
            return any(info.filename.lower() == "ofd.xml" for info in archive.filelist)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def detect_mime(data: bytes) -> str | None:
    """The document type the content proves (PDF, an image, a UBL/CII/数电 XML or an OFD
    e-invoice), or None."""
    sniffed = sniff(data)
    if sniffed == ZIP:
        return OFD if is_ofd(data) else None
    if sniffed == XML:
        return XML if xml_kind(data) in INVOICE_XML_KINDS else None
    return sniffed if sniffed in SUPPORTED_MIME_TYPES else None


ACCEPTED_DESCRIPTION = (
    "a PDF, PNG, JPEG, TIFF or WebP file, or a UBL, CII (ZUGFeRD, Factur-X, XRechnung), "
    "数电 XML or OFD e-invoice"
)


def unsupported_reason(data: bytes) -> str:
    """What `data` is, when `detect_mime` found no document in it, in words for the uploader."""
    sniffed = sniff(data)
    if sniffed == XML and xml_kind(data) == CAMT:
        return "it is an ISO 20022 CAMT bank statement, not an invoice (upload it as a statement)"
    if sniffed == XML:
        return "it is XML of no invoice standard read here"
    if sniffed == ZIP:
        return "it is a ZIP archive, not an OFD invoice"
    return "its content is none of them"


def content_type(data: bytes, declared: str | None) -> str:
    if not data:
        raise EmptyFile("the file is empty")
    sniffed = detect_mime(data)
    if sniffed is None:
        raise UnsupportedType(
            f"the file must be {ACCEPTED_DESCRIPTION}; {unsupported_reason(data)}",
            declared=declared,
        )
    if declared and declared != sniffed:
        # The bytes decide: phones and mail clients mislabel files all the time.
        logger.info("declared type %s but content is %s", declared, sniffed)
    return sniffed
