from datetime import date

from django.core.management.base import BaseCommand, CommandError

from customers.models import Customer
from matching.services import matches_propose


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = "Match invoices and receipts to card charges now (proposes, auto-confirms the clear)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--customer", type=int, help="Only this customer (id).")
        parser.add_argument("--date-from", help="Charges from this date (YYYY-MM-DD).")
        parser.add_argument("--date-to", help="Charges up to this date (YYYY-MM-DD).")

    def handle(self, *args, **options) -> None:
        customer = None
        if options["customer"] is not None:
            customer = Customer.objects.filter(pk=options["customer"]).first()
            if customer is None:
                raise CommandError(f"No customer {options['customer']}.")
        outcome = matches_propose(
            customer=customer,
            date_from=_day(options["date_from"]) if options["date_from"] else None,
            date_to=_day(options["date_to"]) if options["date_to"] else None,
        )
        self.stdout.write(" ".join(f"{key}={value}" for key, value in outcome.items()))
