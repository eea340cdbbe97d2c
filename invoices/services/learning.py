"""Learning from corrections: reviewers' corrections become label hints and seller names in a
prompt-template draft, promoted only when `ocrengine.evaluation` (what `evaluate_templates` runs) shows it reads
the approved invoices better without any field reading worse.

A hint comes from a correction of a text field whose corrected value is printed on the page: the
words before it on its line are the label the seller uses (“Vorgang: ZH-1001” → `vorgang` for
`invoice_number`), where it sits is the line's page and box. Labels in a template apply to every
seller, which is why the evaluation runs over every approved invoice of the type, not only the
corrected ones: a hint that helps one seller and hurts another is never promoted.

A correction of the seller's name ("WS Retail Services Pvt. Ltd." to "Flipkart") is a seller
name: the draft's `seller_names` maps the seller's tax id (or, without one, the name as read)
to the name the books keep (`ocrengine.extraction.seller_names`). A corrected value printed with
no label before it is a position: where that seller (by tax id) prints the field
(`ocrengine.extraction.field_positions`).
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from invoices.calibration import seller_key
from invoices.fields import invoice_field_names
from invoices.models import Invoice, InvoiceFieldChange
from invoices.services.processing import spec_for, template_for
from invoices.services.storage import file_read
from ocrengine.evaluation import LabelledDocument, VersionScore, evaluate_specs
from ocrengine.models import DocumentType, PromptTemplate
from ocrengine.services.templates import template_create_draft, template_publish

LEARNED_LANGUAGE = "learned"  # the labels key the hints go under, beside "en", "de", ...
LABEL_TRIM = " \t:#.=|-\u2013"
MAX_DOCUMENTS = 500


@dataclass(frozen=True)
class LabelHint:
    field: str
    label: str
    seller: str
    invoice_id: int
    page: int
    box: list


@dataclass(frozen=True)
class PositionHint:
    field: str
    tax_id: str
    invoice_id: int
    page: int
    box: list  # fractions of the page: x0, y0, x1, y1

    def as_entry(self) -> dict[str, Any]:
        return {"tax_id": self.tax_id, "field": self.field, "page": self.page, "box": self.box}


@dataclass(frozen=True)
class SellerName:
    name: str
    tax_id: str
    read: str
    invoice_id: int

    def as_entry(self) -> dict[str, str]:
        entry = {"name": self.name, "tax_id": self.tax_id, "read": self.read}
        return {key: value for key, value in entry.items() if value}


@dataclass
class LearningResult:
    hints: list[LabelHint]
    current_version: int  # 0: the shipped spec (no template published yet)
    seller_names: list[SellerName] = field(default_factory=list)
    positions: list[PositionHint] = field(default_factory=list)
    draft: PromptTemplate | None = None
    documents: int = 0
    current_accuracy: float | None = None
    draft_accuracy: float | None = None
    per_field: dict[str, dict[str, Any]] = field(default_factory=dict)
    promoted: bool = False
    reason: str = ""

    @property
    def gain(self) -> float | None:
        if self.current_accuracy is None or self.draft_accuracy is None:
            return None
        return round(self.draft_accuracy - self.current_accuracy, 4)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hints": [hint.__dict__ for hint in self.hints],
            "seller_names": [name.__dict__ for name in self.seller_names],
            "positions": [position.__dict__ for position in self.positions],
            "current_version": self.current_version,
            "draft_version": self.draft.version if self.draft else None,
            "documents": self.documents,
            "current_accuracy": self.current_accuracy,
            "draft_accuracy": self.draft_accuracy,
            "gain": self.gain,
            "per_field": self.per_field,
            "promoted": self.promoted,
            "reason": self.reason,
        }


def _label_before(text: str, value: str) -> str:
    at = text.casefold().find(value.casefold())
    if at <= 0:
        return ""
    label = " ".join(text[:at].strip(LABEL_TRIM).split()).casefold()
    return label if 2 <= len(label) <= 40 and re.search(r"[^\W\d_]", label) else ""


def correction_hints(*, invoices) -> list[LabelHint]:
    """A hint per corrected text field whose new value is printed after a label on a line."""
    hints: dict[tuple[str, str, str], LabelHint] = {}
    for change, page, line in _printed_corrections(invoices):
        label = _label_before(line.get("text", ""), change.new_value)
        if label:
            invoice = change.invoice
            key = (change.field, label, seller_key(invoice.seller))
            hints.setdefault(
                key, LabelHint(change.field, label, key[2], invoice.pk, page["page"], line["box"])
            )
    return list(hints.values())


def position_hints(*, invoices) -> list[PositionHint]:
    """Where a seller (by tax id) prints a corrected text field with no label before it: the
    line's page and box, as fractions of the page."""
    hints: dict[tuple[str, str], PositionHint] = {}
    for change, page, line in _printed_corrections(invoices):
        invoice = change.invoice
        text = line.get("text", "")
        if not invoice.seller_tax_id or _label_before(text, change.new_value):
            continue
        if change.new_value.casefold() not in text.casefold():
            continue
        width, height = page.get("width") or 0, page.get("height") or 0
        if width <= 0 or height <= 0:
            continue
        x0, y0, x1, y1 = line["box"]
        box = [
            round(x0 / width, 4),
            round(y0 / height, 4),
            round(x1 / width, 4),
            round(y1 / height, 4),
        ]
        key = (invoice.seller_tax_id, change.field)
        hints[key] = PositionHint(
            change.field, invoice.seller_tax_id, invoice.pk, page["page"], box
        )
    return list(hints.values())


