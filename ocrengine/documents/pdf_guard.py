"""Limits checked on a PDF's raw bytes before PDFium or pdfminer parses it.

A few hundred kilobytes of PDF can hold streams that inflate to gigabytes, and both libraries
inflate a stream whole when they touch it. So every stream in the file is decoded here first,
a chunk at a time into nothing, counting the bytes it yields; past `max_decoded_bytes` (all
streams together) the document is refused before any library holds a byte of it. Streams are
found by their `stream` keyword: PDF never nests a stream in another (object streams hold no
streams), so every stream, object and cross-reference streams included, is at top level.
Image XObjects are checked against the pixel limit from their declared size, since renderers
allocate by it, and each may decode to at most what that size holds (they do not count against
the shared budget, so a lossless multi-page scan is not refused for its total).

Encrypted files: their streams are ciphertext here, so `pdf.pdfium_document` meters the
decrypted copy PDFium writes instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocrengine.documents.errors import ContentTooLarge, ImageTooLarge
from ocrengine.documents.pdf_filters import (
    DECODERS,
    FILTER_NAMES,
    FLATE,
    IMAGE_FILTER_NAMES,
    Undecodable,
    chunks_of,
    looks_like_zlib,
)

# `stream` + end of line, not the tail of `endstream`.
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\r|\n)")
_OBJ_NUMBERS = re.compile(rb"\d+\s+\d+\s+$")
_ENDSTREAM = b"endstream"
# How far back from `stream` the object's dictionary may start.
DICT_WINDOW = 16 * 1024
# Comments, literal strings (one level of nested parentheses), hex strings, names, other
# tokens: enough to read a stream dictionary's names and numbers, not to misread a name
# hidden in a comment or a string.
_TOKEN = re.compile(
    rb"%[^\r\n]*"
    rb"|\((?:\\.|\((?:\\.|[^\\()])*\)|[^\\()])*\)"
    rb"|<<|>>|<[0-9A-Fa-f\s]*>"
    rb"|/[^\s/\[\]<>(){}%]*"
    rb"|[^\s/\[\]<>(){}%]+"
    rb"|[\[\]]",
    re.S,
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class StreamInfo:
    """What a stream's dictionary says: its filter chain, raw length and image size."""

    filters: tuple[str, ...] = ()
    length: int | None = None
    length_ref: tuple[int, int] | None = None
    is_image: bool = False
    width: int = 0
    height: int = 0


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ContentTooLarge(
                f"the PDF's compressed content expands beyond the {self.limit:,}-byte limit",
                limit=self.limit,
            )


def pdf_content_check(
    data: bytes,
    *,
    max_decoded_bytes: int,
    max_image_pixels: int,
    max_image_decoded_bytes: int | None = None,
) -> int:
    """The bytes all streams but images decode to (stopping at the limit), or
    ContentTooLarge / ImageTooLarge. Images draw on their own budget, `max_image_decoded_bytes`
    (by default the same as the other streams'). Memory stays at a few chunks whatever the
    file holds."""
    budget = _Budget(max_decoded_bytes)
    images = _Budget(
        max_decoded_bytes if max_image_decoded_bytes is None else max_image_decoded_bytes
    )
    resume = 0
    for match in _STREAM.finditer(data):
        start = match.end()
        if start <= resume:
            continue  # the keyword sat inside a stream already read
        info = stream_info(_dictionary_before(data, match.start()))
        if info.is_image and info.width * info.height > max_image_pixels:
            raise ImageTooLarge(
                f"an image in the PDF is {info.width}x{info.height} pixels; "
                f"the limit is {max_image_pixels:,} pixels",
                width=info.width,
                height=info.height,
            )
        end = _raw_end(data, start, info)
        _meter(memoryview(data)[start:end], info.filters, _budget_for(info, budget, images))
        resume = end
    return budget.used


# Bytes a pixel may decode to: 4 components (CMYK) of 16 bits, the most an image stream holds.
MAX_BYTES_PER_PIXEL = 8


def _budget_for(info: StreamInfo, shared: _Budget, images: _Budget) -> _Budget:
    """An image that passed the pixel check draws on the images' budget, and may decode to no
    more than its declared size holds: a lossless scan of many pages is not refused for the
    content budget, while an image that declares a small size and inflates beyond it is.
    Every other stream draws on the shared budget."""
    if info.is_image and info.width > 0 and info.height > 0:
        return _ImageBudget(images, info.width * info.height * MAX_BYTES_PER_PIXEL + 4096)
    return shared


