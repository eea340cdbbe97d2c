from django.core.management.base import BaseCommand, CommandError

from billing.models import Transaction
from billing.services.merchant_rules import merchant_rules_apply


class Command(BaseCommand):
    help = "Re-run the active merchant rules over stored transactions (categories, merchants)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Also re-categorise rows that already have a category.",
        )
        parser.add_argument("--customer", type=int, help="Only this customer's transactions.")

    def handle(self, *args, **options) -> None:
        rows = Transaction.objects.all()
        if options["customer"] is not None:
            if options["customer"] < 0:
                raise CommandError("--customer must be a customer id.")
            rows = rows.filter(card__customer_id=options["customer"])
        outcome = merchant_rules_apply(queryset=rows, overwrite=options["overwrite"])
        self.stdout.write(
            f"Checked {outcome['checked']} transaction(s), updated {outcome['updated']}."
        )
