"""The test suite: fast password hashing, a throwaway media root, quiet logs."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import LOGGING, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env.str("TEST_MEDIA_ROOT", default=tempfile.mkdtemp(prefix="ledgerlens-media-")))
LOG_DIR = Path(tempfile.mkdtemp(prefix="ledgerlens-log-"))
for _handler in ("file", "errors"):
    LOGGING["handlers"][_handler]["filename"] = str(LOG_DIR / f"{_handler}.log")
LOGGING["root"]["level"] = "WARNING"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not the shared in-memory database: concurrent writers then wait on the busy
    # timeout as in production, so the race tests run on SQLite too. One file per run.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="ledgerlens-testdb-")) / "test.sqlite3")
    }
# Each AnalysisLog row is written inside its call, so a test sees it at once; the batching
# itself is tested with its own settings.
ANALYSIS_LOG_FLUSH_S = 0
# Tasks run in-process in tests unless a test starts a real cluster.
Q_CLUSTER = {**Q_CLUSTER, "sync": env.bool("Q_SYNC", default=True)}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
