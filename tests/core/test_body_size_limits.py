"""The proxies in front of the app let through every request the app accepts: nginx
(docker/nginx/ledgerlens.conf) and the Kubernetes ingress allow one full invoice upload,
INVOICE_UPLOAD_MAX_FILES files of UPLOAD_MAX_BYTES each plus room for the form parts; the app
itself refuses anything beyond that with 413 in its error shape."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import assert_error_shape

ROOT = Path(__file__).resolve().parents[2]
FORM_ROOM = 1024 * 1024  # what invoices/apis/invoices.py allows beyond the files


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def _largest_accepted_request() -> int:
    return settings.UPLOAD_MAX_BYTES * settings.INVOICE_UPLOAD_MAX_FILES + FORM_ROOM


def test_nginx_lets_the_largest_invoice_upload_through():
    conf = (ROOT / "docker" / "nginx" / "ledgerlens.conf").read_text()
    [size] = re.findall(r"^\s*client_max_body_size\s+(\S+);", conf, flags=re.M)
    assert _bytes(size) == _largest_accepted_request()


def test_nginx_refuses_a_larger_body_in_the_apis_error_shape():
    # Checked by hand against Debian's nginx 1.22 on loopback (a 4 KiB body under a 1k limit
    # came back 413 with this JSON and the X-Request-ID header); here: the shape and the limit.
    conf = (ROOT / "docker" / "nginx" / "ledgerlens.conf").read_text()
    assert re.search(r"^\s*error_page 413 = @request_too_large;", conf, flags=re.M)
    [body] = re.findall(r"return 413 '(.*)';", conf)
    answer = json.loads(body.replace("$request_id", "0" * 32))
    assert set(answer) == {"error", "request_id"}
    assert set(answer["error"]) == {"code", "message", "details"}
    [size] = re.findall(r"^\s*client_max_body_size\s+(\S+);", conf, flags=re.M)
    assert answer["error"]["details"]["limit"] == _bytes(size)


def test_the_kubernetes_ingress_agrees_with_nginx():
    ingress = yaml.safe_load((ROOT / "docker" / "k8s" / "ingress.yaml").read_text())
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert _bytes(size) == _largest_accepted_request()


@pytest.mark.django_db
def test_the_app_refuses_a_request_over_that_limit_in_its_error_shape(agent_client, settings):
    # Small limits, the same rule: more than max files x max size + the form room is 413.
    settings.UPLOAD_MAX_BYTES, settings.INVOICE_UPLOAD_MAX_FILES = 1000, 2
    files = [SimpleUploadedFile(f"scan{n}.pdf", b"%PDF-1.4\n" + b"0" * 900_000) for n in range(2)]
    response = agent_client.post("/api/v1/invoices/", {"files": files}, format="multipart")
    error = assert_error_shape(response, 413, "file_too_large")
    assert error["details"]["max_files"] == 2
