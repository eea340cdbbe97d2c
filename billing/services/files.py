"""What an uploaded statement file is, and opening a password-protected PDF once.

Runs in the upload request, before anything is stored, so a file we cannot read is refused
with a clear 4xx instead of becoming a failed job later.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from billing.parsers import CAMT, CSV, MT940, OFX, PDF, QIF, XLSX, StatementError, parse_statement
from billing.parsers.detect import EXPORT_FORMATS, sniff_format
from billing.parsers.xlsx_reader import xlsx_archive_check
from core.errors import DomainError, PayloadTooLargeError, UnsupportedMediaTypeError
from ocrengine.documents import errors as document_errors
from ocrengine.documents.limits import limit
from ocrengine.documents.pdf import pdf_decrypted_copy, pdf_page_total, pdfium_document

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
    different question in each case), 413 `too_many_pages` / `content_too_large` /
    `image_too_large` (a PDF past the invoice reader's limits) and 413 `workbook_too_large`
    (an XLSX archive with too many parts or too many uncompressed bytes). A bank export
    (OFX, CAMT, MT940, QIF) is read whole here, so one that cannot be read is refused with
    its reader's code: 400 `malformed_ofx` / `malformed_camt` / `malformed_mt940` /
    `malformed_qif` / `xml_forbidden` (a DTD or entities) / `no_statement`, or 413
    `xml_too_large` / `too_many_rows`.
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
            "Statements are accepted as PDF, Excel (.xlsx), CSV, OFX/QFX, CAMT.052/053/054 "
            "XML, MT940 or QIF; this file is none of them.",
            details={"accepted": _ACCEPTED},
        )
    if file_format in EXPORT_FORMATS:
        _export_check(data, filename)
    return file_format


_ACCEPTED = ["pdf", "xlsx", "csv", "ofx", "camt", "mt940", "qif"]
# Reader refusals that say the file is too large rather than unreadable (413, not 400).
_EXPORT_SIZE_CODES = {"xml_too_large", "too_many_rows"}


def _export_check(data: bytes, filename: str) -> None:
    """Read a bank export once (milliseconds: no template, no PDF), so that a malformed or
    hostile one is refused now with its reader's code instead of failing its job later."""
    try:
        parse_statement(data, filename=filename, templates=[])
    except StatementError as error:
        if error.code in _EXPORT_SIZE_CODES:
            raise PayloadTooLargeError(
                error.message, code=error.code, details=error.details
            ) from None
        raise DomainError(error.message, code=error.code, details=error.details) from None


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return False
            xlsx_archive_check(archive)
            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    except StatementError as error:
        raise PayloadTooLargeError(error.message, code=error.code, details=error.details) from None


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
    """None for an unprotected PDF; the decrypted bytes for a protected one. Either way the
    PDF passed the invoice reader's limits (decoded streams, pixels, pages)."""
    max_pages = limit("OCR_MAX_PAGES")
    try:
        with pdfium_document(data, None) as document:
            pdf_page_total(document, max_pages)
        return None
    except document_errors.PasswordRequired:
        pass
    except document_errors.DocumentError as error:
        raise _pdf_refusal(error) from None
    if not password:
        raise DomainError(
            "This PDF is password-protected; send its password in `password`.",
            code="password_required",
        )
    try:
        with pdfium_document(data, password) as document:
            pdf_page_total(document, max_pages)
            return pdf_decrypted_copy(document)
    except document_errors.PasswordIncorrect:
        # `from None`: the password must not travel in a chained traceback into a log.
        raise DomainError(
            "The password given does not open this PDF.", code="password_incorrect"
        ) from None
    except document_errors.DocumentError as error:
        raise _pdf_refusal(error) from None


def _pdf_refusal(error: document_errors.DocumentError) -> DomainError:
    message = error.message[:1].upper() + error.message[1:] + "."
    if isinstance(error, document_errors.OverLimit):
        return PayloadTooLargeError(message, code=error.code, details=error.details)
    return DomainError(
        "The PDF is damaged and cannot be read."
        if error.code == "corrupt_file"
        else f"The PDF cannot be read: {message}",
        code="unreadable_pdf",
    )


__all__ = [
    "CAMT",
    "CSV",
    "MT940",
    "OFX",
    "PDF",
    "QIF",
    "XLSX",
    "StatementFile",
    "sha256_hex",
    "statement_file_open",
]
