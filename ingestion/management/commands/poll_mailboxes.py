from django.core.management.base import BaseCommand

from ingestion.models import Mailbox
from ingestion.services import mailbox_poll


class Command(BaseCommand):
    help = "Take in the unseen mail of every active mailbox (or of the ones named by id)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="mailbox ids (default: all active)")

    def handle(self, *args, ids, **options):
        mailboxes = Mailbox.objects.select_related("customer")
        mailboxes = mailboxes.filter(pk__in=ids) if ids else mailboxes.filter(is_active=True)
        failures = 0
        for mailbox in mailboxes:
            result = mailbox_poll(mailbox=mailbox)
            counts = (
                ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items())) or "nothing new"
            )
            if result.busy:
                line = f"mailbox {mailbox.pk} ({mailbox}): busy, another poll holds it"
            elif result.error:
                failures += 1
                line = f"mailbox {mailbox.pk} ({mailbox}): error: {result.error}"
            else:
                line = f"mailbox {mailbox.pk} ({mailbox}): {result.messages} messages, {counts}"
            self.stdout.write(line)
        if failures:
            raise SystemExit(1)
