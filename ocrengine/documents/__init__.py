"""The document reader the pipelines call: bytes in, `DocumentText` out, or a `DocumentError`.

PDF pages are read from their text layer first (pdfplumber); only pages without usable text
are rasterised (pypdfium2) and OCR'd. Image files (PNG, JPEG, TIFF, WebP) are OCR'd page by
page (a multi-frame TIFF is one page per frame). Every failure a hostile or broken upload can
cause surfaces as a `DocumentError` with a stable `code`; pdfminer/PDFium/Pillow exceptions
never escape raw. A PDF's compressed streams are measured before either library inflates one
(`pdf_guard`), and every PDFium call holds the one `pdf.pdfium_lock`.
"""

from ocrengine.documents.errors import (
    ContentTooLarge,
    CorruptFile,
    DocumentError,
    EmptyFile,
    EncryptedDocument,
    ImageTooLarge,
    PageNotFound,
    PasswordIncorrect,
    PasswordRequired,
    TooManyCharacters,
    TooManyObjects,
    TooManyPages,
    UnsafeXml,
    UnsupportedType,
)
from ocrengine.documents.images import upright_rgb
from ocrengine.documents.mime import (
    DEFAULT_MAX_IMAGE_PIXELS,
    EINVOICE_MIME_TYPES,
    JPEG,
    OFD,
    PDF,
    PNG,
    SUPPORTED_MIME_TYPES,
    TIFF,
    WEBP,
    XML,
    detect_mime,
    sniff,
)
from ocrengine.documents.ocr import recognize_page
from ocrengine.documents.pdf import has_usable_text
from ocrengine.documents.reader import page_count, read_document, render_page_png

__all__ = [
    "DEFAULT_MAX_IMAGE_PIXELS", "EINVOICE_MIME_TYPES", "JPEG", "OFD", "PDF", "PNG",
    "SUPPORTED_MIME_TYPES", "TIFF", "WEBP", "XML", "ContentTooLarge", "CorruptFile", "DocumentError", "EmptyFile", "EncryptedDocument",
    "ImageTooLarge", "PageNotFound", "PasswordIncorrect", "PasswordRequired",
    "TooManyCharacters", "TooManyObjects", "TooManyPages", "UnsafeXml", "UnsupportedType",
    "detect_mime", "has_usable_text", "page_count", "read_document", "recognize_page",
    "render_page_png", "sniff", "upright_rgb",
]  # fmt: skip
