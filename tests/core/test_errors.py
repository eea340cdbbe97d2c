"""One error shape for every 4xx/5xx under /api/, request ids, and nothing internal leaking."""

import json
import logging

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from customers import selectors
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

SECRET = "secret internal detail"


def test_400_validation(agent_client):
    error = assert_error_shape(agent_client.post("/api/v1/customers/", {}), 400, "validation_error")
    assert error["details"]["fields"]["name"]


def test_401_not_authenticated_carries_www_authenticate(anon_client):
    response = anon_client.get("/api/v1/customers/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_403_permission_denied(agent, agent_client):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(assigned_agent=agent)
    error = assert_error_shape(
        agent_client.delete(f"/api/v1/customers/{customer.pk}/"), 403, "permission_denied"
    )
    # The service's reason, not DRF's generic "You do not have permission...".
    assert error["message"] == "Agents cannot delete customers; ask a supervisor."


def test_404_for_an_unknown_api_url_is_json(agent_client):
    error = assert_error_shape(agent_client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert error["message"]


def test_404_for_an_unknown_object(agent_client):
    assert_error_shape(agent_client.get("/api/v1/customers/999999/"), 404, "not_found")


def test_405_names_the_allowed_methods(agent_client):
    response = agent_client.delete("/api/v1/customers/")
    assert_error_shape(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_error_shape(APIClient().get("/api/v1/auth/login/"), 405, "method_not_allowed")


def test_409_conflict(agent, agent_client):
    agent_client.post("/api/v1/customers/", {"name": "A", "email": "a@example.test"})
    assert_error_shape(
        agent_client.post("/api/v1/customers/", {"name": "B", "email": "A@example.test"}),
        409,
        "duplicate_customer",
    )


def test_415_unsupported_media_type(agent_client):
    response = agent_client.generic("POST", "/api/v1/customers/", "name=x", content_type="text/csv")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_429_login_locked(anon_client, agent):
    for _ in range(5):
        anon_client.post("/api/v1/auth/login/", {"username": "agent_ann", "password": "nope"})
    response = anon_client.post(
        "/api/v1/auth/login/", {"username": "agent_ann", "password": "nope"}
    )
    assert_error_shape(response, 429, "login_locked")
    assert int(response["Retry-After"]) > 0


@override_settings(DEBUG=False)
def test_500_in_an_api_view_leaks_nothing(monkeypatch, agent_client, caplog):
    def broken(user):
        raise RuntimeError(f"{SECRET}: connection string postgres://u:p@db/x")

    monkeypatch.setattr(selectors, "customers_visible_to", broken)
    agent_client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="ledgerlens.errors"):
        response = agent_client.get("/api/v1/customers/1/")
    error = assert_error_shape(response, 500, "server_error")
    assert error == {
        "code": "server_error",
        "message": "An internal error occurred.",
        "details": {},
    }
    assert SECRET not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    # The operator still gets the full story in the logs, joined by the request id.
    record = next(r for r in caplog.records if r.name == "ledgerlens.errors")
    assert record.exc_info and SECRET in str(record.exc_info[1])


@override_settings(DEBUG=False)
@pytest.mark.urls("tests.core.error_urls")
def test_500_outside_drf_is_still_the_json_shape():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/test-crash/")
    assert_error_shape(response, 500, "server_error")
    assert SECRET not in response.content.decode()


def test_request_id_is_echoed_when_given_and_generated_otherwise(agent_client):
    given = agent_client.get("/api/v1/customers/", HTTP_X_REQUEST_ID="trace-abc.123")
    assert given["X-Request-ID"] == "trace-abc.123"
    generated = agent_client.get("/api/v1/customers/")
    assert len(generated["X-Request-ID"]) == 32
    # A header that could smuggle log lines is replaced, not echoed.
    hostile = agent_client.get("/api/v1/customers/", HTTP_X_REQUEST_ID='x"\n{"level":"CRITICAL"}')
    assert (
        hostile["X-Request-ID"] != 'x"\n{"level":"CRITICAL"}' and len(hostile["X-Request-ID"]) == 32
    )
    error = agent_client.get("/api/v1/customers/0/", HTTP_X_REQUEST_ID="err-1")
    assert error.json()["request_id"] == "err-1" == error["X-Request-ID"]


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"HTTP_X_CLIENT": "mobile"}, "mobile"),
        ({"HTTP_X_CLIENT": "web"}, "web"),
        ({"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Firefox/130.0"}, "web"),
        ({"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)"}, "mobile"),
        ({"HTTP_USER_AGENT": "okhttp/4.12.0"}, "mobile"),
        ({"HTTP_USER_AGENT": "python-requests/2.32"}, "api"),
    ],
)
def test_client_kind_and_user_reach_the_access_log(agent_client, caplog, headers, kind):
    with caplog.at_level(logging.INFO, logger="ledgerlens.access"):
        agent_client.get("/api/v1/customers/", HTTP_X_REQUEST_ID="log-1", **headers)
    record = next(r for r in caplog.records if r.name == "ledgerlens.access")
    assert (record.client_kind, record.request_id, record.user) == (kind, "log-1", "agent_ann")
    assert (record.status, record.method, record.path) == (200, "GET", "/api/v1/customers/")
    assert record.duration_ms >= 0


