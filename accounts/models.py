"""Failed logins, kept in the database so every web worker sees the same count."""

from django.db import models
from django.utils import timezone


class LoginFailure(models.Model):
    """One failed login. Lock-out counts these per username and per client IP in a window."""

    # Stored lower-cased: "Ann" and "ann" are the same target for a guesser.
    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table it had when it lived in the config app: moved by state-only migrations.
        db_table = "config_loginfailure"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["username", "created_at"], name="loginfailure_user_time"),
            models.Index(fields=["ip_address", "created_at"], name="loginfailure_ip_time"),
            models.Index(fields=["created_at"], name="loginfailure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M:%S}"
