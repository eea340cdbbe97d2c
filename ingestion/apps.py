from django.apps import AppConfig


class IngestionConfig(AppConfig):
    """Mail and folders as upload channels: IMAP mailboxes and watched folders feed the invoice
    and statement upload services, one `IngestedItem` per file so polling is idempotent."""

    name = "ingestion"
    default_auto_field = "django.db.models.BigAutoField"
