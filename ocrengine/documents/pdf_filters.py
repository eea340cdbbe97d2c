"""PDF stream filters decoded a chunk at a time, so a decoder's output can be counted (and
stopped) before it is ever held whole: the meter in `pdf_guard` and the attachment reader.

Each decoder takes an iterator of byte chunks and yields byte chunks of at most about
`OUT_CHUNK` bytes; undecodable input raises `Undecodable` after what decoded so far. Only
the general-purpose filters are here: image codecs (DCT, JPX, JBIG2, CCITT) are left to the
pixel limits, and the readers never expand them into text.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator

OUT_CHUNK = 64 * 1024
IN_CHUNK = 64 * 1024

FLATE, LZW, ASCII85, ASCIIHEX, RUNLENGTH = "flate", "lzw", "ascii85", "asciihex", "runlength"
# The names (and PDF's abbreviations for inline images) that select each decoder.
FILTER_NAMES = {
    b"FlateDecode": FLATE,
    b"Fl": FLATE,
    b"LZWDecode": LZW,
    b"LZW": LZW,
    b"ASCII85Decode": ASCII85,
    b"A85": ASCII85,
    b"ASCIIHexDecode": ASCIIHEX,
    b"AHx": ASCIIHEX,
    b"RunLengthDecode": RUNLENGTH,
    b"RL": RUNLENGTH,
}
# Filters after which nothing here decodes further (their output is pixels, not bytes a text
# reader parses).
IMAGE_FILTER_NAMES = frozenset(
    {b"DCTDecode", b"DCT", b"JPXDecode", b"JBIG2Decode", b"CCITTFaxDecode", b"CCF", b"Crypt"}
)

_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")
_SPACE = re.compile(rb"\s+")


class Undecodable(Exception):
    """The input is not valid for the filter (encrypted, corrupt, or a mislabelled stream)."""


def chunks_of(data: bytes | memoryview, size: int = IN_CHUNK) -> Iterator[memoryview]:
    view = memoryview(data)
    for start in range(0, len(view), size):
        yield view[start : start + size]


def looks_like_zlib(head: bytes | memoryview) -> bool:
    """A zlib header: deflate method, a window size zlib accepts, and a valid check value."""
    if len(head) < 2:
        return False
    first, second = head[0], head[1]
    return first & 0x0F == 8 and first >> 4 <= 7 and (first * 256 + second) % 31 == 0


def inflate(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while True:
                out = inflater.decompress(data, OUT_CHUNK)
                if out:
                    yield out
                if inflater.eof:
                    return
                data = inflater.unconsumed_tail
                if not data and len(out) < OUT_CHUNK:
                    break  # this chunk is used up and no output is pending
    except zlib.error as error:
        raise Undecodable(str(error)) from None


def ascii_hex(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        data = bytes(chunk)
        end = data.find(b">")
        digits = carry + _NOT_HEX.sub(b"", data if end < 0 else data[:end])
        carry, digits = (digits[-1:], digits[:-1]) if len(digits) % 2 else (b"", digits)
        if digits:
            yield binascii.unhexlify(digits)
        if end >= 0:
            break
    if carry:
        yield binascii.unhexlify(carry + b"0")


def ascii85(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    pending = b""
    first = True
    for chunk in chunks:
        data = _SPACE.sub(b"", bytes(chunk))
        if first and data.startswith(b"<~"):
            data = data[2:]
        first = False
        end = data.find(b"~")
        # "z" stands for four zero bytes: the only way ASCII85 grows by more than 4/5.
        pending += (data if end < 0 else data[:end]).replace(b"z", b"!!!!!")
        whole = len(pending) // 5 * 5
        try:
            if whole:
                yield base64.a85decode(pending[:whole])
            pending = pending[whole:]
            if end >= 0:
                break
        except ValueError as error:
            raise Undecodable(str(error)) from None
    if pending:
        try:
            yield base64.a85decode(pending)
        except ValueError as error:
            raise Undecodable(str(error)) from None


def run_length(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        data = pending + bytes(chunk)
        out = bytearray()
        index = 0
        while index < len(data):
            length = data[index]
            if length == 128:  # end of data
                yield bytes(out)
                return
            if length < 128:
                if index + length + 2 > len(data):
                    break  # the literal run continues in the next chunk
                out += data[index + 1 : index + length + 2]
                index += length + 2
            else:
                if index + 2 > len(data):
                    break
                out += data[index + 1 : index + 2] * (257 - length)
                index += 2
            if len(out) >= OUT_CHUNK:
                yield bytes(out)
                out.clear()
        pending = data[index:]
        if out:
            yield bytes(out)


def lzw(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    from pdfminer.lzw import LZWDecoder

    # LZW codes straddle chunk boundaries; its input is never larger than what was counted
    # for the stage before it (or the file itself), so it is gathered first.
    decoder = LZWDecoder(io.BytesIO(b"".join(bytes(chunk) for chunk in chunks)))
    out = bytearray()
    for piece in decoder.run():
        out += piece
        if len(out) >= OUT_CHUNK:
            yield bytes(out)
            out.clear()
    if out:
        yield bytes(out)


DECODERS: dict[str, Callable[[Iterable[bytes | memoryview]], Iterator[bytes]]] = {
    FLATE: inflate,
    LZW: lzw,
    ASCII85: ascii85,
    ASCIIHEX: ascii_hex,
    RUNLENGTH: run_length,
}
