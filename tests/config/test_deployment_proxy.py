"""The shipped deployments put one proxy in front of the app and say so: TRUSTED_PROXY_COUNT=1
in compose (nginx) and Kubernetes (ingress), and nginx replaces X-Forwarded-For with the
client's address. With those settings the login lock-out counts clients, not the proxy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import override_settings

from accounts.models import LoginFailure
from tests.factories import DEFAULT_PASSWORD

DOCKER = Path(settings.BASE_DIR) / "docker"
NGINX_ADDRESS = "172.18.0.5"  # what gunicorn sees as REMOTE_ADDR for every proxied request


def _compose_default(value: str) -> str:
    """`${NAME:-default}` as compose reads it with NAME unset."""
    match = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return match.group(1) if match else str(value)


def _compose_trusted_proxy_count() -> int:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    web = compose["services"]["web"]
    assert "ports" not in web, "web must be reachable only through nginx"
    return int(_compose_default(web["environment"]["TRUSTED_PROXY_COUNT"]))


def _nginx_location_headers() -> dict[str, str]:
    conf = (DOCKER / "nginx" / "ledgerlens.conf").read_text()
    return dict(re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(.+?);", conf, re.MULTILINE))


def test_compose_trusts_its_one_nginx():
    assert _compose_trusted_proxy_count() == 1


def test_kubernetes_trusts_its_one_ingress():
    configmap = yaml.safe_load((DOCKER / "k8s" / "configmap.yaml").read_text())
    assert configmap["data"]["TRUSTED_PROXY_COUNT"] == "1"


def test_nginx_replaces_the_clients_x_forwarded_for_with_its_address():
    headers = _nginx_location_headers()
    assert headers["X-Forwarded-For"] == "$remote_addr"


def _login(client, *, client_address: str, password: str):
    # As nginx forwards it: from nginx's address, X-Forwarded-For set to the client's.
    return client.post(
        "/api/v1/auth/login/",
        {
            "username": "agent_ann" if password == DEFAULT_PASSWORD else "guess",
            "password": password,
        },
        REMOTE_ADDR=NGINX_ADDRESS,
        HTTP_X_FORWARDED_FOR=client_address,
    )


@pytest.mark.django_db
def test_behind_the_compose_nginx_one_guesser_does_not_lock_everybody_out(anon_client, agent):
    with override_settings(TRUSTED_PROXY_COUNT=_compose_trusted_proxy_count()):
        for _ in range(5):
            _login(anon_client, client_address="203.0.113.9", password="wrong")
        assert _login(anon_client, client_address="203.0.113.9", password="x").status_code == 429
        response = _login(anon_client, client_address="198.51.100.20", password=DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
