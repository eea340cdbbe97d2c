from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "LedgerLens operations"
admin.site.site_title = "LedgerLens"
admin.site.index_title = "Operator console"

api_v1 = [
    path("", include("core.urls")),  # schema, Swagger UI, health probes
    path("auth/", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("jobs.urls")),
    path("", include("ocrengine.urls")),
    path("", include("invoices.urls")),
    path("", include("billing.urls")),
    path("", include("exports.urls")),
    path("", include("matching.urls")),
    path("", include("ingestion.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", include("core.metrics")),  # Prometheus, token or internal network only
    # The agents' workbench (shell pages over the REST API); the site root opens it.
    path("workbench/", include("workbench.urls")),
    path("", RedirectView.as_view(url="/workbench/", permanent=False), name="root"),
]

# A body over Django's limits raised outside DRF (a middleware reading request.POST) is a 413
# in the error shape under /api/, not an HTML 400 (core/errors.py).
handler400 = "core.errors.bad_request"
