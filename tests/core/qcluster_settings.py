"""Settings for the real qcluster process that tests/core/test_health.py starts: the test
settings, but with a file database and a file cache that the test process can read too."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import Q_CLUSTER

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["QCLUSTER_TEST_CACHE_DIR"],
    }
}
Q_CLUSTER = {**Q_CLUSTER, "sync": False}
