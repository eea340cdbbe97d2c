"""manage.py evaluate_templates --document-type T --manifest MANIFEST.tsv [--versions A B ...]

Runs template versions (default: the type's default) on a labelled set and prints per-field
accuracy side by side. Drafts may be evaluated: that is how a new version earns publication.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ocrengine.evaluation import ManifestError, evaluate_specs, read_manifest
from ocrengine.models import PromptTemplate


class Command(BaseCommand):
    help = "Compare prompt template versions on a labelled document set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document-type", required=True)
        parser.add_argument("--manifest", required=True, type=Path)
        parser.add_argument("--versions", nargs="+", type=int, help="Versions to compare.")
        parser.add_argument(
            "--json", type=Path, dest="json_path", help="Also write the report as JSON here."
        )

    def handle(self, *args, document_type: str, manifest: Path, versions: list[int] | None,
               json_path: Path | None, **options) -> None:  # fmt: skip
        templates = self._templates(document_type, versions)
        try:
            documents = read_manifest(manifest)
        except ManifestError as error:
            raise CommandError(str(error)) from None
        report = evaluate_specs(
            document_type=document_type,
            documents=documents,
            specs={t.version: t.spec for t in templates},
        )
        self.stdout.write(report.table())
        self.stdout.write(f"{report.documents} documents, {len(report.unreadable)} unreadable")
        if json_path is not None:
            _write_json(json_path, report.as_dict())

    def _templates(self, code: str, versions: list[int] | None) -> list[PromptTemplate]:
        templates = PromptTemplate.objects.filter(document_type__code=code)
        if not versions:
            chosen = list(templates.filter(is_default=True))
            if not chosen:
                raise CommandError(f"{code} has no default template; pass --versions")
            return chosen
        found = {t.version: t for t in templates.filter(version__in=versions)}
        missing = [v for v in versions if v not in found]
        if missing:
            raise CommandError(f"{code} has no version {', '.join(map(str, missing))}")
        return [found[v] for v in versions]


def _write_json(path: Path, report: dict) -> None:
    try:
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror}") from None
