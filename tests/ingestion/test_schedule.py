"""The schedule migration (ingestion 0002) and its task."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from ingestion.tasks import scheduled_ingestion

pytestmark = pytest.mark.django_db


def test_the_poll_is_scheduled_every_interval():
    schedule = Schedule.objects.get(name="ingestion_poll")
    assert schedule.func == "ingestion.tasks.scheduled_ingestion"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 5, -1)


def test_the_task_polls_every_active_source(customer, tmp_path, settings):
    from ingestion.models import WatchedFolder

    WatchedFolder.objects.create(customer=customer, path=str(tmp_path))
    WatchedFolder.objects.create(customer=customer, path=str(tmp_path / "off"), is_active=False)

    assert scheduled_ingestion() == {"mailboxes": 0, "folders": 1, "errors": 0}
    settings.INGESTION_POLL_INTERVAL_S = 0
    assert "skipped" in scheduled_ingestion()