def _printed_corrections(invoices):
    """(change, page, line) for each still-standing correction of a text field and each line of
    the invoice's pages."""
    text_fields = set(invoice_field_names(editable=True, kind="text"))
    changes = (
        InvoiceFieldChange.objects.filter(invoice__in=invoices, field__in=text_fields)
        .exclude(new_value="")
        .select_related("invoice")
        .order_by("changed_at", "id")
    )
    for change in changes:
        if getattr(change.invoice, change.field) != change.new_value:
            continue  # corrected again since: the last value is the one to learn
        for page in change.invoice.boxes or []:
            for line in page.get("lines", []):
                yield change, page, line


def seller_name_hints(*, invoices) -> list[SellerName]:
    """A seller name per seller whose name a reviewer corrected: the seller's tax id, or the
    name the extractor read (before any correction) where there is none, to the approved name."""
    names: dict[str, SellerName] = {}
    extracted: dict[int, str] = {}  # invoice -> the seller as first read
    changes = (
        InvoiceFieldChange.objects.filter(invoice__in=invoices, field="seller")
        .select_related("invoice")
        .order_by("changed_at", "id")
    )
    for change in changes:
        invoice = change.invoice
        extracted.setdefault(invoice.pk, change.old_value)
        if not change.new_value or invoice.seller != change.new_value:
            continue  # corrected again since: the last value is the one to learn
        tax_id = invoice.seller_tax_id
        read = "" if tax_id else extracted[invoice.pk]
        if tax_id or read:
            names[tax_id or seller_key(read)] = SellerName(
                change.new_value, tax_id, read, invoice.pk
            )
    return list(names.values())


def _spec_with(spec: dict, result: LearningResult) -> dict:
    """The spec with each hint's label added to its field (unless it already knows it), each
    seller name in `seller_names` (replacing one for the same tax id or printed name) and each
    position in `field_positions` (replacing one for the same tax id and field)."""
    hints, seller_names = result.hints, result.seller_names
    draft = copy.deepcopy(spec)
    if result.positions:
        placed = {(p.tax_id, p.field) for p in result.positions}
        kept = [
            entry
            for entry in draft.get("field_positions", [])
            if (entry.get("tax_id"), entry.get("field")) not in placed
        ]
        draft["field_positions"] = kept + [p.as_entry() for p in result.positions]
    if seller_names:
        replaced = {(n.tax_id, seller_key(n.read)) for n in seller_names}
        kept = [
            entry
            for entry in draft.get("seller_names", [])
            if (entry.get("tax_id", ""), seller_key(entry.get("read", ""))) not in replaced
        ]
        draft["seller_names"] = kept + [n.as_entry() for n in seller_names]
    by_name = {f["name"]: f for f in draft["fields"]}
    for hint in hints:
        rule = by_name.get(hint.field)
        if rule is None:
            continue
        labels = rule.setdefault("labels", {})
        known = {alias.casefold() for aliases in labels.values() for alias in aliases}
        if hint.label not in known:
            labels.setdefault(LEARNED_LANGUAGE, []).append(hint.label)
    return draft


