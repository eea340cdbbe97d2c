"""Run invoice extraction over files in-process: for batch use and the evaluation benchmark.

Same code path as the `invoice.process` job (`invoices.services.pipeline.document_extract`),
without the queue or the database. One JSON line per document:
{"doc", "fields", "confidence", "status", "engine", "seconds"} plus "source" (text_layer, ocr,
mixed), "pages", "lines" and, for failed documents, "error_code"/"error".
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoices.services.pipeline import DocumentOutcome, ReadLimits, document_extract
from ocrengine.engines.registry import ENGINES, get_engine
from ocrengine.extraction import load_default_spec, validate_spec


def manifest_documents(manifest: Path) -> list[tuple[str, Path]]:
    """(doc value, resolved path) per manifest row; paths are relative to the manifest's folder."""
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "doc" not in rows[0]:
        raise CommandError(f"{manifest} has no 'doc' column")
    return [(row["doc"], manifest.parent / row["doc"]) for row in rows if row.get("doc")]


def outcome_line(doc: str, outcome: DocumentOutcome) -> dict[str, Any]:
    result = outcome.result
    line: dict[str, Any] = {
        "doc": doc,
        "fields": result.as_flat_dict() if result else {},
        "confidence": round(outcome.confidence, 3),
        "status": outcome.status,
        "engine": outcome.engine,
        "seconds": round(outcome.seconds, 4),
        "cpu_seconds": round(outcome.cpu_seconds, 4),
        "timings": outcome.timings,
        "source": outcome.source,
        "pages": len(outcome.document.pages) if outcome.document else 0,
        "lines": result.lines if result else [],
    }
    if outcome.error_code:
        line["error_code"], line["error"] = outcome.error_code, outcome.error
    return line


class Command(BaseCommand):
    help = "Extract invoice fields from files (or a corpus manifest) into a JSON-lines file."
    # Needs no URLs, models or database: a batch run should not depend on the web app's checks.
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="PDF or image files")
        parser.add_argument("--manifest", type=Path, help="TSV with a 'doc' column (corpus format)")
        parser.add_argument("--output", type=Path, required=True, help="JSON-lines file to write")
        parser.add_argument(
            "--engine", choices=sorted(ENGINES), help="OCR engine (default: OCR_ENGINE)"
        )
        parser.add_argument(
            "--spec", type=Path, help="field spec JSON (default: the shipped invoice spec)"
        )
        parser.add_argument("--document-type", default="invoice", help="shipped spec to use")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = [(str(path), path) for path in options["paths"]]
        if options["manifest"]:
            documents += manifest_documents(options["manifest"])
        if not documents:
            raise CommandError("give file paths or --manifest")
        spec = self._spec(options["spec"], options["document_type"])
        engine = get_engine(options["engine"])
        if hasattr(engine, "warm_up"):
            engine.warm_up()  # load models once, as a worker does, outside every document's time
        limits = ReadLimits(
            settings.OCR_MAX_PAGES, settings.OCR_MAX_IMAGE_PIXELS, settings.OCR_RASTER_DPI
        )
        options["output"].parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts: dict[str, int] = {}
        with options["output"].open("w", encoding="utf-8") as out:
            for doc, path in documents:
                line = self._extract(doc, path, engine, spec, options["document_type"], limits)
                counts[line["status"]] = counts.get(line["status"], 0) + 1
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                out.flush()
        summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        elapsed = time.perf_counter() - started
        self.stderr.write(f"{len(documents)} documents in {elapsed:.1f} s: {summary}")

    def _spec(self, path: Path | None, document_type: str) -> dict:
        if path is None:
            try:
                return load_default_spec(document_type)
            except FileNotFoundError:
                raise CommandError(f"no shipped spec for document type {document_type!r}") from None
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read spec {path}: {error}") from None
        problems = validate_spec(spec)
        if problems:
            raise CommandError("invalid spec: " + "; ".join(problems))
        return spec

    def _extract(
        self, doc: str, path: Path, engine, spec: dict, document_type: str, limits: ReadLimits
    ) -> dict:
        try:
            data = path.read_bytes()
        except OSError as error:
            self.stderr.write(f"{doc}: cannot read: {error}")
            return {"doc": doc, "fields": {}, "confidence": 0.0, "status": "failed",
                    "engine": "", "seconds": 0.0, "error_code": "unreadable", "error": str(error)}  # fmt: skip
        outcome = document_extract(
            data=data, engine=engine, spec=spec, document_type=document_type,
            threshold=settings.OCR_CONFIDENCE_THRESHOLD, limits=limits,
        )  # fmt: skip
        if outcome.error_code:
            self.stderr.write(f"{doc}: {outcome.error_code}: {outcome.error}")
        return outcome_line(doc, outcome)
