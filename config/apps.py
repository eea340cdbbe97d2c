from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "LedgerLens"

    def ready(self) -> None:
        from .auth import signals  # noqa: F401  (a password change revokes refresh tokens)
        from .auth.admin_login import admin_login_lockout_install

        admin_login_lockout_install()  # /admin/login/ shares the API login's lock-out
