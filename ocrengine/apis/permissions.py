"""Machine clients (HMAC) may call an endpoint only with the scope the view names in its
`api_client_scope`. Users (JWT, sessions) are not affected; their role decides."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from ocrengine.models import ApiClient
from ocrengine.services.analysis import Caller, analysis_log_refused


class ApiClientHasScope(BasePermission):
    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        scope = view.api_client_scope
        granted = client.scopes if isinstance(client.scopes, list) else []
        if scope in granted:
            return True
        # Logged like any refused analysis call; the body is not read for a type.
        analysis_log_refused(
            document_type=None, caller=Caller.from_request(request), error_code="scope_missing"
        )
        raise exceptions.PermissionDenied(
            {
                "code": "scope_missing",
                "detail": f"This client may not call this endpoint (scope {scope!r}).",
                "required": str(scope),
                "granted": granted,
            }
        )
