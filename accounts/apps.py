from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, roles, JWT login/refresh/logout and the login lock-out."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (a password change revokes refresh tokens)
        from accounts.admin import admin_login_lockout_install

        admin_login_lockout_install()  # /admin/login/ shares the API login's lock-out
