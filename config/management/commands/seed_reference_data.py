from django.core.management.base import BaseCommand

from billing.services import reference_data_seed as billing_seed
from ocrengine.services import reference_data_seed as ocrengine_seed


class Command(BaseCommand):
    help = (
        "Load reference data (banks, bank templates, document types, prompt templates). Idempotent."
    )

    def handle(self, *args, **options) -> None:
        for label, seed in (("billing", billing_seed), ("ocrengine", ocrengine_seed)):
            summary = seed()
            self.stdout.write(f"{label}: {summary}")
