from rest_framework.permissions import BasePermission

from accounts.roles import AGENT, user_role


class HasRole(BasePermission):
    """Any of the roles agent, supervisor or admin: an authenticated account that was never
    given a role (or had it taken away) can do nothing in the back office.

    The API's default permission (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES): a view that
    names its own permission classes replaces it, so those either demand a particular role
    (which implies one) or opt out on purpose (login, refresh, health, schema). Anonymous
    callers fail it too, which DRF answers with 401."""

    message = "Your account has no role in LedgerLens; ask an administrator to assign one."

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) is not None


class IsSupervisorOrAdmin(BasePermission):
    message = "Only supervisors and administrators may do this."

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) not in (None, AGENT)
