"""The errors the document reader raises: a stable `code` for the API, a message for people."""

from __future__ import annotations

from typing import Any


class DocumentError(Exception):
    """A document the reader cannot turn into text; `code` is stable, `message` is for people."""

    code = "document_error"

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class _CodedError(DocumentError):
    """A DocumentError whose subclass fixes the code."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(type(self).code, message, **details)


class UnsupportedType(_CodedError):
    code = "unsupported_type"


class EmptyFile(_CodedError):
    code = "empty_file"


class CorruptFile(_CodedError):
    code = "corrupt_file"


class UnsafeXml(_CodedError):
    """XML with a DTD, entity declarations or external references: no e-invoice standard uses
    them, and they are how entity-expansion bombs and external-entity (XXE) reads work."""

    code = "unsafe_xml"


class EncryptedDocument(_CodedError):
    """`details["reason"]` says why: password_required, password_incorrect or unsupported."""

    code = "encrypted"
    reason = "unsupported"
    default_message = "this PDF uses an unsupported encryption scheme"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message, reason=self.reason)


class PasswordRequired(EncryptedDocument):
    """A protected PDF and no password: the one error for invoices and statements alike."""

    reason = "password_required"
    default_message = "this PDF is encrypted and needs a password"


class PasswordIncorrect(EncryptedDocument):
    """A protected PDF the password given does not open (a different question for the user
    than PasswordRequired)."""

    reason = "password_incorrect"
    default_message = "the password does not open this PDF"


class OverLimit(_CodedError):
    """The document is readable but larger than a configured limit allows (callers answer these
    as "too large", not as "unreadable")."""


class TooManyPages(OverLimit):
    code = "too_many_pages"


class ImageTooLarge(OverLimit):
    code = "image_too_large"


class ContentTooLarge(OverLimit):
    """The file's compressed parts (PDF streams, attachments) expand beyond the limit."""

    code = "content_too_large"


class TooManyCharacters(OverLimit):
    code = "too_many_characters"


class TooManyObjects(OverLimit):
    code = "too_many_objects"


class PageNotFound(_CodedError):
    code = "page_not_found"
