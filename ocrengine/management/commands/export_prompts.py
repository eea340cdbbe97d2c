"""manage.py export_prompts --output FILE [--document-type CODE ...]: every prompt template
version as one JSON bundle (import it elsewhere with import_prompts)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ocrengine.services.template_transfer import templates_export


class Command(BaseCommand):
    help = "Export prompt templates as a JSON bundle."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="File to write ('-' for stdout).")
        parser.add_argument(
            "--document-type",
            action="append",
            dest="codes",
            default=None,
            help="Only this document type (repeatable).",
        )

    def handle(self, *args, output: str, codes: list[str] | None, **options) -> None:
        bundle = templates_export(document_type_codes=codes)
        text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stdout.write(f"exported {len(bundle['templates'])} templates to {output}")
