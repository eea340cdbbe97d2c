"""Schema fuzzing (issue #13): schemathesis drives every operation of the served OpenAPI schema,
in-process (the project's WSGI application), against the real test database with a few real
rows: as an agent (the coverage phase's fixed boundary and negative cases, then generated
ones), as a supervisor (generated ones) and, for the template changes only admins may make, as
an admin. Whatever it sends, no answer is a 5xx and every 4xx has the one error shape.

Deterministic on purpose: a fixed seed, no example database, no examples drawn from the code's
constants, a small example budget per operation, no deadline, and each example in its own
rolled-back savepoint with empty caches, so an example's answer depends only on its request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error

from billing.models import BankTemplate
from billing.services import reference_data_seed as billing_reference_data_seed
from billing.services.reference_data import BANK_TEMPLATES_DIR
from invoices.services.upload import INVOICE_PROCESS_JOB
from jobs.models import ProcessingJob
from ocrengine.models import PromptTemplate
from ocrengine.services.reference_data import PROMPT_SPECS_DIR
from ocrengine.services.reference_data import reference_data_seed as ocr_reference_data_seed
from tests.billing.factories import (
    BillFactory,
    CreditCardFactory,
    StatementImportFactory,
    TransactionFactory,
)
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import CustomerFactory
from tests.invoices import documents
from tests.invoices.factories import InvoiceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Examples Hypothesis generates per operation in the fuzzing phase (the coverage phase adds its
# own fixed set of boundary and negative cases on top). Small, so the whole run stays short on
# a busy 2-core CI machine; raise it locally to dig deeper.
MAX_EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "10"))


def _fuzz_config(*, coverage_phase: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            # Digging deeper locally: SCHEMA_FUZZ_SEED / SCHEMA_FUZZ_EXAMPLES change the examples.
            "seed": int(os.environ.get("SCHEMA_FUZZ_SEED", "13")),
            # Examples from the seed and the schema only, not from constants found in the code,
            # so a change elsewhere in the code base does not change what this test sends.
            "analysis": {"constants": {"enabled": False}},
            # The coverage phase sends a fixed set of boundary and negative cases (most of the
            # run's requests); the fuzzing phase MAX_EXAMPLES generated ones.
            "phases": {"coverage": {"enabled": coverage_phase}},
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )


# Operations left out, each for a reason that holds whatever the fuzzer sends:
EXCLUDED: list[tuple[str, str]] = [
    # Answers 503 by design while no django-q2 cluster heartbeats (tests never start one; see
    # tests/core/test_health.py), and it takes no input to fuzz.
    ("GET", "/api/v1/health/"),
]

OWN_FRAMES = 6
ERROR_LOGGERS = ("ledgerlens.errors", "django.request")


class _Tracebacks(logging.Handler):
    """Keeps, for the failure report, where each unhandled error the request logged was raised:
    the project's own frames (the framework's and libraries' say little) and the exception."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.exc_info[0] is None:
            return
        error = traceback.TracebackException(*record.exc_info)
        ours = [frame for frame in error.stack if "site-packages" not in frame.filename]
        lines = [
            f"  {frame.filename}:{frame.lineno} in {frame.name}: {frame.line}" for frame in ours
        ]
        self.texts.append("\n".join([*lines[-OWN_FRAMES:], *error.format_exception_only()]))


