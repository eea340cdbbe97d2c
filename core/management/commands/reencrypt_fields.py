"""`manage.py reencrypt_fields`: encrypt every stored secret again with the first key of
FIELD_ENCRYPTION_KEYS, the middle step of a key rotation (new key first, run this, then drop
the old key). Exit 1, naming them, when some values open with none of the keys."""

from django.core.management.base import BaseCommand, CommandError

from core.encrypted_fields import reencrypt_all


class Command(BaseCommand):
    help = "Encrypt every stored secret again with the first of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        written, unreadable = reencrypt_all()
        self.stdout.write(f"{written} secret(s) encrypted with the first key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} secret(s) open with none of FIELD_ENCRYPTION_KEYS and were "
                "left as they are: " + "; ".join(unreadable)
            )
