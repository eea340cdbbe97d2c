from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _tune_sqlite(sender, connection, **kwargs) -> None:
    # WAL lets readers proceed while one writer commits; NORMAL sync is safe under WAL.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            cursor.execute("PRAGMA foreign_keys=ON;")


class CoreConfig(AppConfig):
    """What every app shares: the error shape, request context, logging, metrics, health."""

    name = "core"
    verbose_name = "LedgerLens core"

    def ready(self) -> None:
        connection_created.connect(_tune_sqlite, dispatch_uid="ledgerlens-sqlite-tuning")
        from . import checks  # noqa: F401  (registers system checks)