class _ImageBudget(_Budget):
    """One image's allowance, counted against the images' budget too."""

    def __init__(self, images: _Budget, limit: int) -> None:
        super().__init__(limit)
        self.images = images

    def take(self, size: int) -> None:
        super().take(size)
        self.images.take(size)


def _dictionary_before(data: bytes, keyword: int) -> bytes:
    """From the stream's `N G obj` header to its `stream` keyword."""
    low = max(0, keyword - DICT_WINDOW)
    found = data.rfind(b"obj", low, keyword)
    while found >= 0 and not _OBJ_NUMBERS.search(data, max(low, found - 40), found):
        found = data.rfind(b"obj", low, found)  # `endobj`, or "obj" inside a name
    return data[found + 3 : keyword] if found >= 0 else data[max(low, keyword - 1024) : keyword]


def stream_info(dictionary: bytes) -> StreamInfo:
    tokens = [
        _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token)
        for token in _TOKEN.findall(dictionary)
        if not token.startswith((b"%", b"("))
    ]
    filters: list[str] = []
    values: dict[bytes, bytes] = {}
    length_ref = None
    for index, token in enumerate(tokens):
        name = token[1:] if token.startswith(b"/") else None
        if name in FILTER_NAMES:
            filters.append(FILTER_NAMES[name])
        elif name in IMAGE_FILTER_NAMES:
            filters.append("")  # nothing decodes past an image codec
        following = tokens[index + 1] if index + 1 < len(tokens) else b""
        if name in (b"Length", b"Width", b"Height", b"Subtype") and name not in values:
            values[name] = following
            if name == b"Length" and tokens[index + 3 : index + 4] == [b"R"]:
                length_ref = (_int(following), _int(tokens[index + 2]))
    return StreamInfo(
        filters=tuple(filters),
        length=None if length_ref else _int(values.get(b"Length", b"")),
        length_ref=length_ref,
        is_image=values.get(b"Subtype") == b"/Image",
        width=_int(values.get(b"Width", b"")) or 0,
        height=_int(values.get(b"Height", b"")) or 0,
    )


def _int(token: bytes) -> int | None:
    return int(token) if token.isdigit() else None


def _raw_end(data: bytes, start: int, info: StreamInfo) -> int:
    """Where the stream's data ends: its /Length (resolved when indirect) or, when that lies
    short, the next `endstream`; with no usable length, the end of the file (every filter
    here stops at its own end-of-data marker)."""
    length = info.length
    if info.length_ref is not None:
        number, generation = info.length_ref
        found = re.search(rb"(?<!\d)%d\s+%d\s+obj\s*(\d+)\s*endobj" % (number, generation), data)
        length = int(found.group(1)) if found else None
    if length is None:
        return len(data)
    found = data.find(_ENDSTREAM, min(start + length, len(data)))
    return len(data) if found < 0 else found


def _meter(raw: memoryview, filters: tuple[str, ...], budget: _Budget) -> None:
    """Count what `filters` decode `raw` to. No chain, or one that fails (a name read wrongly,
    ciphertext), is retried as plain Flate when the data starts like zlib."""
    chain = filters[: filters.index("")] if "" in filters else filters
    before = budget.used
    try:
        _decode_counted(raw, chain, budget)
        if chain:
            return
    except Undecodable:
        pass
    # No chain read (an indirect /Filter, say) or a failed one: sniff.
    if chain != (FLATE,) and looks_like_zlib(raw[:2]):
        partial = budget.used
        budget.used = before
        try:
            _decode_counted(raw, (FLATE,), budget)
        except Undecodable:
            budget.used = max(budget.used, partial)


def _decode_counted(raw: memoryview, chain: tuple[str, ...], budget: _Budget) -> None:
    stream = chunks_of(raw)
    for name in chain:
        stream = _counted(DECODERS[name](stream), budget)
    for _chunk in stream:
        pass


def _counted(chunks, budget: _Budget):
    for chunk in chunks:
        budget.take(len(chunk))
        yield chunk
