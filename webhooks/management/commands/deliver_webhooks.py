"""Start the webhook deliveries whose next attempt is due (the schedule of webhooks migration
0002 runs the same every WEBHOOK_RETRY_INTERVAL_S)."""

from django.core.management.base import BaseCommand

from webhooks.services import webhook_deliveries_due


class Command(BaseCommand):
    help = "Start a webhook.deliver job for each delivery whose next attempt is due."

    def handle(self, *args, **options) -> None:
        started = webhook_deliveries_due()
        self.stdout.write(f"{started} webhook deliveries started")
