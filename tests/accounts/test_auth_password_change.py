"""A password change ends the sessions opened before it: the user's refresh tokens stop working
whatever path changed the hash (the admin's form, set_password() and save(), a raw hash), while
other saves of the user and other users' tokens are untouched. Expired tokens are flushed daily
by a django-q2 Schedule that a migration creates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def _login(client, username: str, password: str = DEFAULT_PASSWORD) -> str:
    response = client.post("/api/v1/auth/login/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["refresh"]


def _refresh(client, refresh: str):
    return client.post("/api/v1/auth/refresh/", {"refresh": refresh})


def test_set_password_and_save_revokes_every_refresh_token_of_the_user(
    anon_client, agent, other_agent
):
    phone, laptop = _login(anon_client, "agent_ann"), _login(anon_client, "agent_ann")
    bobs = _login(anon_client, "agent_bob")
    agent.set_password(NEW_PASSWORD)
    agent.save()
    for token in (phone, laptop):
        assert_error_shape(_refresh(anon_client, token), 401, "token_not_valid")
    assert _refresh(anon_client, bobs).status_code == 200
    # The new password opens a new session as usual.
    assert _refresh(anon_client, _login(anon_client, "agent_ann", NEW_PASSWORD)).status_code == 200


def test_the_admin_password_form_revokes_the_users_refresh_tokens(anon_client, agent, staff_user):
    refresh = _login(anon_client, "agent_ann")
    admin = Client()
    admin.force_login(staff_user)
    response = admin.post(
        f"/admin/auth/user/{agent.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_error_shape(_refresh(anon_client, refresh), 401, "token_not_valid")


def test_a_raw_hash_saved_with_update_fields_revokes_too(anon_client, agent):
    refresh = _login(anon_client, "agent_ann")
    agent.password = make_password(NEW_PASSWORD)
    agent.save(update_fields=["password"])
    assert_error_shape(_refresh(anon_client, refresh), 401, "token_not_valid")


def test_other_saves_keep_the_sessions(anon_client, agent):
    refresh = _login(anon_client, "agent_ann")  # the login itself saves last_login
    agent.refresh_from_db()
    agent.first_name = "Ann"
    agent.save()
    agent.is_active = True
    agent.save(update_fields=["is_active"])
    assert not BlacklistedToken.objects.exists()
    assert _refresh(anon_client, refresh).status_code == 200


def test_revoking_skips_spent_and_expired_tokens(anon_client, agent):
    spent = _login(anon_client, "agent_ann")
    assert _refresh(anon_client, spent).status_code == 200  # rotated: spent, blacklisted
    expired = OutstandingToken.objects.create(
        user=agent, jti="old", token="x", expires_at=timezone.now() - timedelta(hours=1)
    )
    agent.set_password(NEW_PASSWORD)
    agent.save()
    assert not BlacklistedToken.objects.filter(token=expired).exists()
    alive = OutstandingToken.objects.filter(user=agent, expires_at__gt=timezone.now())
    assert alive.count() == 2  # the spent one and the one it was rotated into
    assert BlacklistedToken.objects.filter(token__in=alive).count() == 2


def test_a_migration_schedules_the_daily_flush_of_expired_tokens(agent):
    schedule = Schedule.objects.get(name="flush_expired_tokens")
    assert (schedule.func, schedule.args, schedule.schedule_type, schedule.repeats) == (
        "django.core.management.call_command", "'flushexpiredtokens'", Schedule.DAILY, -1,
    )  # fmt: skip
    OutstandingToken.objects.create(
        user=agent, jti="gone", token="x", expires_at=timezone.now() - timedelta(seconds=1)
    )
    kept = OutstandingToken.objects.create(
        user=agent, jti="kept", token="y", expires_at=timezone.now() + timedelta(hours=1)
    )
    call_command("flushexpiredtokens")  # what the schedule runs
    assert list(OutstandingToken.objects.values_list("pk", flat=True)) == [kept.pk]
