from django.core.management.base import BaseCommand

from ingestion.models import WatchedFolder
from ingestion.services import folder_scan


class Command(BaseCommand):
    help = "Take in the stable new files of every active watched folder (or those named by id)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="folder ids (default: all active)")

    def handle(self, *args, ids, **options):
        folders = WatchedFolder.objects.select_related("customer")
        folders = folders.filter(pk__in=ids) if ids else folders.filter(is_active=True)
        failures = 0
        for folder in folders:
            result = folder_scan(folder=folder)
            counts = (
                ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items())) or "nothing new"
            )
            if result.busy:
                self.stdout.write(f"folder {folder.pk} ({folder}): busy, another scan holds it")
            elif result.error:
                failures += 1
                self.stdout.write(f"folder {folder.pk} ({folder}): error: {result.error}")
            else:
                self.stdout.write(
                    f"folder {folder.pk} ({folder}): {counts}; {result.settling} still settling"
                )
        if failures:
            raise SystemExit(1)
