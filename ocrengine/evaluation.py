"""Evaluation of prompt template versions on a labelled set (the corpus manifest format).

A manifest is a TSV with at least `doc` and `gt` columns, paths relative to its folder; each
`gt` file is a JSON object of expected field values. Documents are read once and every template
version extracts from the same text, so versions differ only by their spec.

The comparison rules are the corpus scorer's (`score_invoices.py`), re-implemented here so the
app never imports from outside its tree: one engine, two doors — `evaluate_templates` on a
manifest gives the same accuracy as `extract_documents` scored by `score_invoices.py`.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from django.conf import settings

from ocrengine.documents import DocumentError, read_document
from ocrengine.engines.base import DocumentText
from ocrengine.extraction.patterns import PatternTimeout
from ocrengine.extraction.registry import extract_for

# --- the corpus scorer's comparison rules ---------------------------------------------------

INVOICE_FIELDS = ["invoice_number", "invoice_code", "date", "due_date", "total_amount",
                  "net_amount", "tax_amount", "currency", "seller", "seller_tax_id", "buyer",
                  "buyer_tax_id"]  # fmt: skip
INVOICE_TYPES = {"invoice", "cn_vat_invoice", "receipt"}
GT_ALIASES = {"net_amount": ["net_amount", "amount_excl_tax"],
              "seller_tax_id": ["seller_tax_id", "seller_vat_id"]}  # fmt: skip
AMOUNTS = {"total_amount", "net_amount", "tax_amount"}
NAMES = {"seller", "buyer"}
DATES = {"date", "due_date"}


def amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = re.sub(r"[^\d.,\-]", "", str(value))
    if "," in text and "." in text:
        if text.rfind(".") > text.rfind(","):
            text = text.replace(",", "")
        else:
            text = text.replace(".", "").replace(",", ".")
    elif "," in text and len(text.split(",")[-1]) == 2:
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def ident(value: Any) -> str:
    folded = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s\-_./:#]", "", folded).upper().lstrip("0") or "0"


def name_key(value: Any) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", str(value)).casefold())


def same(field_name: str, expected: Any, predicted: Any, *, field_type: str = "") -> bool:
    """Whether a predicted value counts as right for the expected one."""
    if predicted is None or predicted == "":
        return False
    if field_name in AMOUNTS or field_type == "amount":
        a, b = amount(expected), amount(predicted)
        return a is not None and b is not None and abs(abs(a) - abs(b)) <= Decimal("0.01")
    if field_name in DATES or field_type == "date":
        return str(predicted)[:10] == str(expected)[:10]
    if field_name == "currency" or field_type == "currency":
        return str(predicted).strip().upper() == str(expected).strip().upper()
    if field_name in NAMES or field_type == "name":
        a, b = name_key(expected), name_key(predicted)
        if not a or not b:
            return False
        if (a in b or b in a) and min(len(a), len(b)) / max(len(a), len(b)) >= 0.6:
            return True
        return SequenceMatcher(None, a, b).ratio() >= 0.85
    return ident(expected) == ident(predicted)


def gt_value(truth: dict[str, Any], field_name: str) -> Any:
    for key in GT_ALIASES.get(field_name, [field_name]):
        value = truth.get(key)
        if value not in (None, "", []):
            return value
    return None


# --- manifests and reports ------------------------------------------------------------------


class ManifestError(ValueError):
    """The manifest or a ground-truth file cannot be used; the message says which and why."""


@dataclass(frozen=True)
class LabelledDocument:
    doc: str
    path: Path
    truth: dict[str, Any]


def read_manifest(manifest: Path) -> list[LabelledDocument]:
    try:
        with manifest.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"cannot read {manifest.name}: {error}") from None
    if not rows or not {"doc", "gt"} <= set(rows[0]):
        raise ManifestError(f"{manifest.name} needs 'doc' and 'gt' columns and at least one row")
    root = manifest.resolve().parent
    documents = []
    for number, row in enumerate(rows, start=2):
        if not row.get("doc") or not row.get("gt"):
            raise ManifestError(f"{manifest.name} line {number}: empty doc or gt")
        documents.append(
            LabelledDocument(
                row["doc"],
                _inside(root, row["doc"], number),
                _truth(_inside(root, row["gt"], number)),
            )
        )
    return documents


def _inside(root: Path, relative: str, line: int) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root):  # an uploaded manifest must not read the server's files
        raise ManifestError(f"line {line}: {relative!r} points outside the manifest's folder")
    return path


def _truth(path: Path) -> dict[str, Any]:
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ManifestError(f"ground truth {path.name}: {error}") from None
    if not isinstance(truth, dict):
        raise ManifestError(f"ground truth {path.name} is not a JSON object")
    return truth


@dataclass
class VersionScore:
    version: int
    per_field: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, scored]

    @property
    def accuracy(self) -> float:
        right = sum(v[0] for v in self.per_field.values())
        scored = sum(v[1] for v in self.per_field.values())
        return round(right / scored, 4) if scored else 0.0

    def field_accuracy(self, name: str) -> float | None:
        right, scored = self.per_field.get(name, [0, 0])
        return round(right / scored, 4) if scored else None


@dataclass
class EvaluationReport:
    document_type: str
    documents: int
    scores: list[VersionScore]
    unreadable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_type": self.document_type,
            "documents": self.documents,
            "unreadable": self.unreadable,
            "versions": [
                {
                    "version": s.version,
                    "field_accuracy": s.accuracy,
                    "fields_scored": sum(v[1] for v in s.per_field.values()),
                    "per_field": {
                        name: {"accuracy": s.field_accuracy(name), "n": v[1]}
                        for name, v in s.per_field.items()
                        if v[1]
                    },
                }
                for s in self.scores
            ],
        }

    def table(self) -> str:
        """Per-field accuracy, one column per version."""
        names = [n for n in self.scores[0].per_field if self.scores[0].per_field[n][1]]
        header = f"{'field':16s}" + "".join(f"{'v' + str(s.version):>10s}" for s in self.scores)
        lines = [header]
        for name in names:
            n = self.scores[0].per_field[name][1]
            cells = "".join(f"{s.field_accuracy(name):>10.3f}" for s in self.scores)
            lines.append(f"{name:16s}{cells}   (n={n})")
        lines.append(f"{'overall':16s}" + "".join(f"{s.accuracy:>10.4f}" for s in self.scores))
        return "\n".join(lines)


def _read(path: Path) -> tuple[DocumentText | None, bytes]:
    try:
        data = path.read_bytes()
        return read_document(
            data,
            max_pages=settings.OCR_MAX_PAGES,
            max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
            raster_dpi=settings.OCR_RASTER_DPI,
        ), data
    except (OSError, DocumentError):
        return None, b""


def evaluate_specs(
    *, document_type: str, documents: list[LabelledDocument], specs: dict[int, dict[str, Any]]
) -> EvaluationReport:
    """Score each spec (by version) on the labelled documents. An unreadable document counts
    every one of its labelled fields as wrong, as the corpus scorer does for a missing line."""
    first = next(iter(specs.values()))
    if document_type in INVOICE_TYPES:
        names = INVOICE_FIELDS
    else:
        names = [f["name"] for f in first["fields"]]
    types = {f["name"]: f.get("type", "") for f in first["fields"]}
    scores = {version: VersionScore(version, {n: [0, 0] for n in names}) for version in specs}
    report = EvaluationReport(document_type, len(documents), list(scores.values()))
    for labelled in documents:
        document, data = _read(labelled.path)
        if document is None:
            report.unreadable.append(labelled.doc)
        for version, spec in specs.items():
            values = {} if document is None else _extracted(document_type, document, spec, data)
            for name in names:
                expected = gt_value(labelled.truth, name)
                if expected is None:
                    continue
                tally = scores[version].per_field[name]
                tally[0] += same(name, expected, values.get(name), field_type=types.get(name, ""))
                tally[1] += 1
    return report


def _extracted(document_type: str, document: DocumentText, spec: dict, data: bytes) -> dict:
    """The spec's values for one document; a pattern that runs past its time limit scores that
    document's fields as wrong for this version instead of ending the whole evaluation."""
    try:
        return extract_for(document_type, document, spec, pdf_bytes=data).as_flat_dict()
    except PatternTimeout:
        return {}