@pytest.fixture
def tracebacks() -> Iterator[_Tracebacks]:
    handler = _Tracebacks()
    loggers = [logging.getLogger(name) for name in ERROR_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def _examples_independent_of_the_code(monkeypatch) -> Iterator[None]:
    """Hypothesis mixes literals of the project's own modules into what it draws (about one
    draw in forty), from whatever modules are loaded at that moment: a change anywhere in the
    code, or another test importing a module first, would change what this test sends. There
    is no setting for it; the pinned Hypothesis's provider is given no local constants."""
    from hypothesis.internal.conjecture import providers

    no_constants = providers.Constants()
    monkeypatch.setattr(providers, "_get_local_constants", lambda: no_constants)
    providers.CONSTANTS_CACHE.cache.clear()  # drawn from the constants other tests saw
    yield
    providers.CONSTANTS_CACHE.cache.clear()


@pytest.fixture
def _connection_kept_open() -> Iterator[None]:
    """As Django's test client does: the request signals must not close the test's database
    connection, whose transaction holds the test's rows."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def seeded_ids(agent, settings, tmp_path) -> dict[str, int]:
    """A few real rows the agent may see, so path parameters can reach real objects: a customer
    with a card, a bill with a transaction, a statement import, an invoice with its stored
    file, a failed job and the shipped templates. Keyed by the path's first segment."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LLM_BASE_URL = ""  # the llm backend falls back to rules; nothing leaves the process
    billing_reference_data_seed()
    ocr_reference_data_seed()
    customer = CustomerFactory(assigned_agent=agent)
    card = CreditCardFactory(customer=customer)
    statement = StatementImportFactory(customer=customer, uploaded_by=agent)
    bill = BillFactory(card=card, statement_import=statement)
    TransactionFactory(bill=bill)
    job = ProcessingJob.objects.create(
        kind=INVOICE_PROCESS_JOB, status=ProcessingJob.Status.FAILED, created_by=agent
    )
    invoice = InvoiceFactory(customer=customer, uploaded_by=agent, job=job)
    default_storage.save(invoice.file.name, ContentFile(documents.invoice_pdf()))
    return {
        "customers": customer.pk,
        "cards": card.pk,
        "bills": bill.pk,
        "statements": statement.pk,
        "invoices": invoice.pk,
        "jobs": job.pk,
        "bank-templates": BankTemplate.objects.order_by("pk").first().pk,
        "ocr": PromptTemplate.objects.order_by("pk").first().pk,
    }


def _aim_at_seeded_rows(case, seeded_ids: dict[str, int]) -> None:
    """Every even id becomes a seeded row's: half the generated examples reach a real object
    (the coverage phase sends its body variants with the id "0", so all of those do), the
    others keep the generated id, mostly a missing row. Non-numeric ids are left alone."""
    parameters = case.path_parameters or {}
    first_segment = case.operation.path.removeprefix("/api/v1/").split("/", 1)[0]
    for name, value in parameters.items():
        if isinstance(value, bool) or not (
            isinstance(value, int)
            or (isinstance(value, str) and value.isascii() and value.isdigit())
        ):
            continue
        if int(value) % 2:
            continue
        if name == "id" and first_segment in seeded_ids:
            parameters[name] = seeded_ids[first_segment]
        elif name == "number":
            parameters[name] = 1


def _fresh_state() -> None:
    for cache in caches.all():
        cache.clear()


@contextmanager
def _rolled_back() -> Iterator[None]:
    """One example's writes live in a savepoint that is rolled back, and it starts with empty
    caches (throttles, lock-outs, cached pages), so no example sees another's state."""
    _fresh_state()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    _fresh_state()


def _error_shape_check(tracebacks: _Tracebacks):
    def error_shape(ctx, response, case) -> None:
        """Every 4xx/5xx is `{"error": {"code", "message", "details"}, "request_id"}`."""
        status = response.status_code
        if status >= 500:
            raise AssertionError(
                f"{status} from {case.operation.label}:\n" + "\n".join(tracebacks.texts)
            )
        if status < 400:
            return
        try:
            body = response.json()
        except ValueError:
            raise AssertionError(f"{status} body is not JSON: {response.content[:300]!r}") from None
        assert isinstance(body, dict) and set(body) == {"error", "request_id"}, body
        error = body["error"]
        assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, body
        assert isinstance(error["code"], str) and error["code"], body
        assert isinstance(error["message"], str), body
        assert isinstance(error["details"], dict), body
        assert isinstance(body["request_id"], str) and body["request_id"], body
        request_id = response.headers.get("x-request-id")
        if request_id:
            assert body["request_id"] == request_id[0], (body, request_id)

    return error_shape


def _served_schema(config: schemathesis.Config) -> schemathesis.BaseSchema:
    """The OpenAPI document /api/v1/schema/ serves (generated the same way, without a request:
    collection may not touch the database), wired to the project's WSGI application, which
    the fuzzer calls in-process."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=config
    )
    loaded.app = WSGIHandler()
    for method, path in EXCLUDED:
        loaded = loaded.exclude(method=method, path=path)
    return loaded


schema = _served_schema(_fuzz_config(coverage_phase=True))
# The supervisor's run repeats none of the coverage phase's fixed cases, which the agent's run
# sends already; what it adds is the other role's scoping and permissions, on generated cases.
fuzzing_only_schema = _served_schema(_fuzz_config(coverage_phase=False))


FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Each example resets what it touches itself (savepoint, caches), so the function-scoped
    # fixtures (users, seeded rows) are meant to be shared by the examples; speed depends on
    # the machine, not on the code.
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ],
)


def _fuzz_example(case, user, seeded_ids: dict[str, int], tracebacks: _Tracebacks) -> None:
    _aim_at_seeded_rows(case, seeded_ids)
    token = str(RefreshToken.for_user(user).access_token)
    tracebacks.texts.clear()
    with _rolled_back():
        response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error, _error_shape_check(tracebacks)])


@pytest.fixture
def fuzz(seeded_ids, tracebacks, _connection_kept_open, _examples_independent_of_the_code):
    """Sends one generated case as `user` and checks the answer."""

    def send_as(user, case) -> None:
        _fuzz_example(case, user, seeded_ids, tracebacks)

    return send_as


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_agent_no_server_error_and_one_error_shape(case, agent, fuzz):
    fuzz(agent, case)


@fuzzing_only_schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_supervisor_no_server_error_and_one_error_shape(case, supervisor, fuzz):
    fuzz(supervisor, case)


def _refused_to_agents_and_supervisors(context) -> bool:
    """Template changes: only admins may make them, so only an admin's requests reach their
    input validation (the spec, the import file, the sample statement)."""
    operation = context.operation
    return operation.method.upper() != "GET" and bool(ADMIN_ONLY_PATHS.match(operation.path))


ADMIN_ONLY_PATHS = re.compile(r"^/api/v1/(bank-templates|ocr/templates)/")


@schema.include(_refused_to_agents_and_supervisors).parametrize()
@FUZZ_SETTINGS
def test_as_an_admin_template_changes_no_server_error_and_one_error_shape(case, staff_user, fuzz):
    fuzz(staff_user, case)


# Findings of the fuzzer, each pinned by the request that found it.

# Beyond what a database integer key holds (SQLite's INTEGER, PostgreSQL's bigint).
OUT_OF_RANGE_ID = str(2**63)


@pytest.mark.parametrize(
    "url",
    [
        # NumberFilter on a foreign key: SQLite could not bind the number (OverflowError).
        f"/api/v1/customers/?assigned_agent={OUT_OF_RANGE_ID}",
        "/api/v1/customers/?assigned_agent=-1.7976931348623157e%2B308",
        f"/api/v1/invoices/?uploaded_by={OUT_OF_RANGE_ID}",
        # The dashboards' `customer` had a lower bound only.
        f"/api/v1/dashboard/summary/?customer={OUT_OF_RANGE_ID}",
        f"/api/v1/dashboard/monthly/?customer={OUT_OF_RANGE_ID}",
    ],
)
def test_an_id_filter_beyond_a_database_integer_is_a_400(agent, url):
    response = jwt_client(agent).get(url)
    assert_error_shape(response, 400, "validation_error")


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00%2B14:00",  # before year 1 in UTC: SQLite's conversion overflowed
        "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    ],
)
def test_an_invoice_date_time_filter_outside_the_utc_calendar_is_a_400(agent, moment):
    response = jwt_client(agent).get(f"/api/v1/invoices/?created_from={moment}")
    assert_error_shape(response, 400, "validation_error")


def test_an_invoice_date_time_filter_in_any_offset_python_reads_is_compared_in_utc(agent):
    # PostgreSQL accepts offsets up to ±15:59 only: "-18:07" as written was a 500 there.
    response = jwt_client(agent).get("/api/v1/invoices/?created_to=2020-01-01T00:00:00-18:07")
    assert response.status_code == 200, response.content


# PostgreSQL stores no U+0000 in text or jsonb: each of these reached a query as sent (a 500
# on PostgreSQL; on SQLite some were silently stored).
NUL = "a\x00b"


def _bank_spec(**changes) -> dict:
    spec = json.loads((BANK_TEMPLATES_DIR / "maybank.json").read_text(encoding="utf-8"))
    return {**spec, **changes}


def _prompt_spec() -> dict:
    return json.loads((PROMPT_SPECS_DIR / "invoice.json").read_text(encoding="utf-8"))


def _prompt_spec_with_a_label(label: str) -> dict:
    spec = _prompt_spec()
    spec["fields"][0]["labels"]["en"].append(label)
    return spec


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/bank-templates/?bank=a%00b", None),
        ("get", "/api/v1/bank-templates/export/?bank=a%00b", None),
        ("get", "/api/v1/ocr/templates/export/?document_type=a%00b", None),
        ("post", "/api/v1/bank-templates/", {"bank": NUL, "spec": {}}),
        ("post", "/api/v1/bank-templates/", {"bank": "maybank", "spec": _bank_spec(name=NUL)}),
        ("post", "/api/v1/bank-templates/import/", {"format": NUL, "templates": []}),
        ("post", "/api/v1/ocr/templates/", {"document_type": NUL, "spec": _prompt_spec()}),
        (
            "post",
            "/api/v1/ocr/templates/",
            {"document_type": "invoice", "spec": _prompt_spec_with_a_label(NUL)},
        ),
        ("patch", "/api/v1/ocr/templates/{template}/", {"spec": _prompt_spec_with_a_label(NUL)}),
        ("post", "/api/v1/ocr/templates/import/", {"format": NUL, "templates": []}),
    ],
)
def test_a_null_character_in_template_input_is_a_400(staff_user, method, url, body):
    billing_reference_data_seed()
    ocr_reference_data_seed()
    url = url.format(template=PromptTemplate.objects.order_by("pk").first().pk)
    response = getattr(jwt_client(staff_user), method)(url, body, format="json")
    assert_error_shape(response, 400, "validation_error")


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/v1/invoices/", {"document_type": NUL}),
        ("/api/v1/statements/", {"bank": NUL}),
    ],
)
def test_a_null_character_in_an_upload_code_is_a_400(agent, url, fields):
    billing_reference_data_seed()
    upload = SimpleUploadedFile("sample.pdf", documents.invoice_pdf())
    payload = {"files" if url == "/api/v1/invoices/" else "file": upload, **fields}
    response = jwt_client(agent).post(url, payload, format="multipart")
    error = assert_error_shape(response, 400, "validation_error")
    assert list(error["details"]["fields"]) == list(fields), error


@pytest.mark.parametrize("url", ["/api/v1/ocr/analyze/", "/api/v1/ocr/batch-analyze/"])
def test_a_null_character_in_an_analysis_document_type_is_a_4xx_and_logged(agent, url):
    from ocrengine.models import AnalysisLog

    item = {"document_type": f"in{NUL}voice", "raw_texts": ["Invoice No: 1"]}
    body = item if url.endswith("/analyze/") else {"items": [item]}
    response = jwt_client(agent).post(url, body, format="json")
    assert response.status_code < 500, response.content
    if url.endswith("/analyze/"):
        assert_error_shape(response, response.status_code)
    assert AnalysisLog.objects.filter(document_type="").exists()  # stored, NUL-free


@pytest.mark.parametrize(
    "query",
    [
        "date_to=0001-01-01",  # the default twelve months would start in year 0
        "date_to=9999-12-31",  # the series' end bound would be in year 10000
        "date_from=9999-12-01&date_to=9999-12-31",
    ],
)
def test_a_monthly_series_beyond_the_calendar_is_a_400(agent, query):
    response = jwt_client(agent).get(f"/api/v1/dashboard/monthly/?{query}")
    error = assert_error_shape(response, 400, "validation_error")
    assert list(error["details"]["fields"]) == ["date_to"], error


@pytest.mark.parametrize(
    ("query", "months"),
    [("date_to=0001-12-31", 12), ("date_from=9999-01-01&date_to=9999-11-30", 11)],
)
def test_a_monthly_series_at_the_calendar_edges_is_answered(agent, query, months):
    response = jwt_client(agent).get(f"/api/v1/dashboard/monthly/?{query}")
    assert response.status_code == 200, response.content
    assert len(response.json()["months"]) == months
