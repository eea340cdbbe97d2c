from rest_framework.permissions import BasePermission

from config.auth.roles import AGENT, user_role


class HasRole(BasePermission):
    """Any of the roles agent, supervisor or admin: an authenticated account that was never
    given a role (or had it taken away) can do nothing in the back office."""

    message = "Your account has no role in LedgerLens; ask an administrator to assign one."

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) is not None


class IsSupervisorOrAdmin(BasePermission):
    message = "Only supervisors and administrators may do this."

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) not in (None, AGENT)
