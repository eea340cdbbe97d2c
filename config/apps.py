from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _tune_sqlite(sender, connection, **kwargs) -> None:
    # WAL lets readers proceed while one writer commits; NORMAL sync is safe under WAL.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            cursor.execute("PRAGMA foreign_keys=ON;")


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "LedgerLens"

    def ready(self) -> None:
        connection_created.connect(_tune_sqlite, dispatch_uid="ledgerlens-sqlite-tuning")
        from . import checks  # noqa: F401  (registers system checks)
        from .auth import signals  # noqa: F401  (a password change revokes refresh tokens)
        from .auth.admin_login import admin_login_lockout_install

        admin_login_lockout_install()  # /admin/login/ shares the API login's lock-out
