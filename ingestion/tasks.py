"""django-q2 entry point of the ingestion schedule (`Schedule` named `ingestion_poll`)."""

from django.conf import settings

from ingestion.services import ingestion_poll_all


def scheduled_ingestion() -> dict:
    if settings.INGESTION_POLL_INTERVAL_S <= 0:  # 0 turns scheduled polling off
        return {"skipped": "INGESTION_POLL_INTERVAL_S is 0"}
    return ingestion_poll_all()
