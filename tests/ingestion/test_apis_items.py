"""GET /api/v1/ingestion/items/: what mail and folders brought in, for supervisors and admins."""

from __future__ import annotations

import pytest

from ingestion.models import IngestedItem, WatchedFolder
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db
URL = "/api/v1/ingestion/items/"


@pytest.fixture
def items(customer, tmp_path):
    folder = WatchedFolder.objects.create(customer=customer, path=str(tmp_path))
    common = {"source": "folder", "folder": folder}
    return [
        IngestedItem.objects.create(
            **common, path="a.bin", filename="a.bin", sha256="a" * 64, outcome="failed",
            error_code="unsupported_media_type", error="Only PDF ...",
        ),
        IngestedItem.objects.create(
            **common, path="b.csv", filename="b.csv", sha256="b" * 64, outcome="imported"
        ),
    ]  # fmt: skip


def test_supervisors_list_and_filter_the_items(supervisor_client, items, customer):
    body = supervisor_client.get(URL).json()
    assert [row["filename"] for row in body["results"]] == ["b.csv", "a.bin"]
    assert body["results"][1]["customer"] == customer.pk
    assert body["results"][1]["error_code"] == "unsupported_media_type"

    failed = supervisor_client.get(URL, {"outcome": "failed"}).json()["results"]
    assert [row["filename"] for row in failed] == ["a.bin"]


def test_agents_get_403_and_anonymous_401(agent_client, anon_client):
    assert_error_shape(agent_client.get(URL), 403)
    assert_error_shape(anon_client.get(URL), 401)


def test_the_list_is_read_only(staff_client, items):
    assert staff_client.post(URL, {}).status_code == 405


@pytest.mark.parametrize("field", ["mailbox", "folder"])
def test_an_id_filter_beyond_a_database_integer_is_a_400(supervisor_client, field):
    response = supervisor_client.get(URL, {field: "9" * 30})
    assert_error_shape(response, 400, "validation_error")
