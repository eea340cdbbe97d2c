"""URLs for the body-limit tests: the real project plus plain Django views under /api/ (not
DRF, not CSRF-exempt), so Django's CSRF middleware or the view itself reads the body, as any
non-DRF API view would (a test-only module, never part of the project's urls)."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def plain_form_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"fields": len(request.POST)})


def plain_body_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"bytes": len(request.body)})


urlpatterns = [
    path("api/v1/test-plain-form/", plain_form_view),
    path("api/v1/test-plain-body/", plain_body_view),
    path("", include("config.urls")),
]

handler400 = "core.errors.bad_request"
