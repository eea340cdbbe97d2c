"""Structured e-invoice files: a standalone XML (UBL, CII, 数电) and an OFD archive, read
safely and without rendering.

XML is parsed with defusedxml, which refuses a DTD, entity declarations and external
references before anything expands (billion laughs, XXE): no e-invoice standard uses them.
Its size is bounded by EINVOICE_MAX_XML_BYTES before parsing. An OFD (GB/T 33190) is a ZIP
archive: only its central directory is trusted for names, each member is inflated a chunk at
a time up to the same limit, and only the structured data is read (an embedded invoice XML, the
OFD.xml CustomData, the invoice tags under Doc_0/Tags), never the page rendering.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from ocrengine.documents.errors import ContentTooLarge, CorruptFile, UnsafeXml
from ocrengine.documents.limits import limit
from ocrengine.documents.mime import INVOICE_XML_KINDS, OFD, OFD_MAX_MEMBERS, xml_kind
from ocrengine.engines.base import DocumentText, OcrLine, PageText

STRUCTURED_SOURCE = "xml"  # PageText.source and engine of a page read from structured data
# A rendition line per leaf element, bounded: the text is for search and people, the values
# come from the elements themselves.
MAX_RENDITION_LINES = 5000
MAX_RENDITION_CHARS = 500
# An OFD's pages searched for the text objects its invoice tags point at.
MAX_OFD_PAGES = 20
_CHUNK = 64 * 1024


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_parse(data: bytes, *, max_bytes: int | None = None) -> ET.Element:
    """The XML's root element. ContentTooLarge past `max_bytes` (EINVOICE_MAX_XML_BYTES when
    left out), UnsafeXml for a DTD, entities or external references, CorruptFile when it is
    not well-formed."""
    cap = limit("EINVOICE_MAX_XML_BYTES", max_bytes)
    if len(data) > cap:
        raise ContentTooLarge(
            f"the XML is {len(data):,} bytes; the limit is {cap:,}", limit=cap, size=len(data)
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _unsafe()
    try:
        return defused_fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise _unsafe() from None
    except (ET.ParseError, ValueError):
        raise CorruptFile("the XML is not well-formed") from None


def _unsafe() -> UnsafeXml:
    return UnsafeXml(
        "the XML declares a DTD or entities, which no e-invoice standard uses (they are how "
        "XML bombs and external-entity reads work); it was not read"
    )


# --- OFD ------------------------------------------------------------------------------------


class OfdArchive:
    """An OFD's members, read by name up to a byte limit each."""

    def __init__(self, data: bytes, *, max_bytes: int | None = None) -> None:
        self.max_bytes = limit("EINVOICE_MAX_XML_BYTES", max_bytes)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise CorruptFile("the OFD archive is damaged") from None
        if len(self._zip.filelist) > OFD_MAX_MEMBERS:
            raise CorruptFile(f"the OFD archive has more than {OFD_MAX_MEMBERS} members")
        self._names = {info.filename.lstrip("/"): info for info in self._zip.filelist}

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def find(self, name: str) -> str | None:
        """The member called `name` (a path inside the archive), matched case-insensitively."""
        wanted = posixpath.normpath(name.lstrip("/")).lower()
        return next((n for n in self._names if n.lower() == wanted), None)

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes:
        cap = self.max_bytes if max_bytes is None else max_bytes
        info = self._names[name]
        if info.file_size > cap:
            raise ContentTooLarge(
                f"the OFD member {name!r} is larger than the {cap:,}-byte limit", limit=cap
            )
        out = bytearray()
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    out += chunk
                    if len(out) > cap:  # the declared size lied
                        raise ContentTooLarge(
                            f"the OFD member {name!r} is larger than the {cap:,}-byte limit",
                            limit=cap,
                        )
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
            raise CorruptFile(f"the OFD member {name!r} cannot be read") from None
        return bytes(out)

    def head(self, name: str, size: int = 4096) -> bytes:
        try:
            with self._zip.open(self._names[name]) as member:
                return member.read(size)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
            return b""

    def xml(self, name: str) -> ET.Element:
        return xml_parse(self.read(name), max_bytes=self.max_bytes)


_LAYOUT_FILES = re.compile(
    r"(^|/)(ofd|document|content|publicres|documentres|signatures?|annotations?|"
    r"customtags?|annotation|res)\.xml$",
    re.IGNORECASE,
)


def ofd_invoice_xml(ofd: OfdArchive) -> bytes | None:
    """The invoice XML an OFD carries as an attachment (数电 EInvoice, UBL or CII), if any."""
    for name in ofd.names:
        if not name.lower().endswith(".xml") or _LAYOUT_FILES.search(name):
            continue
        if xml_kind(ofd.head(name)) in INVOICE_XML_KINDS:
            return ofd.read(name)
    return None


