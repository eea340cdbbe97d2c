"""A bank template made by example: a supervisor marks the columns and labels on a statement
the generic reader could not verify, and gets a "layout" template draft for its bank.

    template_example(statement_import=...)          what the marking screen starts from
    template_example_preview(statement_import=..., bank_code=..., marks=..., markers=...)
    template_draft_from_example(statement_import=..., bank=..., marks=..., ...)

The draft remembers its sample (`BankTemplate.sample`); `template_publish` publishes it only
when the dry run on that sample is `verified` (it reproduces reconciling bills).
"""

from __future__ import annotations

import re

from django.db import transaction

from billing.models import Bank, BankTemplate, StatementImport
from billing.parsers import PDF, StatementError
from billing.parsers.detect import sniff_format
from billing.parsers.template_spec import BANK_CODE
from billing.services.reference_data import OTHER_BANK_CODE
from billing.services.templates import template_create_version, template_preview
from core.errors import DomainError, InvalidFieldsError, NotFoundError
from ocrengine.documents import DocumentError

MARKER_WINDOW = 40  # detect.marker_score reads the first 40 lines unless told otherwise
MAX_MARKERS = 3
MAX_MARKER_CHARS = 60
MAX_EXAMPLE_PAGES = 3  # pages the marking screen shows
LEADING_TEXT = re.compile(r"^[^\d]*")


def sample_bytes(statement_import: StatementImport) -> bytes:
    """The bytes the importer parses (the decrypted copy of a protected PDF), refusing a
    sample that is not a PDF: a layout template reads printed pages only."""
    if statement_import.format != StatementImport.Format.PDF:
        raise DomainError(
            f"The sample is a {statement_import.format.upper()} file; a template is made by "
            "example from a PDF statement only.",
            code="sample_not_pdf",
        )
    stored = statement_import.parse_file or statement_import.file
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError):
        raise NotFoundError("The sample's stored file is missing.", code="file_missing") from None
    if sniff_format(data, statement_import.original_name) != PDF:
        raise DomainError("The sample is not a PDF.", code="sample_not_pdf")
    return data


PAGE_TURNS = (0, 90, 180, 270)


def page_turn(value: str | None) -> int:
    """The `turned` a page image is asked for: how far OCR turned the page to read it, so the
    marks (fractions of the page as read) lie on the image shown."""
    try:
        turned = int(value or 0)
    except ValueError:
        turned = -1
    if turned not in PAGE_TURNS:
        raise InvalidFieldsError({"turned": [f"One of {', '.join(map(str, PAGE_TURNS))}."]})
    return turned


def page_image_url(url: str, page: dict) -> str:
    return f"{url}?turned={page['turned']}" if page.get("turned") else url


def template_example(*, statement_import: StatementImport) -> dict:
    """The sample as the generic reader sees it: its pages (size in the page's own units),
    the layout it would use (columns, kind, date order, labels) and suggested detection
    markers (distinctive header lines; the user edits them)."""
    from billing.parsers.pdf_generic import layout_suggestion
    from billing.parsers.pdf_reader import read_pdf_document, read_pdf_lines

    data = sample_bytes(statement_import)
    try:
        document = read_pdf_document(data)
        lines = [line.text for line in read_pdf_lines(data)]
    except DocumentError as error:
        raise DomainError(error.message, code=error.code, details=error.details) from None
    return {
        "statement": statement_import.pk,
        "original_name": statement_import.original_name,
        "status": statement_import.status,
        "bank": statement_import.bank.code if statement_import.bank_id else None,
        "page_count": len(document.pages),
        "pages": [
            {
                "number": page.number,
                "width": page.width,
                "height": page.height,
                "turned": page.turned,
            }  # OCR read a scanned page turned: show it so (page_turn)
            for page in document.pages[:MAX_EXAMPLE_PAGES]
        ],
        "layout": layout_suggestion(document),
        "markers": suggested_markers(lines),
    }


