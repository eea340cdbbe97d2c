"""Local development and `make run`: SQLite, files on disk, debug off unless DEBUG=1."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
