from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Load reference data (banks, bank templates, document types, prompt templates). Idempotent."
    )

    def handle(self, *args, **options) -> None:
        # Each app seeds its own (REFERENCE_DATA_SEEDS: app label -> its seed service).
        for label, path in settings.REFERENCE_DATA_SEEDS.items():
            summary = import_string(path)()
            self.stdout.write(f"{label}: {summary}")
