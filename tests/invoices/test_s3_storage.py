"""Invoices on S3 through django-storages, against a real S3 HTTP API: moto's server, started
here on a free loopback port. The upload must put the original in the bucket (nothing under
MEDIA_ROOT), and the file download and the page image must read it back through the API; the
readiness probe's storage check must pass by a real write, read and delete on the bucket."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import boto3
import pytest
from PIL import Image

from core import health
from invoices.models import Invoice
from tests.invoices import documents
from tests.invoices.conftest import post_upload, stored_files, upload_processed

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"
REGION = "us-east-1"
# Generous: a cold start imports moto's whole service catalogue, slow on a loaded machine.
SERVER_START_DEADLINE_S = 120
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _moto_server_command() -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    if script.exists():
        return [str(script)]
    found = shutil.which("moto_server")
    if not found:
        pytest.fail("moto_server is not installed (requirements/test.txt pins moto[server])")
    return [found]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """http://127.0.0.1:PORT of a moto S3 server running for this module's tests."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "moto_server.log").open("wb")
    server = subprocess.Popen(
        [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **CREDENTIALS},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SERVER_START_DEADLINE_S
        while not _answers(f"{endpoint}/moto-api/"):
            if server.poll() is not None:
                pytest.fail(f"moto_server exited with {server.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                pytest.fail(f"moto_server did not answer within {SERVER_START_DEADLINE_S} s")
            time.sleep(0.2)
        yield endpoint
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture
def s3_bucket(s3_endpoint, settings, monkeypatch) -> Iterator[tuple]:
    """A fresh bucket, and the default storage configured as production configures it
    (config/settings/base.py): the S3 backend, the bucket, an endpoint, path-style addressing,
    credentials from the environment. Returns (boto3 client, bucket name)."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"ledgerlens-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    # Replacing STORAGES makes Django drop the default storage it built (setting_changed).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    monkeypatch.setattr(health, "_storage_probe", None)
    yield client, bucket


def _bucket_keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_the_default_storage_is_the_s3_backend(s3_bucket):
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    _client, bucket = s3_bucket
    assert isinstance(default_storage, S3Storage)
    assert default_storage.bucket_name == bucket


def test_an_upload_is_stored_in_the_bucket_and_read_back_through_the_api(
    s3_bucket, agent_client, media_root, django_capture_on_commit_callbacks
):
    client, bucket = s3_bucket
    data = documents.invoice_pdf(pages=2)

    invoice = upload_processed(
        agent_client, "invoice.pdf", data, django_capture_on_commit_callbacks
    )

    invoice.refresh_from_db()
    assert invoice.status in {
        Invoice.Status.RECOGNIZED,
        Invoice.Status.NEEDS_REVIEW,
    }, invoice.error
    assert invoice.pages == 2
    assert _bucket_keys(client, bucket) == [invoice.file.name]
    assert invoice.file.name == f"invoices/pdf/{invoice.sha256}.pdf"
    stored = client.get_object(Bucket=bucket, Key=invoice.file.name)["Body"].read()
    assert stored == data
    assert stored_files(media_root) == []  # nothing went to the local media folder

    download = agent_client.get(f"{URL}{invoice.pk}/file/", {"download": "1"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"

    page = agent_client.get(f"{URL}{invoice.pk}/pages/2.png")
    assert page.status_code == 200, page.content
    assert page["Content-Type"] == "image/png"
    assert Image.open(BytesIO(page.content)).width > 500


def test_the_same_file_again_is_refused_and_adds_nothing_to_the_bucket(
    s3_bucket, agent_client, django_capture_on_commit_callbacks
):
    client, bucket = s3_bucket
    data = documents.invoice_pdf()
    first = upload_processed(agent_client, "a.pdf", data, django_capture_on_commit_callbacks)
    again = post_upload(agent_client, ("b.pdf", data))
    assert again.status_code == 409, again.content
    assert _bucket_keys(client, bucket) == [first.file.name]


def test_readiness_checks_the_bucket_with_a_real_round_trip(s3_bucket, client):
    s3, bucket = s3_bucket
    response = client.get("/api/v1/health/ready/")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == {
        **response.json()["checks"]["storage"],
        "ok": True,
        "detail": "readable and writable",
    }
    assert _bucket_keys(s3, bucket) == []  # the probe's test file was deleted again


def test_readiness_fails_when_the_bucket_is_gone(s3_bucket, client):
    s3, bucket = s3_bucket
    s3.delete_bucket(Bucket=bucket)
    response = client.get("/api/v1/health/ready/")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["ok"] is False
    assert bucket not in storage["detail"]  # the failure is named, the details stay in the log


def test_the_settings_read_the_s3_configuration_from_the_environment():
    """config/settings/base.py takes the bucket, endpoint, region and addressing style from the
    environment, and refuses the S3 backend without a bucket."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": "media-bucket",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_S3_REGION_NAME": "eu-central-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    code = (
        "from django.conf import settings as s;"
        "print(s.STORAGES['default']['BACKEND'], s.AWS_STORAGE_BUCKET_NAME, s.AWS_S3_ENDPOINT_URL,"
        " s.AWS_S3_REGION_NAME, s.AWS_S3_ADDRESSING_STYLE, s.AWS_DEFAULT_ACL,"
        " s.AWS_QUERYSTRING_AUTH, s.AWS_S3_FILE_OVERWRITE)"
    )
    root = Path(__file__).resolve().parents[2]
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "media-bucket",
        "http://127.0.0.1:9000",
        "eu-central-1",
        "path",
        "None",
        "True",
        "False",
    ]
    env.pop("AWS_STORAGE_BUCKET_NAME")
    refused = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in refused.stderr
