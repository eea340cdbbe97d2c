"""Prometheus metrics: HTTP requests, document analyses, cache hits, queue depth and what
apps add at scrape time (jobs by status); `/metrics`.

`/metrics` answers a caller with the METRICS_TOKEN bearer token, or, when
METRICS_ALLOW_INTERNAL is on (off by default), a caller that reached the app directly from a
loopback or private address. Behind a proxy every request arrives from the proxy's private
address, so a request that came through a proxy (it carries X-Forwarded-For, Forwarded or
X-Real-IP) never counts as internal, whatever address it names; a scraper inside the network
calls the app directly, or sends the token.

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR (an empty directory) so
every worker's samples are summed at scrape time.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from core.errors import error_response
from core.request_context import client_ip

logger = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "ledgerlens_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "ledgerlens_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
ANALYSES = Counter(
    "ledgerlens_analysis_total",
    "Document analyses by outcome.",
    ["document_type", "backend", "outcome"],
)
ANALYSIS_LATENCY = Histogram(
    "ledgerlens_analysis_duration_seconds",
    "Time to analyse one document.",
    ["document_type", "backend", "cache"],
    buckets=_LATENCY_BUCKETS,
)
ANALYSIS_CACHE = Counter(
    "ledgerlens_analysis_cache_total", "Analysis result cache lookups.", ["result"]
)
LLM_FALLBACKS = Counter(
    "ledgerlens_llm_fallback_total", "LLM analyses that fell back to the rules backend."
)


def observe_analysis(
    *,
    document_type: str,
    backend: str,
    success: bool,
    cache_hit: bool,
    seconds: float,
    fallback: bool,
) -> None:
    ANALYSES.labels(document_type, backend, "success" if success else "error").inc()
    if success:
        ANALYSIS_CACHE.labels("hit" if cache_hit else "miss").inc()
        ANALYSIS_LATENCY.labels(document_type, backend, "hit" if cache_hit else "miss").observe(
            seconds
        )
    if fallback:
        LLM_FALLBACKS.inc()


class QueueCollector:
    """Queue depth, read from the broker at scrape time."""

    def describe(self):
        # Lets the registry learn the names without a broker call at import time.
        yield GaugeMetricFamily("ledgerlens_queue_depth", "Tasks waiting in the queue.")

    def collect(self):
        depth = GaugeMetricFamily("ledgerlens_queue_depth", "Tasks waiting in the queue.")
        try:
            from django_q.brokers import get_broker

            depth.add_metric([], get_broker().queue_size() or 0)
        except Exception:  # a scrape must not fail because the broker is down
            logger.warning("queue metrics unavailable", exc_info=True)
        yield depth


# Collectors read at scrape time; apps add theirs in AppConfig.ready() (jobs: jobs by status).
_scrape_collectors: list = []


def scrape_collector_register(collector) -> None:
    """Serve `collector` at /metrics: in this process's registry, and in the one built for each
    scrape when PROMETHEUS_MULTIPROC_DIR sums the workers' samples."""
    _scrape_collectors.append(collector)
    REGISTRY.register(collector)


scrape_collector_register(QueueCollector())


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else "unmatched"


class PrometheusMiddleware:
    """Counts and times every request, labelled by URL pattern (not the raw path, which would
    create a series per id)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response


# Headers a proxy adds: their presence means the socket address is the proxy's, not the caller's.
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _is_internal_caller(request: HttpRequest) -> bool:
    if any(header in request.META for header in _PROXY_HEADERS):
        return False
    try:
        ip = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def _token_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in _scrape_collectors:
            registry.register(collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return error_response(405, "method_not_allowed", "Use GET.")
    if not (
        _token_ok(request) or (settings.METRICS_ALLOW_INTERNAL and _is_internal_caller(request))
    ):
        if settings.METRICS_TOKEN:
            response = error_response(
                401, "not_authenticated", "A valid metrics token is required."
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return error_response(
            403, "permission_denied", "Metrics are served to internal addresses only."
        )
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)


# Mounted at /metrics by config/urls.py (`include("core.metrics")`).
urlpatterns = [path("", metrics_view, name="metrics")]
