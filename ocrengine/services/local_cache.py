"""ocrengine's per-process caches (config.local_cache.LocalCache).

Cached analysis results never change for their key (template version + content hash). Template
profiles are kept only seconds: a publish in another process reaches this one within
LOCAL_TEMPLATE_TTL_S.
"""

from config.local_cache import LocalCache

results = LocalCache(max_entries=1024)
templates = LocalCache(max_entries=256)
