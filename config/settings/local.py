"""Local development and `make run`: base's defaults as they are (SQLite, files on disk under
`var/`, debug off unless DEBUG=1). A module of its own so the default DJANGO_SETTINGS_MODULE
names what it is for; put a local-only setting here, never a copy of a default."""

from .base import *  # noqa: F403
