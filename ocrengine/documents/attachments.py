"""Files embedded in a PDF (its EmbeddedFiles name tree): listed without decoding any of them,
then one of them read, a chunk at a time, up to a byte limit.

Read with pdfminer's object parser rather than PDFium: PDFium inflates an attachment whole
(twice, in pypdfium2's get_data) before saying how big it is, and needs the PDFium lock.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from ocrengine.documents.errors import ContentTooLarge, CorruptFile
from ocrengine.documents.pdf_filters import DECODERS, FILTER_NAMES, Undecodable, chunks_of

logger = logging.getLogger("ocrengine.documents")

# A name tree is walked at most this far: a hostile file may nest or loop it.
MAX_TREE_NODES = 1000
MAX_TREE_DEPTH = 32


@dataclass(frozen=True)
class EmbeddedFile:
    name: str
    # The uncompressed size the file's /Params claim (None when absent); not trusted.
    declared_size: int | None
    stream: Any  # pdfminer's PDFStream, still encoded


def pdf_embedded_files(data: bytes) -> list[EmbeddedFile]:
    """The PDF's embedded files in name-tree order; [] when it has none or cannot be parsed."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        names = resolve1(document.catalog.get("Names"))
        tree = resolve1(names.get("EmbeddedFiles")) if isinstance(names, dict) else None
        return _walk(tree) if isinstance(tree, dict) else []
    except Exception:  # pdfminer raises anything on broken files: no structured data then
        logger.info("the PDF's embedded files cannot be listed")
        return []


def _walk(root: dict) -> list[EmbeddedFile]:
    from pdfminer.pdftypes import resolve1

    files: list[EmbeddedFile] = []
    pending, seen = [(root, 0)], 0
    while pending and seen < MAX_TREE_NODES:
        node, depth = pending.pop()
        seen += 1
        entries = resolve1(node.get("Names"))
        if isinstance(entries, list):
            for key, value in zip(entries[::2], entries[1::2], strict=False):
                found = _embedded_file(key, resolve1(value))
                if found is not None:
                    files.append(found)
        kids = resolve1(node.get("Kids"))
        if isinstance(kids, list) and depth < MAX_TREE_DEPTH:
            children = [resolve1(kid) for kid in kids[:MAX_TREE_NODES]]
            pending.extend((kid, depth + 1) for kid in reversed(children) if isinstance(kid, dict))
    return files


def _embedded_file(key: Any, spec: Any) -> EmbeddedFile | None:
    from pdfminer.pdftypes import PDFStream, resolve1

    if not isinstance(spec, dict):
        return None
    streams = resolve1(spec.get("EF"))
    if not isinstance(streams, dict):
        return None
    stream = resolve1(streams.get("UF") or streams.get("F"))
    if not isinstance(stream, PDFStream):
        return None
    params = resolve1(stream.get("Params"))
    size = resolve1(params.get("Size")) if isinstance(params, dict) else None
    name = _text(resolve1(spec.get("UF"))) or _text(resolve1(spec.get("F"))) or _text(key)
    return EmbeddedFile(
        name=name, declared_size=size if isinstance(size, int) else None, stream=stream
    )


def _text(value: Any) -> str:
    from pdfminer.utils import decode_text

    if isinstance(value, bytes):
        return decode_text(value)
    return value if isinstance(value, str) else ""


def embedded_file_read(file: EmbeddedFile, max_bytes: int) -> bytes:
    """The file's bytes, decoded. ContentTooLarge when it declares or decodes to more than
    `max_bytes` (decoding stops there); CorruptFile when it cannot be decoded."""
    if file.declared_size is not None and file.declared_size > max_bytes:
        raise _too_large(file, max_bytes)
    stream = file.stream
    raw = stream.rawdata or b""
    if stream.decipher:
        raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
    chunks = chunks_of(raw)
    for literal, params in stream.get_filters():
        name = getattr(literal, "name", "")
        decoder = DECODERS.get(FILTER_NAMES.get(name.encode() if isinstance(name, str) else name))
        if decoder is None or (isinstance(params, dict) and params.get("Predictor", 1) != 1):
            raise CorruptFile(f"the embedded file {file.name!r} uses a filter not read here")
        chunks = decoder(chunks)
    out = bytearray()
    try:
        for chunk in chunks:
            out += chunk
            if len(out) > max_bytes:
                raise _too_large(file, max_bytes)
    except Undecodable:
        raise CorruptFile(f"the embedded file {file.name!r} is damaged") from None
    return bytes(out)


def _too_large(file: EmbeddedFile, max_bytes: int) -> ContentTooLarge:
    return ContentTooLarge(
        f"the embedded file {file.name!r} is larger than the {max_bytes:,}-byte limit",
        limit=max_bytes,
    )
