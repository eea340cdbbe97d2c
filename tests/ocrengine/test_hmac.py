"""HMAC-signed machine clients on the analysis API: valid, stale, replayed, tampered, rotated
keys, malformed signatures, what a client may see, and which endpoints its scopes open."""

import importlib
import json
import time
import uuid

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from ocrengine.models import AnalysisLog, ApiClient
from ocrengine.services.hmac_auth import (
    api_client_create,
    api_client_retire_previous,
    api_client_rotate,
    api_nonces_prune,
    sign,
)
from tests.conftest import assert_error_shape
from tests.factories import UserFactory
from tests.ocrengine.analysis_support import (
    fresh_analysis_state,
    grant_sensitive,
    id_card_text,
    invoice_text,
    prc_id,
)

pytestmark = pytest.mark.django_db
PATH = "/api/v1/ocr/analyze/"


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


@pytest.fixture
def machine():
    client, secret = api_client_create(name="Partner ERP")
    return client, secret


def signed_post(
    key_id: str,
    secret: str,
    body: dict,
    *,
    path: str = PATH,
    timestamp: int | None = None,
    nonce: str | None = None,
    send_body: bytes | None = None,
    signed_path: str | None = None,
):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex
    headers = {
        "HTTP_X_KEY_ID": key_id,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_NONCE": nonce,
        "HTTP_X_SIGNATURE": sign(secret, "POST", signed_path or path, timestamp, nonce, raw),
    }
    return APIClient().generic(
        "POST",
        path,
        send_body if send_body is not None else raw,
        content_type="application/json",
        **headers,
    )


INVOICE = {"document_type": "invoice", "raw_texts": [invoice_text()]}


def test_valid_signature_is_accepted_and_logged_as_the_client(machine):
    client, secret = machine
    response = signed_post(client.key_id, secret, INVOICE)
    assert response.status_code == 200, response.content
    assert response.json()["fields"]["invoice_number"] == "INV-2024-0042"
    log = AnalysisLog.objects.get()
    assert (log.api_client, log.user, log.client_kind) == (client, None, "api")
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_stale_and_future_timestamps_are_refused(machine):
    client, secret = machine
    stale = signed_post(client.key_id, secret, INVOICE, timestamp=int(time.time()) - 301)
    assert_error_shape(stale, 401, "signature_expired")
    # A future stamp gets nearer while the request travels: +301 s truncated to whole seconds
    # was inside the window by the time a loaded machine checked it.
    future = signed_post(client.key_id, secret, INVOICE, timestamp=int(time.time()) + 330)
    assert_error_shape(future, 401, "signature_expired")
    assert (
        signed_post(client.key_id, secret, INVOICE, timestamp=int(time.time()) - 290).status_code
        == 200
    )


def test_replayed_nonce_is_refused(machine):
    client, secret = machine
    assert signed_post(client.key_id, secret, INVOICE, nonce="nonce-0001").status_code == 200
    assert_error_shape(
        signed_post(client.key_id, secret, INVOICE, nonce="nonce-0001"), 401, "nonce_replayed"
    )


def test_tampered_body_path_or_wrong_secret_is_refused(machine):
    client, secret = machine
    altered = json.dumps({**INVOICE, "document_type": "receipt"}).encode()
    assert_error_shape(
        signed_post(client.key_id, secret, INVOICE, send_body=altered), 401, "signature_invalid"
    )
    assert_error_shape(
        signed_post(client.key_id, secret, INVOICE, signed_path="/api/v1/ocr/batch-analyze/"),
        401,
        "signature_invalid",
    )
    assert_error_shape(
        signed_post(client.key_id, "not-the-secret", INVOICE), 401, "signature_invalid"
    )
    assert AnalysisLog.objects.count() == 0


