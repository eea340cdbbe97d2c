"""URLs for the error-shape tests: the real API plus a plain Django view that crashes, as a bug
outside DRF would (a test-only module, never part of the project's urls)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def crashing_plain_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail: /srv/app/settings.py line 42")


urlpatterns = [
    path("api/v1/test-crash/", crashing_plain_view),
    path("", include("config.urls")),
]
