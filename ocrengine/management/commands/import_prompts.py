"""manage.py import_prompts --input FILE [--activate]: import a bundle from export_prompts.
All or nothing; malformed or conflicting versions are listed and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from ocrengine.services.template_transfer import templates_import


class Command(BaseCommand):
    help = "Import prompt templates from a JSON bundle."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", required=True, help="Bundle written by export_prompts.")
        parser.add_argument(
            "--activate",
            action="store_true",
            help="Make the bundle's defaults the defaults here too.",
        )

    def handle(self, *args, input: str, activate: bool, **options) -> None:
        try:
            bundle = json.loads(Path(input).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {input}: {error.strerror}") from None
        except ValueError as error:
            raise CommandError(f"{input} is not valid JSON: {error}") from None
        try:
            report = templates_import(bundle=bundle, activate=activate)
        except DomainError as error:
            details = error.details
            lines = [f"  error: {m}" for m in details.get("errors", [])]
            lines += [f"  conflict: {m}" for m in details.get("conflicts", [])]
            raise CommandError("\n".join([error.message, *lines])) from None
        for label in report.created:
            self.stdout.write(f"created {label}")
        for label in report.activated:
            self.stdout.write(f"activated {label}")
        for message in report.skipped:
            self.stdout.write(f"skipped {message}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(report.created)} created, {len(report.skipped)} skipped")
        )
