"""/admin/login/ has the API login's lock-out: the same counters (5 failures per username or per
IP in 15 minutes, wherever they were made) and no session for a locked account, even with the
right password."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from accounts.models import LoginFailure
from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
API_LOGIN = "/api/v1/auth/login/"


def _admin_login(client: Client, username: str, password: str, ip: str = "203.0.113.7", **extra):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_right_password_signs_staff_in_and_forgives_failures(staff_user):
    client = Client()
    for _ in range(4):
        assert _admin_login(client, "staff_sam", "wrong").status_code == 200
    assert LoginFailure.objects.filter(username="staff_sam").count() == 4
    response = _admin_login(client, "staff_sam", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)
    assert not LoginFailure.objects.filter(username="staff_sam").exists()


def test_five_failures_lock_the_admin_login_even_with_the_right_password(staff_user):
    client = Client()
    for _ in range(5):
        page = _admin_login(client, "staff_sam", "wrong")
        assert "Please enter the correct username and password" in page.content.decode()
    locked = _admin_login(client, "staff_sam", DEFAULT_PASSWORD, ip="198.51.100.9")
    assert locked.status_code == 200  # the form again, with the lock-out message
    assert "Too many failed logins. Try again in 15 min." in locked.content.decode()
    assert not _signed_in(client)
    assert LoginFailure.objects.filter(username="staff_sam").count() == 5  # not counted


def test_failures_at_the_api_lock_the_admin_login_and_back(anon_client, staff_user):
    for _ in range(3):
        anon_client.post(
            API_LOGIN, {"username": "staff_sam", "password": "x"}, REMOTE_ADDR="192.0.2.1"
        )
    client = Client()
    for _ in range(2):
        _admin_login(client, "STAFF_SAM", "wrong", ip="192.0.2.2")
    assert not _signed_in(client)
    assert (
        "Too many failed logins"
        in _admin_login(client, "staff_sam", DEFAULT_PASSWORD).content.decode()
    )
    api = anon_client.post(API_LOGIN, {"username": "staff_sam", "password": DEFAULT_PASSWORD})
    assert_error_shape(api, 429, "login_locked")


def test_five_failures_from_one_ip_lock_it_for_every_admin_username(staff_user):
    client = Client()
    for number in range(5):
        _admin_login(client, f"guess{number}", "wrong", ip="203.0.113.66")
    page = _admin_login(client, "staff_sam", DEFAULT_PASSWORD, ip="203.0.113.66")
    assert "Too many failed logins" in page.content.decode()
    assert _admin_login(client, "staff_sam", DEFAULT_PASSWORD, ip="203.0.113.67").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_admin_login_counts_the_forwarded_address(staff_user):
    client = Client()
    for _ in range(5):
        _admin_login(client, "nobody", "x", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.80")
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.80"}
    other_client = _admin_login(
        client, "staff_sam", DEFAULT_PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.81"
    )
    assert other_client.status_code == 302
