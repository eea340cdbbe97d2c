"""Login lock-out: 5 failures within 15 minutes per username and per IP give 429 with
Retry-After; the lock lifts once the failures age out (timestamps moved, no sleeping)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import LoginFailure
from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/login/"


def _fail(client, username: str = "agent_ann", ip: str = "203.0.113.7", times: int = 1):
    for _ in range(times):
        response = client.post(URL, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)
    return response


def _login(client, username: str = "agent_ann", ip: str = "203.0.113.7"):
    return client.post(URL, {"username": username, "password": DEFAULT_PASSWORD}, REMOTE_ADDR=ip)


def _age_failures(seconds: int) -> None:
    for failure in LoginFailure.objects.all():
        failure.created_at -= timedelta(seconds=seconds)
        failure.save(update_fields=["created_at"])


def test_wrong_password_is_401_and_counted(anon_client, agent):
    error = assert_error_shape(_fail(anon_client), 401, "invalid_credentials")
    assert error["message"] == "Invalid username or password."
    assert LoginFailure.objects.filter(username="agent_ann", ip_address="203.0.113.7").count() == 1


def test_unknown_user_answers_like_a_wrong_password(anon_client):
    assert_error_shape(_fail(anon_client, username="nobody"), 401, "invalid_credentials")


def test_missing_fields_are_400(anon_client):
    error = assert_error_shape(anon_client.post(URL, {"username": "x"}), 400, "validation_error")
    assert "password" in error["details"]["fields"]


def test_five_failures_lock_the_username_even_with_the_right_password(anon_client, agent):
    for _ in range(4):
        assert _fail(anon_client).status_code == 401
    assert _fail(anon_client).status_code == 401  # the fifth failure is still only counted
    response = _login(anon_client, ip="198.51.100.9")  # another address, same username
    error = assert_error_shape(response, 429, "login_locked")
    retry_after = int(response["Retry-After"])
    assert 15 * 60 - 5 <= retry_after <= 15 * 60
    assert error["details"]["retry_after_s"] == retry_after


def test_five_failures_from_one_ip_lock_that_ip_for_every_username(anon_client, agent, other_agent):
    for number in range(5):
        _fail(anon_client, username=f"guess{number}")
    assert_error_shape(_login(anon_client, username="agent_bob"), 429, "login_locked")
    assert _login(anon_client, username="agent_bob", ip="198.51.100.9").status_code == 200


def test_the_lock_lifts_after_the_window(anon_client, agent):
    _fail(anon_client, times=5)
    assert _login(anon_client).status_code == 429
    _age_failures(15 * 60 - 30)
    response = _login(anon_client)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 31
    _age_failures(31)
    assert _login(anon_client).status_code == 200


def test_retry_after_follows_the_failure_that_must_age_out(anon_client, agent):
    # Failures at -10 min, then five more recently: the lock lasts until the fifth newest leaves.
    _fail(anon_client)
    _age_failures(10 * 60)
    _fail(anon_client, times=4)
    response = _login(anon_client)
    assert response.status_code == 429
    assert 5 * 60 - 5 <= int(response["Retry-After"]) <= 5 * 60


def test_success_forgives_the_usernames_failures(anon_client, agent):
    _fail(anon_client, times=4)
    assert _login(anon_client).status_code == 200
    _fail(anon_client, ip="198.51.100.9", times=4)
    assert _login(anon_client, ip="198.51.100.10").status_code == 200


def test_username_case_does_not_dodge_the_lock(anon_client, agent):
    for name in ("agent_ann", "AGENT_ANN", "Agent_Ann", "agent_ANN", "aGent_ann"):
        _fail(anon_client, username=name, ip=f"198.51.100.{len(LoginFailure.objects.all())}")
    assert_error_shape(_login(anon_client, ip="192.0.2.1"), 429, "login_locked")


def test_old_failures_are_pruned(anon_client, agent):
    _fail(anon_client, times=3)
    _age_failures(16 * 60)
    _fail(anon_client)
    assert LoginFailure.objects.count() == 1
    assert LoginFailure.objects.get().created_at > timezone.now() - timedelta(minutes=1)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_client_address_is_counted(anon_client, agent):
    # A client-supplied left part is ignored; the proxy's appended entry is the client.
    for _ in range(5):
        anon_client.post(
            URL,
            {"username": "someone", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50",
        )
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}
    locked = anon_client.post(
        URL,
        {"username": "agent_ann", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert locked.status_code == 429
    other_client = anon_client.post(
        URL,
        {"username": "agent_ann", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.51",
    )
    assert other_client.status_code == 200
