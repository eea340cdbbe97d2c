"""The project's URLs plus /bench/minimal/: the smallest Django view, through the same middleware
(request id, CORS, sessions, auth, access log, metrics), to measure the customers list against."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def minimal(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/minimal/", minimal), *project_urlpatterns]
