"""AnalysisLog rows written in batches: none lost, call times kept, written by size, by age,
and before the statistics are read."""

import time

import pytest
from django.test import override_settings

from ocrengine.models import AnalysisLog
from ocrengine.services.analysis_log_writer import writer
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

URL = "/api/v1/ocr/analyze/"


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()
    yield
    writer.flush()  # nothing waits into the next test


def _analyze(client, number: str) -> None:
    body = {"document_type": "invoice", "raw_texts": [invoice_text(number)]}
    assert client.post(URL, body, format="json").status_code == 200


@override_settings(ANALYSIS_LOG_FLUSH_S=60, ANALYSIS_LOG_BATCH=3)
def test_rows_wait_until_a_batch_is_full_then_are_written_together(agent_client):
    _analyze(agent_client, "A-1")
    _analyze(agent_client, "A-2")
    assert AnalysisLog.objects.count() == 0

    _analyze(agent_client, "A-1")  # a cache hit
    rows = list(AnalysisLog.objects.order_by("created_at"))
    assert [row.cache_hit for row in rows] == [False, False, True]
    assert rows[0].created_at < rows[1].created_at < rows[2].created_at  # call times, not one


@override_settings(ANALYSIS_LOG_FLUSH_S=60, ANALYSIS_LOG_BATCH=100)
def test_the_statistics_count_this_process_waiting_rows(agent_client, supervisor_client):
    _analyze(agent_client, "S-1")
    assert AnalysisLog.objects.count() == 0

    stats = supervisor_client.get("/api/v1/ocr/stats/").json()
    assert stats["overall"]["calls"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the role groups
@override_settings(ANALYSIS_LOG_FLUSH_S=0.2, ANALYSIS_LOG_BATCH=100)
def test_a_lone_row_is_written_by_the_timer(agent_client):
    _analyze(agent_client, "T-1")
    deadline = time.monotonic() + 60  # generous: a busy CI machine runs the timer late
    while not AnalysisLog.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert AnalysisLog.objects.get().document_type == "invoice"
