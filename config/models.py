"""The config app's models live next to the code that uses them; Django finds them here."""

from config.auth.models import LoginFailure

__all__ = ["LoginFailure"]
