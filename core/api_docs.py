"""The OpenAPI schema (/api/v1/schema/) and Swagger UI (/api/v1/docs/): who may read them.

The schema lists every endpoint, filter and field, which maps the attack surface for an
anonymous caller; so by default only back-office users read it: a JWT or session user with a
role (agent, supervisor, admin; staff count as admin). The Swagger UI page authenticates with
the session, so in a browser it is for staff signed in at /admin/. API_DOCS_PUBLIC=1 serves
both to anyone (a public API's documentation).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings


class ApiDocsAccess(BasePermission):
    """Anyone when API_DOCS_PUBLIC is on; otherwise whoever the API's default permission
    classes let in (a user with a role: accounts.permissions.HasRole), refused with their
    message."""

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        for permission_class in api_settings.DEFAULT_PERMISSION_CLASSES:
            permission = permission_class()
            if not permission.has_permission(request, view):
                self.message = getattr(permission, "message", None)
                return False
        return True


class _RefusalsInTheErrorShape:
    """The docs views render YAML or HTML; a refusal is rendered as JSON instead, so it is the
    API's one error shape with its WWW-Authenticate header, not a YAML dump or a bare page."""

    permission_classes = [ApiDocsAccess]

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class SchemaView(_RefusalsInTheErrorShape, SpectacularAPIView):
    pass


class SwaggerView(_RefusalsInTheErrorShape, SpectacularSwaggerView):
    pass
