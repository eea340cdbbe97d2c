"""What an uploaded statement file is, and opening a password-protected PDF once.

Runs in the upload request, before anything is stored, so a file we cannot read is refused
with a clear 4xx instead of becoming a failed job later.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from billing.parsers import CSV, OFX, PDF, XLSX
from billing.parsers.detect import sniff_format
from config.errors import DomainError, UnsupportedMediaTypeError

# How much of a text file is looked at to decide it is text (a CSV), not binary.
TEXT_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class StatementFile:
    data: bytes
    format: str  # one of StatementImport.Format
    sha256: str
    # The bytes the parser reads: a decrypted copy for protected PDFs, else None (= data).
    decrypted: bytes | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def statement_file_open(*, data: bytes, filename: str, password: str | None) -> StatementFile:
    """Classify the bytes and, for a protected PDF, decrypt them with `password`.

    Raises 400 `empty_file`, 415 `unsupported_media_type`, 400 `unreadable_pdf`,
    400 `password_required` / `password_incorrect` (two codes: the user must be asked a
    different question in each case).
    """
    if not data:
        raise DomainError("The file is empty.", code="empty_file")
    file_format = _file_format(data, filename)
    decrypted = _pdf_decrypted(data, password) if file_format == PDF else None
    return StatementFile(
        data=data, format=file_format, sha256=sha256_hex(data), decrypted=decrypted
    )


def _file_format(data: bytes, filename: str) -> str:
    file_format = sniff_format(data, filename)
    if file_format == XLSX and not _is_xlsx(data):
        raise UnsupportedMediaTypeError(
            "This ZIP file is not an Excel workbook (.xlsx).", details={"accepted": _ACCEPTED}
        )
    if file_format == CSV and not _looks_like_text(data[:TEXT_SNIFF_BYTES]):
        raise UnsupportedMediaTypeError(
            "Statements are accepted as PDF, Excel (.xlsx), CSV or OFX; this file is none of them.",
            details={"accepted": _ACCEPTED},
        )
    return file_format


_ACCEPTED = ["pdf", "xlsx", "csv", "ofx"]


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _looks_like_text(head: bytes) -> bool:
    """No NUL bytes and almost no control characters: a delimited text export."""
    if b"\x00" in head:
        return False
    text = head.decode("utf-8", errors="replace") if head else ""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    replaced = text.count("\ufffd")
    # latin-1 exports decode with a few replacement characters; binary with many.
    return bool(text.strip()) and controls == 0 and replaced <= max(8, len(text) // 20)


def _pdf_decrypted(data: bytes, password: str | None) -> bytes | None:
    """None for an unprotected PDF; the decrypted bytes for a protected one."""
    try:
        pdfium.PdfDocument(data).close()
        return None
    except pdfium.PdfiumError as error:
        if error.err_code != pdfium_raw.FPDF_ERR_PASSWORD:
            raise DomainError(
                "The PDF is damaged and cannot be read.", code="unreadable_pdf"
            ) from None
    if not password:
        raise DomainError(
            "This PDF is password-protected; send its password in `password`.",
            code="password_required",
        )
    try:
        document = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError:
        # `from None`: the password must not travel in a chained traceback into a log.
        raise DomainError(
            "The password given does not open this PDF.", code="password_incorrect"
        ) from None
    try:
        buffer = io.BytesIO()
        document.save(buffer, flags=pdfium_raw.FPDF_REMOVE_SECURITY)
    finally:
        document.close()
    return buffer.getvalue()


__all__ = ["CSV", "OFX", "PDF", "XLSX", "StatementFile", "sha256_hex", "statement_file_open"]