def suggested_markers(lines: list[str]) -> list[str]:
    """Header lines likely to be printed on every statement of the bank: the text of a line
    before its first digit (dates, amounts and account numbers change), when that is most of
    the line and has words in it. Rows starting with a date (transactions) are never taken."""
    found: list[str] = []
    for text in lines[:MARKER_WINDOW]:
        words = " ".join(text.split())
        stable = LEADING_TEXT.match(words).group(0)
        if len(stable) < len(words) and stable[-1:].isalnum():
            stable = stable.rsplit(" ", 1)[0] if " " in stable else ""  # a word cut ("NL91")
        stable = stable.strip(" :;,.-\u2013/#*()")
        letters = sum(ch.isalpha() for ch in stable)
        if letters < 4 or 2 * len(stable) < len(words.replace(" ", "")):
            continue
        if stable.lower() not in (m.lower() for m in found):
            found.append(stable[:MAX_MARKER_CHARS])
        if len(found) == MAX_MARKERS:
            break
    return found


def marker_pattern(text: str) -> str:
    """A marker as the user typed it (plain text) as a detection regex: its words in order,
    any spacing between them (the text layer's gaps vary)."""
    return r"\s+".join(re.escape(word) for word in text.split())


def example_spec(*, bank: Bank | str, marks: object, markers: list[str]) -> dict:
    """The template spec a marking makes: detection markers and the marked layout."""
    code = bank.code if isinstance(bank, Bank) else bank
    name = bank.name if isinstance(bank, Bank) else code
    patterns = [marker_pattern(text) for text in markers if text.split()]
    return {
        "bank": code,
        "name": name,
        "version": 1,
        "detect": {"patterns": patterns},
        "layout": marks,
        "verify": ["balance", "printed_totals"],
    }


def template_example_preview(
    *, statement_import: StatementImport, bank_code: str, marks: object, markers: list[str]
) -> dict:
    """The dry run of the marking on its sample: bills, rows, checks and `status`. Saves
    nothing; a bad layout is a 400 `invalid_template` listing every error."""
    _check_bank_code(bank_code)
    spec = example_spec(bank=bank_code, marks=marks, markers=markers)
    data = sample_bytes(statement_import)
    return template_preview(spec=spec, data=data, filename=statement_import.original_name)


def bank_for_example(*, code: str, name: str = "") -> Bank:
    """The bank a template made by example belongs to: an existing one, or a new one with
    this code (its name is then required)."""
    _check_bank_code(code)
    bank = Bank.objects.filter(code=code).first()
    if bank is not None:
        return bank
    if not name.strip():
        raise DomainError(
            f"There is no bank {code!r}; give its name to create it.", code="bank_name_required"
        )
    bank, _ = Bank.objects.get_or_create(code=code, defaults={"name": name.strip()[:100]})
    return bank


def _check_bank_code(code: str) -> None:
    if not isinstance(code, str) or not BANK_CODE.match(code):
        raise DomainError(
            "The bank code must be lowercase letters, digits and '_' (e.g. 'zorg_bank').",
            code="invalid_bank_code",
        )
    if code == OTHER_BANK_CODE:
        raise DomainError(
            f"'{OTHER_BANK_CODE}' files statements read without a template; name the bank.",
            code="invalid_bank_code",
        )


@transaction.atomic
def template_draft_from_example(
    *,
    statement_import: StatementImport,
    bank: Bank,
    marks: object,
    markers: list[str] | None = None,
    created_by=None,
    notes: str = "",
) -> BankTemplate:
    """A new draft version of `bank`'s template whose spec is `marks` (a layout: columns,
    kind, date order, labels) with detection markers (`markers`, else those suggested from
    the sample). It remembers the sample: publishing it replays it (`template_publish`)."""
    _check_bank_code(bank.code)
    data = sample_bytes(statement_import)
    if markers is None:
        markers = _markers_of(data)
    spec = example_spec(bank=bank, marks=marks, markers=markers)
    template = template_create_version(
        bank=bank,
        spec=spec,
        notes=notes or f"Made by example from statement import #{statement_import.pk}",
        created_by=created_by,
    )
    template.sample = statement_import
    template.save(update_fields=["sample"])
    return template


def example_markers(*, statement_import: StatementImport) -> list[str]:
    """The detection markers suggested from the sample's header lines."""
    return _markers_of(sample_bytes(statement_import))


def _markers_of(data: bytes) -> list[str]:
    from billing.parsers.pdf_reader import read_pdf_lines

    try:
        return suggested_markers([line.text for line in read_pdf_lines(data)])
    except StatementError as error:
        raise DomainError(error.message, code=error.code, details=error.details) from None
