"""The API's own endpoints under /api/v1/: the OpenAPI schema, Swagger UI and health probes."""

from django.urls import path

from core import api_docs, health

urlpatterns = [
    # Back-office users only, unless API_DOCS_PUBLIC (core/api_docs.py).
    path("schema/", api_docs.SchemaView.as_view(), name="schema"),
    path("docs/", api_docs.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Probes: live/ (no I/O), ready/ (dependencies; the worker reported, not counted), and the
    # whole system's status with the worker counted (core/health.py).
    path("health/live/", health.LivenessApi.as_view(), name="health-live"),
    path("health/ready/", health.ReadinessApi.as_view(), name="health-ready"),
    path("health/", health.HealthApi.as_view(), name="health"),
]
