"""`manage.py verify_integrity`: re-check every stored bill and every stored file.

Exit 0 when clean; exit 1 with one line per problem otherwise (cron and monitoring read the
exit status). Bills in review are counted, not listed: their reasons are already on them.
"""

import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from billing.models import Bill
from billing.services.integrity import (
    IntegrityProblem,
    billing_integrity_problems,
    stored_file_mismatch,
)
from invoices.models import Invoice


class Command(BaseCommand):
    help = (
        "Check every billing rule over the whole database and the checksums of stored "
        "statement and invoice files. Exit 1 with the problems, 0 when clean."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        problems = [*billing_integrity_problems(), *_invoice_file_problems()]
        in_review = Bill.objects.filter(status=Bill.Status.REVIEW).count()
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not problems,
                        "problems": [p.as_dict() for p in problems],
                        "bills_in_review": in_review,
                    },
                    indent=2,
                )
            )
        else:
            for problem in problems:
                self.stdout.write(f"[{problem.kind}] {problem.ref}: {problem.message}")
            self.stdout.write(
                f"{len(problems)} problem(s); {in_review} bill(s) in review with known reasons."
            )
        if problems:
            raise CommandError(f"{len(problems)} integrity problem(s) found.", returncode=1)


def _invoice_file_problems() -> Iterator[IntegrityProblem]:
    invoices = Invoice.objects.exclude(file="").only("pk", "file", "sha256")
    for invoice in invoices.iterator(chunk_size=500):
        message = stored_file_mismatch(invoice.file.name, invoice.sha256)
        if message:
            yield IntegrityProblem("file", f"invoice #{invoice.pk}", message)
