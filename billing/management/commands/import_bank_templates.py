import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.services import templates_import
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load bank templates exported by export_bank_templates. All or nothing: malformed "
        "entries and versions that conflict with stored ones refuse the whole file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", required=True, help="The export file.")

    def handle(self, *args, **options) -> None:
        try:
            document = json.loads(Path(options["input"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {options['input']}: {error}") from error
        except ValueError as error:
            raise CommandError(f"{options['input']} is not JSON: {error}") from error
        try:
            report = templates_import(document=document)
        except DomainError as error:
            lines = [error.message, *(f"  - {e}" for e in error.details.get("errors", []))]
            raise CommandError("\n".join(lines)) from None
        for key in ("created", "published", "unchanged"):
            self.stdout.write(f"{key}: {', '.join(report[key]) or '-'}")