def test_unknown_inactive_and_incomplete_credentials(machine):
    client, secret = machine
    assert_error_shape(signed_post("ll_nobody", secret, INVOICE), 401, "unknown_key")
    response = APIClient().post(PATH, INVOICE, format="json", HTTP_X_KEY_ID=client.key_id)
    assert_error_shape(response, 401, "signature_missing")
    response = signed_post(client.key_id, secret, INVOICE, nonce="short")
    assert_error_shape(response, 401, "invalid_nonce")
    # "$" alone would let a trailing newline through.
    response = signed_post(client.key_id, secret, INVOICE, nonce="nonce-0001\n")
    assert_error_shape(response, 401, "invalid_nonce")
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    assert_error_shape(signed_post(client.key_id, secret, INVOICE), 401, "unknown_key")


def test_rotation_keeps_both_secrets_valid_until_the_old_one_is_retired(machine):
    client, old = machine
    new = api_client_rotate(client=client)
    assert new != old
    assert signed_post(client.key_id, old, INVOICE).status_code == 200
    assert signed_post(client.key_id, new, INVOICE).status_code == 200
    api_client_retire_previous(client=client)
    assert_error_shape(signed_post(client.key_id, old, INVOICE), 401, "signature_invalid")
    assert signed_post(client.key_id, new, INVOICE).status_code == 200


def test_client_sees_sensitive_fields_only_through_a_permitted_user():
    body = {"document_type": "id_card", "raw_texts": [id_card_text()]}
    bare, bare_secret = api_client_create(name="No user")
    masked = signed_post(bare.key_id, bare_secret, body).json()
    assert masked["fields"]["id_number"] == "110***********002X"
    owner = UserFactory(username="kyc_service")
    grant_sensitive(owner)
    trusted, trusted_secret = api_client_create(name="KYC", user=owner)
    clear = signed_post(trusted.key_id, trusted_secret, body).json()
    assert clear["fields"]["id_number"] == prc_id()
    owner.is_active = False
    owner.save()
    assert_error_shape(signed_post(trusted.key_id, trusted_secret, body), 401, "user_inactive")


def test_machine_clients_cannot_reach_other_endpoints(machine):
    client, secret = machine
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    path = "/api/v1/ocr/templates/"
    response = APIClient().get(
        path,
        HTTP_X_KEY_ID=client.key_id,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=sign(secret, "GET", path, timestamp, nonce, b""),
    )
    assert_error_shape(response, 401)


def test_old_nonces_are_pruned(machine):
    client, secret = machine
    signed_post(client.key_id, secret, INVOICE)
    assert api_nonces_prune() == 0
    from ocrengine.models import ApiNonce

    ApiNonce.objects.update(created_at="2000-01-01T00:00:00Z")
    assert api_nonces_prune() == 1


def test_the_database_holds_secrets_only_encrypted(machine):
    client, secret = machine
    new_secret = api_client_rotate(client=client)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret, previous_secret FROM {ApiClient._meta.db_table} WHERE id = %s",
            [client.pk],
        )
        current, previous = cursor.fetchone()

    assert new_secret not in current and secret not in previous
    reread = ApiClient.objects.get(pk=client.pk)
    assert (reread.secret, reread.previous_secret) == (new_secret, secret)
    assert signed_post(client.key_id, new_secret, INVOICE).status_code == 200


def test_a_secret_no_configured_key_opens_is_refused_with_a_clear_error(machine):
    client, secret = machine
    with override_settings(FIELD_ENCRYPTION_KEYS=["a-key-that-did-not-encrypt-it-" * 3]):
        response = signed_post(client.key_id, secret, INVOICE)
    assert_error_shape(response, 401, "secret_unreadable")

    assert signed_post(client.key_id, secret, INVOICE).status_code == 200  # the key restored


@pytest.mark.parametrize(
    "signature",
    ["é" * 64, "not hex at all", "ab" * 31, "ab" * 33, "zz" * 32],
    ids=["non-ascii", "words", "short", "long", "non-hex"],
)
def test_a_signature_that_is_not_64_hex_digits_is_401_with_a_code(machine, signature):
    client, _secret = machine
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    response = APIClient().generic(
        "POST",
        PATH,
        json.dumps(INVOICE).encode(),
        content_type="application/json",
        HTTP_X_KEY_ID=client.key_id,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=signature,
    )
    assert_error_shape(response, 401, "invalid_signature_format")