def test_access_log_lines_are_json_in_the_rotating_file(agent_client, caplog):
    with caplog.at_level(logging.INFO, logger="ledgerlens.access"):
        agent_client.get("/api/v1/customers/", HTTP_X_REQUEST_ID="file-line-1", HTTP_X_CLIENT="api")
    for handler in logging.getLogger().handlers:
        handler.flush()
    path = settings.LOGGING["handlers"]["file"]["filename"]
    with open(path, encoding="utf-8") as log_file:
        lines = [json.loads(line) for line in log_file if "file-line-1" in line]
    assert lines, "no access line written"
    line = lines[-1]
    assert {"time", "level", "logger", "message", "request_id", "user", "client_kind", "path",
            "status", "duration_ms"} <= set(line)  # fmt: skip
    assert (line["client_kind"], line["user"], line["status"]) == ("api", "agent_ann", 200)


# --- Bodies over Django's limits: 413 in the one shape, wherever Django notices -------------
LIMITS = {
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 1000,
    "DATA_UPLOAD_MAX_NUMBER_FIELDS": 5,
    "DATA_UPLOAD_MAX_NUMBER_FILES": 2,
}

CSRF_SECRET = "a" * 32


def _too_many_fields() -> dict:
    return {f"field{n}": "x" for n in range(10)}


@override_settings(**LIMITS)
def test_a_json_body_over_the_memory_limit_is_413_not_a_500(agent_client, caplog):
    agent_client.raise_request_exception = False
    body = json.dumps({"name": "x" * 5000, "email": "big@example.test"})
    with caplog.at_level(logging.WARNING, logger="ledgerlens.errors"):
        response = agent_client.post("/api/v1/customers/", body, content_type="application/json")
    error = assert_error_shape(response, 413, "request_too_large")
    assert error["details"] == {"limit": 1000}
    assert "Traceback" not in response.content.decode()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@override_settings(**LIMITS)
def test_an_anonymous_login_body_over_the_limit_is_413(anon_client):
    anon_client.raise_request_exception = False
    body = json.dumps({"username": "x" * 5000, "password": "y"})
    response = anon_client.post("/api/v1/auth/login/", body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")


@override_settings(**LIMITS)
def test_too_many_multipart_fields_at_parse_time_is_413(agent_client):
    agent_client.raise_request_exception = False
    response = agent_client.post("/api/v1/customers/", _too_many_fields(), format="multipart")
    error = assert_error_shape(response, 413, "too_many_fields")
    assert error["details"] == {"limit": 5}


@override_settings(**LIMITS)
def test_too_many_files_at_parse_time_is_413(agent_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agent_client.raise_request_exception = False
    files = [SimpleUploadedFile(f"scan{n}.pdf", b"%PDF-1.4\n") for n in range(4)]
    response = agent_client.post("/api/v1/invoices/", {"files": files}, format="multipart")
    error = assert_error_shape(response, 413, "too_many_files")
    assert error["details"] == {"limit": 2}


@override_settings(**LIMITS)
def test_too_many_fields_read_by_the_session_csrf_check_is_413(agent):
    # SessionAuthentication's CSRF check reads request.POST before the view does.
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(agent)
    client.cookies["csrftoken"] = CSRF_SECRET  # then the form's token is looked for
    response = client.post("/api/v1/customers/", _too_many_fields(), format="multipart")
    assert_error_shape(response, 413, "too_many_fields")


@override_settings(**LIMITS)
@pytest.mark.urls("tests.core.body_limit_urls")
def test_too_many_fields_read_by_django_csrf_middleware_is_413():
    # Django's CsrfViewMiddleware reads request.POST of a plain (non-DRF) view's POST.
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = CSRF_SECRET  # then the form's token is looked for
    response = client.post("/api/v1/test-plain-form/", _too_many_fields(), format="multipart")
    error = assert_error_shape(response, 413, "too_many_fields")
    assert error["details"] == {"limit": 5}


@override_settings(**LIMITS)
@pytest.mark.urls("tests.core.body_limit_urls")
def test_a_body_over_the_limit_read_by_a_plain_view_is_413():
    client = APIClient(raise_request_exception=False)
    body = json.dumps({"blob": "x" * 5000})
    response = client.post("/api/v1/test-plain-body/", body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")


@override_settings(**LIMITS)
def test_outside_the_api_django_answers_its_own_400_page(client):
    client.raise_request_exception = False
    response = client.post("/i18n/setlang/", _too_many_fields())
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_bad_host_under_the_api_is_400_in_the_one_shape():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/customers/", HTTP_HOST="evil.example.test")
    assert_error_shape(response, 400, "bad_request")
