"""manage.py learn_from_corrections: reviewers' corrections → a template draft, promoted if
it measures better."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from invoices.services.learning import corrections_learn, learning_report
from ocrengine.models import DocumentType


class Command(BaseCommand):
    help = (
        "Propose the label hints in reviewers' corrections as a new prompt-template draft, score "
        "it against the current version on the approved invoices, and publish it when it is more "
        "accurate without any field getting worse. Prints the measured gain as JSON."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document-type", default="invoice")
        parser.add_argument(
            "--no-promote", action="store_true", help="score the draft, never publish it"
        )

    def handle(self, *args, **options) -> None:
        document_type = DocumentType.objects.filter(code=options["document_type"]).first()
        if document_type is None:
            raise CommandError(f"Unknown document type {options['document_type']!r}.")
        result = corrections_learn(document_type=document_type, promote=not options["no_promote"])
        self.stdout.write(learning_report(result))
