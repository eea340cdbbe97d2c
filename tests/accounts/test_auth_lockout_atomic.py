"""Login lock-out: checking the lock and counting the attempt are one step, so guesses made in
parallel cannot all pass a check that none of them has been counted against yet.

The interleaving is made deterministic instead of raced: an authentication backend placed
before ModelBackend runs the next login *while* the current one's password is being checked
(after its lock-out check, before its outcome). Before the fix every such login passed the
check, because failures were recorded only after the password check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, connections

from accounts.models import LoginFailure
from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/login/"
INTERLEAVING_BACKENDS = [
    "tests.accounts.test_auth_lockout_atomic.InterleavingBackend",
    "django.contrib.auth.backends.ModelBackend",
]


class InterleavingBackend:
    """Runs the queued logins one per password check, nested: each starts while the one
    before it is between its lock-out check and its outcome. Authenticates nobody itself."""

    queued: list[Callable[[], None]] = []

    def authenticate(self, request, username=None, password=None, **kwargs):
        if InterleavingBackend.queued:
            InterleavingBackend.queued.pop(0)()
        return None

    def get_user(self, user_id):
        return None


@pytest.fixture
def interleaving(settings):
    settings.AUTHENTICATION_BACKENDS = INTERLEAVING_BACKENDS
    InterleavingBackend.queued = []
    yield InterleavingBackend.queued
    InterleavingBackend.queued = []


def _post(client, username: str, password: str, ip: str):
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_login_arriving_during_the_fifth_guess_is_already_locked(
    anon_client, agent, interleaving
):
    for _ in range(4):
        assert _post(anon_client, "agent_ann", "wrong", "203.0.113.7").status_code == 401
    during_the_fifth = []
    interleaving.append(
        lambda: during_the_fifth.append(
            _post(anon_client, "agent_ann", DEFAULT_PASSWORD, "198.51.100.9")
        )
    )

    fifth = _post(anon_client, "agent_ann", "wrong", "203.0.113.7")

    assert fifth.status_code == 401
    # The fifth guess was counted before its password was checked: the right password, sent
    # meanwhile from elsewhere, meets the lock instead of resetting the count.
    assert_error_shape(during_the_fifth[0], 429, "login_locked")
    assert LoginFailure.objects.filter(username="agent_ann").count() == 5


def test_parallel_guesses_past_the_limit_are_refused(anon_client, agent, interleaving):
    """Six guesses in flight at once (each started during the previous one's password check):
    five are checked and counted, the sixth is refused before its password is looked at."""
    answers = []

    def guess(number: int) -> Callable[[], None]:
        def send() -> None:
            ip = f"203.0.113.{number}"
            answers.append((number, _post(anon_client, "agent_ann", f"guess{number}", ip)))

        return send

    interleaving.extend(guess(number) for number in range(2, 7))
    answers.append((1, _post(anon_client, "agent_ann", "guess1", "203.0.113.1")))

    statuses = {number: response.status_code for number, response in answers}
    assert statuses == {1: 401, 2: 401, 3: 401, 4: 401, 5: 401, 6: 429}
    assert LoginFailure.objects.filter(username="agent_ann").count() == 5


def test_parallel_guesses_from_one_address_are_limited_per_ip(anon_client, interleaving):
    answers = []
    interleaving.extend(
        (lambda n=number: answers.append(_post(anon_client, f"user{n}", "x", "203.0.113.50")))
        for number in range(2, 7)
    )
    answers.append(_post(anon_client, "user1", "x", "203.0.113.50"))
    # Five usernames, each guessed once, fill the address's quota; the sixth is refused.
    assert sorted(response.status_code for response in answers) == [401] * 5 + [429]
    assert LoginFailure.objects.filter(ip_address="203.0.113.50").count() == 5


def test_a_right_password_forgives_its_own_provisional_failure(anon_client, agent, interleaving):
    # The attempt counts while its password is checked; once it succeeds nothing stays counted.
    seen_during_check = []
    interleaving.append(lambda: seen_during_check.append(LoginFailure.objects.count()))
    assert _post(anon_client, "agent_ann", DEFAULT_PASSWORD, "203.0.113.7").status_code == 200
    assert seen_during_check == [1]
    assert LoginFailure.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_on_postgresql_the_check_and_record_hold_a_lock_per_username_and_ip():
    """Another connection cannot take the username's or the IP's lock while an attempt's
    transaction (here: the test's own, still open) is deciding; an unrelated username can."""
    from accounts.lockout import _advisory_lock_id, login_attempt_begin

    login_attempt_begin(username="Agent_Ann", ip_address="203.0.113.7")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:

            def can_lock(key: str) -> bool:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_advisory_lock_id(key)])
                taken = cursor.fetchone()[0]
                if taken:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_advisory_lock_id(key)])
                return taken

            assert not can_lock("login:user:agent_ann")
            assert not can_lock("login:ip:203.0.113.7")
            assert can_lock("login:user:someone_else")
    finally:
        other.close()
