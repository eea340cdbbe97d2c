import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.roles import AGENT, ROLES
from accounts.services import user_create_with_role
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create a user with a role (agent, supervisor or admin). The password is read from "
        "standard input (first line), or prompted for twice on a terminal, never from argv, "
        "so it stays out of shell history and process lists."
    )

    stealth_options = ("stdin",)  # call_command(stdin=...) in tests, like createsuperuser

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, default=AGENT)
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, role: str, email: str, **options) -> None:
        password = self._read_password(options.get("stdin") or sys.stdin)
        try:
            user = user_create_with_role(
                username=username, password=password, role=role, email=email
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {role} {user.get_username()!r} (id {user.pk}).")
        )

    def _read_password(self, stdin) -> str:
        if stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        else:
            # Only the trailing newline is dropped: spaces may be part of a passphrase.
            password = stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password given on standard input.")
        return password
