"""`manage.py create_agent USERNAME --role ...` reads the password from stdin and validates it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.roles import user_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = "plum-orbit-lantern-77\n"


def _create(*args: str, stdin: str = GOOD) -> str:
    out = io.StringIO()
    call_command("create_agent", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_creates_a_user_in_the_role_who_can_log_in(role, anon_client):
    output = _create("li_na", "--role", role, "--email", "li.na@example.test")
    assert f"Created {role} 'li_na'" in output
    user = get_user_model().objects.get(username="li_na")
    assert user_role(user) == role
    assert (user.is_staff, user.is_superuser) == (
        (True, True) if role == "admin" else (False, False)
    )
    response = anon_client.post(
        "/api/v1/auth/login/", {"username": "li_na", "password": GOOD.strip()}
    )
    assert response.status_code == 200
    assert response.json()["user"]["role"] == role


def test_the_password_keeps_inner_and_trailing_spaces():
    _create("spacey", stdin="  long pass phrase with spaces  \n")
    assert (
        get_user_model()
        .objects.get(username="spacey")
        .check_password("  long pass phrase with spaces  ")
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("\n", "No password"),
        ("", "No password"),
        ("short\n", "too short"),
        ("password123\n", "too common"),
        ("83920174652\n", "entirely numeric"),
        ("maria_gonzalez\n", "too similar"),
    ],
)
def test_weak_or_missing_passwords_are_refused_clearly(stdin, message):
    with pytest.raises(CommandError, match=message):
        _create("maria_gonzalez", stdin=stdin)
    assert not get_user_model().objects.filter(username="maria_gonzalez").exists()


def test_an_existing_username_is_refused_whatever_its_case():
    UserFactory(username="Agent_Zed")
    with pytest.raises(CommandError, match="already exists"):
        _create("agent_zed")


def test_a_bad_role_is_refused_by_the_parser():
    with pytest.raises(CommandError, match="invalid choice"):
        _create("someone", "--role", "overlord")


def test_an_invalid_username_is_refused():
    with pytest.raises(CommandError, match="username"):
        _create("has spaces!")
