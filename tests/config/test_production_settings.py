"""Production settings pass `check --deploy` with real secrets and refuse to start without them."""

import importlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]


# Variables a test run may have set (the browser tests allow sync ORM calls from Playwright's
# event loop) that a production process never has.
NOT_IN_PRODUCTION = {
    "SECRET_KEY", "JWT_SIGNING_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "DEBUG",
    "CORS_ALLOWED_ORIGINS", "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in NOT_IN_PRODUCTION}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secrets() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": f"{secrets.token_urlsafe(64)},{secrets.token_urlsafe(64)}",
        "ALLOWED_HOSTS": "ledgerlens.example.com",
    }


def test_check_deploy_passes_at_warning_level():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_secrets())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-local-development-key-change-me"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": "same as SECRET_KEY"}, "JWT_SIGNING_KEY"),
        ({"CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "too-short"}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "same as SECRET_KEY"}, "FIELD_ENCRYPTION_KEYS"),
    ],
)
def test_refuses_to_start_without_real_configuration(monkeypatch, override, complaint):
    # Imported in this process (a fresh module each time) rather than by a subprocess: the
    # refusal happens while the settings module executes, before Django starts.
    env = {**_secrets(), **override}
    for key, value in env.items():
        if value == "same as SECRET_KEY":
            env[key] = env["SECRET_KEY"]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delitem(sys.modules, "config.settings.production", raising=False)
    with pytest.raises(ImproperlyConfigured, match=complaint):
        importlib.import_module("config.settings.production")
    assert "config.settings.production" not in sys.modules
