"""A dependency down, not a bad request: the database unreachable answers 503
`database_unavailable`, the media volume full 507 `insufficient_storage`, both in the one error
shape with Retry-After, and neither leaves anything behind. The long versions (PostgreSQL
restarted under load, a real full volume behind gunicorn) are bench/faults.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

import pytest
from django.db import OperationalError, connection

from invoices.models import Invoice
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import post_upload, stored_files

pytestmark = pytest.mark.django_db


def _server_gone(execute, sql, params, many, context):
    # What psycopg raises for every query while PostgreSQL restarts.
    raise OperationalError("server closed the connection unexpectedly")


def test_an_unreachable_database_answers_503_in_the_error_shape(agent_client):
    with connection.execute_wrapper(_server_gone):
        response = agent_client.get("/api/v1/invoices/")
    error = assert_error_shape(response, 503, "database_unavailable")
    assert "unavailable" in error["message"] and "server closed" not in error["message"]
    assert response["Retry-After"] == "10"
    # The next request, with the database back, is served as usual.
    assert agent_client.get("/api/v1/invoices/").status_code == 200


@pytest.fixture
def full_media_volume(settings, tmp_path):
    """MEDIA_ROOT on a 32 KiB tmpfs: a real ENOSPC from the kernel (needs root to mount)."""
    media = tmp_path / "media"
    media.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(media)],
                             capture_output=True)  # fmt: skip
    if os.geteuid() != 0 or mounted.returncode != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root (bench/faults.py runs it on the server)")
    settings.MEDIA_ROOT = media
    try:
        yield media
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", str(media)], check=True, capture_output=True)


def test_an_upload_to_a_full_media_volume_is_507_and_leaves_nothing(
    agent_client, full_media_volume
):
    big = documents.invoice_pdf(pages=120)
    assert len(big) > 32 * 1024
    response = post_upload(agent_client, ("big.pdf", big))
    error = assert_error_shape(response, 507, "insufficient_storage")
    assert "nothing was stored" in error["message"]
    assert response["Retry-After"] == "10"
    assert not Invoice.objects.exists() and not ProcessingJob.objects.exists()


def test_a_write_that_ran_out_of_room_leaves_no_half_written_file(agent_client, full_media_volume):
    response = post_upload(agent_client, ("big.pdf", documents.invoice_pdf(pages=120)))
    assert response.status_code == 507
    assert stored_files(full_media_volume) == []  # else the next upload reuses it as complete


REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
        "OPTIONS": {"socket_connect_timeout": 1},
    }
}


def test_redis_down_under_the_rate_limit_answers_503_in_the_error_shape(agent_client, settings):
    settings.CACHES = REDIS_DOWN
    settings.RATE_LIMIT_STORE = "cache"
    body = {"document_type": "invoice", "raw_texts": ["Invoice Number: R-1\nTotal: EUR 1.00"]}
    response = agent_client.post("/api/v1/ocr/analyze/", body, format="json")
    error = assert_error_shape(response, 503, "service_unavailable")
    assert "unavailable" in error["message"] and "Connection" not in error["message"]
    assert response["Retry-After"] == "10"
