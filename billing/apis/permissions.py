from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import ADMIN, SUPERVISOR, user_role


class TemplateManager(BasePermission):
    """Bank templates decide how every statement is read: supervisors may look, only admins
    (staff) change them."""

    message = "Only administrators manage bank templates."

    def has_permission(self, request, view) -> bool:
        role = user_role(request.user)
        if request.method in SAFE_METHODS:
            return role in {ADMIN, SUPERVISOR}
        return role == ADMIN
