import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.services import templates_export


class Command(BaseCommand):
    help = "Write every bank template version to a JSON file that import_bank_templates reads."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="File to write ('-' for stdout).")
        parser.add_argument("--bank", action="append", default=[], help="Only this bank code.")

    def handle(self, *args, **options) -> None:
        document = templates_export(bank_codes=options["bank"] or None)
        text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error}") from error
        self.stderr.write(f"Exported {len(document['templates'])} template version(s).")