def ofd_custom_data(ofd: OfdArchive) -> dict[str, str]:
    """The invoice's values an OFD states as data: OFD.xml's CustomData (Name → value) and the
    invoice tags (Doc_0/Tags: tag name → the text of the page objects it points at)."""
    values: dict[str, str] = {}
    root_name = ofd.find("OFD.xml")
    if root_name is None:
        raise CorruptFile("the OFD archive has no OFD.xml")
    root = ofd.xml(root_name)
    for element in root.iter():
        if local_name(element.tag) == "CustomData" and element.get("Name"):
            text = (element.text or "").strip()
            if text:
                values[element.get("Name").strip()] = text
    values.update(_ofd_tags(ofd, root))
    return values


def _ofd_tags(ofd: OfdArchive, root: ET.Element) -> dict[str, str]:
    tags: dict[str, str] = {}
    for doc_root in _texts(root, "DocRoot"):
        base = posixpath.dirname(doc_root.lstrip("/"))
        index_name = ofd.find(posixpath.join(base, "Tags", "CustomTags.xml"))
        if index_name is None:
            continue
        objects = None
        for file_loc in _texts(ofd.xml(index_name), "FileLoc"):
            tag_name = ofd.find(posixpath.join(posixpath.dirname(index_name), file_loc))
            if tag_name is None:
                continue
            if objects is None:
                objects = _page_text_objects(ofd, base)
            for element in ofd.xml(tag_name).iter():
                refs = [c for c in element if local_name(c.tag) == "ObjectRef"]
                if refs:
                    text = "".join(objects.get((c.text or "").strip(), "") for c in refs)
                    if text.strip():
                        tags[local_name(element.tag)] = text.strip()
    return tags


def _page_text_objects(ofd: OfdArchive, base: str) -> dict[str, str]:
    """Text object id → its text, over the document's first pages (and templates)."""
    objects: dict[str, str] = {}
    prefix = (base + "/").lower() if base else ""
    contents = [
        n for n in ofd.names if n.lower().startswith(prefix) and n.lower().endswith("content.xml")
    ]
    for name in sorted(contents)[:MAX_OFD_PAGES]:
        for element in ofd.xml(name).iter():
            if local_name(element.tag) == "TextObject" and element.get("ID"):
                codes = [c.text or "" for c in element if local_name(c.tag) == "TextCode"]
                objects[element.get("ID")] = "".join(codes)
    return objects


def _texts(root: ET.Element, name: str) -> list[str]:
    return [
        (e.text or "").strip()
        for e in root.iter()
        if local_name(e.tag) == name and (e.text or "").strip()
    ]


# --- as a document ------------------------------------------------------------------------


def xml_rendition(root: ET.Element) -> list[str]:
    """One "Element: value" line per leaf element with text (attributes left out)."""
    lines = []
    for element in root.iter():
        if len(element) or not (element.text or "").strip():
            continue
        text = " ".join(element.text.split())[:MAX_RENDITION_CHARS]
        lines.append(f"{local_name(element.tag)}: {text}")
        if len(lines) >= MAX_RENDITION_LINES:
            break
    return lines


def einvoice_document(data: bytes, mime: str) -> DocumentText:
    """An XML or OFD e-invoice as a one-page document whose text renders its structured data
    (source "xml"). Raises the DocumentError the file deserves (unsafe, too large, damaged,
    an OFD without invoice data)."""
    if mime == OFD:
        ofd = OfdArchive(data)
        embedded = ofd_invoice_xml(ofd)
        if embedded is not None:
            lines = xml_rendition(xml_parse(embedded))
        else:
            values = ofd_custom_data(ofd)
            if not values:
                raise CorruptFile(
                    "the OFD file holds no invoice data (no invoice XML, custom data or tags)"
                )
            lines = [f"{name}: {value}"[:MAX_RENDITION_CHARS] for name, value in values.items()]
    else:
        lines = xml_rendition(xml_parse(data))
    return _document(lines[:MAX_RENDITION_LINES])


def _document(lines: list[str]) -> DocumentText:
    height = 14.0
    ocr_lines = [
        OcrLine(text=line, box=(0.0, index * height, 600.0, index * height + 12), confidence=1.0)
        for index, line in enumerate(lines)
    ]
    page = PageText(
        number=1,
        text="\n".join(lines),
        lines=ocr_lines,
        width=600.0,
        height=max(len(lines), 1) * height,
        source=STRUCTURED_SOURCE,  # type: ignore[arg-type]
        engine=STRUCTURED_SOURCE,
    )
    return DocumentText(pages=[page])
