"""The admin console's login (/admin/login/) under the same lock-out as the API's login: the
same counters (LOGIN_FAILURE_LIMIT failures per username or per client IP within
LOGIN_FAILURE_WINDOW_S, whichever login form they were made at) and the same atomic
check-and-record (accounts/lockout.py)."""

from __future__ import annotations

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.lockout import login_guarded
from core.errors import TooManyRequestsError
from core.request_context import client_ip


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "login_locked": _("Too many failed logins. Try again in %(minutes)d min."),
    }

    @sensitive_variables()
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_guarded(
                    username=username,
                    ip_address=client_ip(self.request) if self.request is not None else None,
                    check_password=lambda: authenticate(
                        self.request, username=username, password=password
                    ),
                )
            except TooManyRequestsError as locked:
                raise ValidationError(
                    self.error_messages["login_locked"],
                    code="login_locked",
                    params={"minutes": math.ceil(locked.retry_after / 60)},
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def admin_login_lockout_install(site: admin.AdminSite = admin.site) -> None:
    """Make the admin site log people in through the lock-out form."""
    site.login_form = LockoutAdminAuthenticationForm