def _truth(invoice: Invoice) -> dict[str, Any]:
    truth = {}
    for name in invoice_field_names(editable=True):
        value = getattr(invoice, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        if value not in (None, ""):
            truth[name] = value
    return truth


def _labelled(invoices: list[Invoice], folder: Path) -> list[LabelledDocument]:
    documents = []
    for invoice in invoices:
        path = folder / f"{invoice.pk}{Path(invoice.file.name).suffix}"
        path.write_bytes(file_read(invoice.file.name))
        documents.append(LabelledDocument(str(invoice.pk), path, _truth(invoice)))
    return documents


def promotion_verdict(current: VersionScore, draft: VersionScore) -> str:
    """ "better" only when the draft is more accurate overall and on no field less accurate
    ("less accurate: <fields>"); else "no_gain"."""
    worse = sorted(
        name
        for name, (_, scored) in current.per_field.items()
        if scored and (draft.field_accuracy(name) or 0) < (current.field_accuracy(name) or 0)
    )
    if worse:
        return f"less accurate: {', '.join(worse)}"
    return "better" if draft.accuracy > current.accuracy else "no_gain"


def corrections_learn(
    *, document_type: DocumentType, promote: bool = True, created_by=None
) -> LearningResult:
    """Propose the corrections' label hints as a draft of `document_type`'s template, score
    the current version and the draft on its approved invoices, and publish the draft when it
    is more accurate overall and no field is less accurate. Nothing is created without hints."""
    approved = Invoice.objects.filter(status=Invoice.Status.APPROVED, document_type=document_type)
    invoices = list(approved.order_by("-approved_at", "-id")[:MAX_DOCUMENTS])
    current = template_for(document_type)
    spec = spec_for(document_type, current)
    result = LearningResult(
        hints=correction_hints(invoices=invoices),
        seller_names=seller_name_hints(invoices=invoices),
        positions=position_hints(invoices=invoices),
        current_version=current.version if current else 0,
    )
    draft_spec = _spec_with(spec, result)
    if draft_spec == spec:
        result.reason = "no_new_hints"
        return result
    labels = sorted({f"{h.field}: {h.label}" for h in result.hints})
    labels += sorted({f"seller: {n.name}" for n in result.seller_names})
    labels += sorted({f"{p.field} at a position" for p in result.positions})
    result.draft = template_create_draft(
        document_type=document_type,
        spec=draft_spec,
        prompt=current.prompt if current else None,
        notes=f"Learned from corrections: {', '.join(labels)}",
        created_by=created_by,
    )
    with tempfile.TemporaryDirectory(prefix="learn-") as folder:
        documents = _labelled(invoices, Path(folder))
        report = evaluate_specs(
            document_type=document_type.code,
            documents=documents,
            specs={result.current_version: spec, result.draft.version: draft_spec},
        )
    before, after = report.scores
    result.documents = report.documents
    result.current_accuracy, result.draft_accuracy = before.accuracy, after.accuracy
    result.per_field = {
        name: {"current": before.field_accuracy(name), "draft": after.field_accuracy(name)}
        for name, tally in before.per_field.items()
        if tally[1]
    }
    result.reason = promotion_verdict(before, after)
    if result.reason == "better" and promote:
        with transaction.atomic():
            template_publish(template=result.draft, published_by=created_by)
        result.promoted, result.reason = True, "promoted"
    PromptTemplate.objects.filter(pk=result.draft.pk).update(
        notes=(f"{result.draft.notes[:120]}; gain {result.gain:+.4f}")[:200]
    )
    return result


def learning_report(result: LearningResult) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str)
