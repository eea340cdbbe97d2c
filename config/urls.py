from django.contrib import admin
from django.urls import include, path

from config import api_docs, health, workbench

admin.site.site_header = "LedgerLens operations"
admin.site.site_title = "LedgerLens"
admin.site.index_title = "Operator console"

api_v1 = [
    # Back-office users only, unless API_DOCS_PUBLIC (config/api_docs.py).
    path("schema/", api_docs.SchemaView.as_view(), name="schema"),
    path("docs/", api_docs.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Probes: live/ (no I/O), ready/ (dependencies; the worker reported, not counted), and the
    # whole system's status with the worker counted (config/health.py).
    path("health/live/", health.LivenessApi.as_view(), name="health-live"),
    path("health/ready/", health.ReadinessApi.as_view(), name="health-ready"),
    path("health/", health.HealthApi.as_view(), name="health"),
    path("auth/", include("config.auth.urls")),
    path("", include("customers.urls")),
    path("", include("ocrengine.urls")),
    path("", include("invoices.urls")),
    path("", include("billing.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", include("config.metrics")),  # Prometheus, token or internal network only
    # The agents' workbench (shell pages over the REST API); the site root opens it.
    path("workbench/", include("config.workbench_urls")),
    path("", workbench.root_redirect, name="root"),
]

# A body over Django's limits raised outside DRF (a middleware reading request.POST) is a 413
# in the error shape under /api/, not an HTML 400 (config/errors.py).
handler400 = "config.errors.bad_request"
