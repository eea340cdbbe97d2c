"""Production: refuses to start without real secrets and hosts; HTTPS behind a TLS proxy."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure") or "change-me" in SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site serves.")
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
if len(JWT_SIGNING_KEY) < 50 or JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "JWT_SIGNING_KEY must be set, 50+ characters, and differ from SECRET_KEY."
    )
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SIGNING_KEY}  # a copy: base's dict stays as it was
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS or any(
    len(key) < 50 or key in (SECRET_KEY, JWT_SIGNING_KEY) for key in FIELD_ENCRYPTION_KEYS
):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must list one or more keys of 50+ random characters, each "
        "different from SECRET_KEY and JWT_SIGNING_KEY (the first encrypts, all decrypt)."
    )
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
if "*" in CORS_ALLOWED_ORIGINS:
    raise ImproperlyConfigured("CORS_ALLOWED_ORIGINS must be an explicit list in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health probes over plain http (a load balancer inside the network): not redirected.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/((live|ready)/)?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The OpenAPI schema is checked where it is built, by `manage.py spectacular --fail-on-warn`
# (tests/core/test_api_docs.py); generating it inside every `check --deploy` adds ~10 s to each
# container start and mixes documentation lint into the security gate.
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "ENABLE_DJANGO_DEPLOY_CHECK": False}  # noqa: F405