def test_an_uppercase_hex_signature_is_accepted(machine):
    client, secret = machine
    raw = json.dumps(INVOICE).encode()
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    response = APIClient().generic(
        "POST",
        PATH,
        raw,
        content_type="application/json",
        HTTP_X_KEY_ID=client.key_id,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=sign(secret, "POST", PATH, timestamp, nonce, raw).upper(),
    )
    assert response.status_code == 200, response.content


# --- scopes ---------------------------------------------------------------------------------

BATCH_PATH = "/api/v1/ocr/batch-analyze/"


def test_a_new_client_gets_every_scope_unless_told_otherwise(machine):
    client, _secret = machine
    assert client.scopes == ["analyze", "batch-analyze"]
    limited, _ = api_client_create(name="Single", scopes=["analyze"])
    assert limited.scopes == ["analyze"]
    with pytest.raises(ValidationError, match="Unknown scopes: everything"):
        api_client_create(name="Greedy", scopes=["analyze", "everything"])


def test_a_client_calls_only_the_endpoints_its_scopes_name():
    client, secret = api_client_create(name="Single", scopes=["analyze"])
    assert signed_post(client.key_id, secret, INVOICE).status_code == 200
    refused = signed_post(client.key_id, secret, {"items": [INVOICE]}, path=BATCH_PATH)
    error = assert_error_shape(refused, 403, "scope_missing")
    assert error["details"] == {"required": "batch-analyze", "granted": ["analyze"]}
    assert AnalysisLog.objects.filter(error_code="scope_missing", api_client=client).count() == 1


def test_a_client_with_no_scopes_calls_nothing():
    client, secret = api_client_create(name="Idle", scopes=[])
    assert_error_shape(signed_post(client.key_id, secret, INVOICE), 403, "scope_missing")
    refused = signed_post(client.key_id, secret, {"items": [INVOICE]}, path=BATCH_PATH)
    assert_error_shape(refused, 403, "scope_missing")


def test_a_refused_scope_costs_no_rate_limit(monkeypatch):
    # DRF reads the rates into the class at import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"analyze": "1/min"})
    client, secret = api_client_create(name="Single", scopes=["analyze"])
    for _ in range(3):
        refused = signed_post(client.key_id, secret, {"items": [INVOICE]}, path=BATCH_PATH)
        assert_error_shape(refused, 403, "scope_missing")
    assert signed_post(client.key_id, secret, INVOICE).status_code == 200


def test_users_are_not_held_to_client_scopes(agent_client):
    assert agent_client.post(BATCH_PATH, {"items": [INVOICE]}, format="json").status_code == 200


def test_clients_stored_before_scopes_were_enforced_keep_their_access():
    migration = importlib.import_module(
        "ocrengine.migrations.0009_llm_permission_client_scopes_log_retention"
    )
    unscoped, unscoped_secret = api_client_create(name="Old", scopes=[])
    named, _ = api_client_create(name="Named", scopes=["analyze"])
    ApiClient.objects.filter(pk=named.pk).update(scopes=["analyze", "read-all"])
    junk, _ = api_client_create(name="Junk", scopes=[])
    ApiClient.objects.filter(pk=junk.pk).update(scopes="analyze")

    migration.scope_existing_clients(django_apps, None)

    scopes = dict(ApiClient.objects.values_list("name", "scopes"))
    assert scopes == {
        "Old": ["analyze", "batch-analyze"],
        "Named": ["analyze"],
        "Junk": ["analyze", "batch-analyze"],
    }
    assert signed_post(unscoped.key_id, unscoped_secret, INVOICE).status_code == 200
    batch = signed_post(unscoped.key_id, unscoped_secret, {"items": [INVOICE]}, path=BATCH_PATH)
    assert batch.status_code == 200
