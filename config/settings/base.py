"""Settings shared by every environment. Every value comes from the environment (django-environ);
`.env.example` documents each variable."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-change-me")
# Keys for secrets stored encrypted (core/encrypted_fields.py): the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[SECRET_KEY + "-fields"])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "core",
    "accounts",
    "customers",
    "jobs",
    "ocrengine",
    "invoices",
    "billing",
    "exports",
    "webhooks",
    "matching",
    "ingestion",
    "workbench",
]

MIDDLEWARE = [
    "core.middleware.RequestContextMiddleware",
    "core.metrics.PrometheusMiddleware",  # document analysis API area: request metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent read-then-write requests queue on
    # the busy timeout instead of failing with "database is locked"; WAL is set on connect.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.int("SQLITE_BUSY_TIMEOUT_S", default=20)}
    )
# Persistent connections for both engines: opening SQLite and setting its PRAGMAs on every
# request cost more than the queries of a list page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_S = env.int("LOGIN_FAILURE_WINDOW_S", default=15 * 60)
# Foundation (auth): how many proxies in front of the app append to X-Forwarded-For. 0 trusts
# only REMOTE_ADDR; behind one nginx it is 1, else every client would share the proxy's IP and
# the per-IP login lock-out would lock everyone out at once.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {
        "BACKEND": env.str("STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# S3 (STORAGE_BACKEND=storages.backends.s3.S3Storage; docs/deployment.md#storage): django-storages
# reads these. No key settings on purpose: boto3 finds the credentials itself (the
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment, a web-identity token, an instance
# role), so they never sit in the settings. An S3-compatible server (MinIO, Ceph, moto) takes
# AWS_S3_ENDPOINT_URL and usually AWS_S3_ADDRESSING_STYLE=path.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
AWS_LOCATION = env.str("AWS_LOCATION", default="")  # a key prefix inside the bucket
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None  # the bucket's own policy (keep it private); no public-read objects
AWS_QUERYSTRING_AUTH = True  # any URL handed out is signed and expires
# As on the local file system, a name already taken gets a new one rather than overwriting.
AWS_S3_FILE_OVERWRITE = False
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage" and not (
    AWS_STORAGE_BUCKET_NAME
):
    raise ImproperlyConfigured("STORAGE_BACKEND is S3: set AWS_STORAGE_BUCKET_NAME.")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ActiveUserJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A role (agent, supervisor, admin) for every view that does not name its own permissions;
    # a signed-in account without one gets 403 (accounts/permissions.py).
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"analyze": env.str("ANALYZE_RATE_LIMIT", default="60/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LedgerLens API",
    "DESCRIPTION": "Invoices, credit-card bills, customers and document analysis.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a `status`; each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "invoices.models.Invoice.Status",
        "JobStatusEnum": "jobs.models.ProcessingJob.Status",
        "StatementImportStatusEnum": "billing.models.StatementImport.Status",
        "BillStatusEnum": "billing.models.Bill.Status",
        "TemplateStatusEnum": "ocrengine.models.PromptTemplate.Status",
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_LIFETIME_S", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_LIFETIME_S", default=86400)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY + "-jwt"),
    "ALGORITHM": "HS256",
}
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]
CORS_ALLOW_HEADERS = [
    "accept", "authorization", "content-type", "origin", "x-csrftoken", "x-requested-with",
    "x-request-id", "x-client", "x-key-id", "x-timestamp", "x-nonce", "x-signature",
]  # fmt: skip

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # The database cache is shared by web and worker processes, unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ledgerlens_cache",
        }
    }

# --- Background work (django-q2) ------------------------------------------------------------
Q_CLUSTER = {
    "name": "ledgerlens",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT_S", default=600),
    # retry must exceed timeout, or a slow task is handed to a second worker while it still runs.
    "retry": env.int("Q_RETRY_S", default=720),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# A job running longer than Q_TIMEOUT_S plus this margin has lost its worker (django-q2 stops a
# task at its timeout): the sweeper, a redelivered task, a retry or a reprocess may take it over.
JOB_STALE_MARGIN_S = env.int("JOB_STALE_MARGIN_S", default=60)
# A job queued for longer than this has lost its task (acknowledged after a failed claim, or
# never enqueued because async_task failed after the commit): the sweeper enqueues it again and
# a retry or reprocess may take it over. 0 turns this off.
JOB_QUEUED_STALE_S = env.int("JOB_QUEUED_STALE_S", default=3600)

# --- OCR and extraction ---------------------------------------------------------------------
OCR_ENGINE = env.str("OCR_ENGINE", default="rapidocr")
OCR_GPU = env.bool("OCR_GPU", default=False)
OCR_CONFIDENCE_THRESHOLD = env.float("OCR_CONFIDENCE_THRESHOLD", default=0.7)
# Calibrated auto-approve (invoices/services/calibration.py): per field, the lowest confidence
# from which at most AUTO_APPROVE_TARGET_ERROR_RATE of reviewed values were wrong, measured in
# bins AUTO_APPROVE_BIN_WIDTH wide over at least AUTO_APPROVE_MIN_SAMPLES values (fewer: the
# threshold above stays). AUTO_APPROVE_FIELD_TARGETS (JSON) sets a field's own target.
# `calibrate_thresholds` recomputes them, daily by a schedule (invoices migration 0006).
AUTO_APPROVE_TARGET_ERROR_RATE = env.float("AUTO_APPROVE_TARGET_ERROR_RATE", default=0.02)
AUTO_APPROVE_FIELD_TARGETS = env.json("AUTO_APPROVE_FIELD_TARGETS", default={})
AUTO_APPROVE_MIN_SAMPLES = env.int("AUTO_APPROVE_MIN_SAMPLES", default=50)
AUTO_APPROVE_BIN_WIDTH = env.float("AUTO_APPROVE_BIN_WIDTH", default=0.05)
OCR_MAX_PAGES = env.int("OCR_MAX_PAGES", default=50)
OCR_MAX_IMAGE_PIXELS = env.int("OCR_MAX_IMAGE_PIXELS", default=50_000_000)
OCR_RASTER_DPI = env.int("OCR_RASTER_DPI", default=200)
# Hostile files (issue #13): bytes all of a PDF's streams may decode to together, characters
# and objects on one PDF page, bytes of an embedded e-invoice XML; statement rows and columns
# (CSV, XLSX) and an XLSX archive's parts and uncompressed bytes. Statements share
# OCR_MAX_PAGES.
PDF_MAX_DECODED_BYTES = env.int("PDF_MAX_DECODED_BYTES", default=128 * 1024 * 1024)
# Page images are counted apart (a lossless multi-page scan would pass the budget above).
PDF_MAX_IMAGE_DECODED_BYTES = env.int("PDF_MAX_IMAGE_DECODED_BYTES", default=1024 * 1024 * 1024)
PDF_MAX_CHARS_PER_PAGE = env.int("PDF_MAX_CHARS_PER_PAGE", default=50_000)
PDF_MAX_OBJECTS_PER_PAGE = env.int("PDF_MAX_OBJECTS_PER_PAGE", default=20_000)
EINVOICE_MAX_XML_BYTES = env.int("EINVOICE_MAX_XML_BYTES", default=5 * 1024 * 1024)
# 查验 (tax-authority verification of Chinese VAT invoices, invoices/services/verification.py):
# the provider class's dotted path (empty: off, nothing leaves the machine) and how often one
# invoice may be queried a day.
CN_INVOICE_VERIFICATION_PROVIDER = env.str("CN_INVOICE_VERIFICATION_PROVIDER", default="")
CN_INVOICE_VERIFICATION_DAILY_LIMIT = env.int("CN_INVOICE_VERIFICATION_DAILY_LIMIT", default=5)
STATEMENT_MAX_ROWS = env.int("STATEMENT_MAX_ROWS", default=50_000)
STATEMENT_MAX_COLUMNS = env.int("STATEMENT_MAX_COLUMNS", default=100)
XLSX_MAX_MEMBERS = env.int("XLSX_MAX_MEMBERS", default=500)
XLSX_MAX_UNCOMPRESSED_BYTES = env.int("XLSX_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024)
# Bytes of a markup statement export (OFX, CAMT XML) the readers parse at all; past it the
# upload answers 413 xml_too_large (billing/parsers/statement_exports.py).
STATEMENT_MAX_XML_BYTES = env.int("STATEMENT_MAX_XML_BYTES", default=10 * 1024 * 1024)
# Seconds one match of a template regex (prompt spec or bank template pattern) may run on one
# line; past it that analysis / statement read fails with pattern_timeout
# (ocrengine/extraction/patterns.py).
TEMPLATE_REGEX_TIMEOUT_S = env.float("TEMPLATE_REGEX_TIMEOUT_S", default=0.5)
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_TIMEOUT_S = env.float("LLM_TIMEOUT_S", default=20.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=2)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Serve /metrics without the token to loopback/private callers that did not come through a
# proxy (no X-Forwarded-For); off by default, so a proxy's private address is never trusted.
METRICS_ALLOW_INTERNAL = env.bool("METRICS_ALLOW_INTERNAL", default=False)
# --- Document analysis API (ocrengine analysis, templates, HMAC clients, metrics) ------------
ANALYSIS_DEFAULT_BACKEND = env.str("ANALYSIS_DEFAULT_BACKEND", default="rules")
ANALYSIS_CACHE_TTL_S = env.int("ANALYSIS_CACHE_TTL_S", default=600)
TEMPLATE_CACHE_TTL_S = env.int("TEMPLATE_CACHE_TTL_S", default=3600)
# Where the analysis rate limit counts calls: "cache" (atomic increments in Redis) or
# "database" (one upsert per call; far cheaper than the database cache's read-then-write).
RATE_LIMIT_STORE = env.str("RATE_LIMIT_STORE", default="cache" if REDIS_URL else "database")
# AnalysisLog rows are written in batches of up to ANALYSIS_LOG_BATCH, at most
# ANALYSIS_LOG_FLUSH_S after the call (0: each row at once, inside the call).
ANALYSIS_LOG_FLUSH_S = env.float("ANALYSIS_LOG_FLUSH_S", default=1.0)
ANALYSIS_LOG_BATCH = env.int("ANALYSIS_LOG_BATCH", default=100)
ANALYSIS_BATCH_MAX_ITEMS = env.int("ANALYSIS_BATCH_MAX_ITEMS", default=50)
ANALYSIS_MAX_TEXT_CHARS = env.int("ANALYSIS_MAX_TEXT_CHARS", default=200_000)
LLM_DEFAULT_MODEL = env.str("LLM_DEFAULT_MODEL", default="")
LLM_RETRY_BACKOFF_S = env.float("LLM_RETRY_BACKOFF_S", default=0.5)
# One analyse call's time on the llm, all tries and back-offs together (then: rules).
LLM_TOTAL_TIMEOUT_S = env.float("LLM_TOTAL_TIMEOUT_S", default=45.0)
# Characters of document text the llm backend sends; a longer document is refused (413).
LLM_MAX_INPUT_CHARS = env.int("LLM_MAX_INPUT_CHARS", default=30_000)
# AnalysisLog rows older than this many days are deleted daily (prune_analysis_logs); 0 keeps all.
ANALYSIS_LOG_RETENTION_DAYS = env.int("ANALYSIS_LOG_RETENTION_DAYS", default=90)
HMAC_MAX_SKEW_S = env.int("HMAC_MAX_SKEW_S", default=300)

# --- Invoices (invoice pipeline) -----------------------------------------------------------
# Files accepted in one multipart upload; each is also held to UPLOAD_MAX_BYTES.
INVOICE_UPLOAD_MAX_FILES = env.int("INVOICE_UPLOAD_MAX_FILES", default=20)

# --- Ingestion (ingestion/: IMAP mailboxes and watched folders feeding the upload services) --
# The schedule (ingestion migration 0002) polls every mailbox and scans every folder this often
# (whole minutes, rounded up; 0: off). IMAP connects and reads time out after
# INGESTION_IMAP_TIMEOUT_S; one poll takes at most INGESTION_MAX_MESSAGES per mailbox (the rest
# wait for the next poll). Files and mail are filed by the user INGESTION_USERNAME (created on
# first use, inactive: it cannot log in).
INGESTION_POLL_INTERVAL_S = env.int("INGESTION_POLL_INTERVAL_S", default=300)
INGESTION_IMAP_TIMEOUT_S = env.float("INGESTION_IMAP_TIMEOUT_S", default=30.0)
# A PEM file of CA certificates trusted besides the system's, for mail servers with a private CA.
INGESTION_IMAP_CA_FILE = env.str("INGESTION_IMAP_CA_FILE", default="")
INGESTION_MAX_MESSAGES = env.int("INGESTION_MAX_MESSAGES", default=50)
INGESTION_ERROR_KEYWORD = env.str("INGESTION_ERROR_KEYWORD", default="LedgerLensError")
INGESTION_USERNAME = env.str("INGESTION_USERNAME", default="ingestion")
# Watched folders must lie under one of these (resolved, symlinks followed): a folder is scanned
# by the worker, which would otherwise read and move whatever an admin-console user points it at.
INGESTION_FOLDER_ROOTS = [
    BASE_DIR / root  # a relative root is relative to the project, an absolute one stays
    for root in env.list("INGESTION_FOLDER_ROOTS", default=[str(BASE_DIR / "var" / "inbox")])
]

# --- Exports (exports/) and webhooks (webhooks/) ---------------------------------------------
# An export of at most EXPORT_SYNC_MAX_ROWS rows is answered at once, a larger one is built by a
# job (export.build) and downloaded from its URL; none holds more than EXPORT_MAX_ROWS. Rows
# link their page images under EXPORT_BASE_URL (empty: the host the request came to). Amounts
# without a currency are written in EXPORT_DEFAULT_CURRENCY in UBL/CII. EXPORT_ACCOUNTS (JSON)
# overrides the accounts the booking formats post to (exports/formats/accounts.py).
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=20_000)
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=200_000)
EXPORT_BASE_URL = env.str("EXPORT_BASE_URL", default="")
EXPORT_DEFAULT_CURRENCY = env.str("EXPORT_DEFAULT_CURRENCY", default="EUR")
EXPORT_ACCOUNTS = env.json("EXPORT_ACCOUNTS", default={})
# A webhook POST waits at most WEBHOOK_TIMEOUT_S; a failed delivery is tried again after
# WEBHOOK_BACKOFF_S, doubling up to WEBHOOK_MAX_BACKOFF_S, WEBHOOK_MAX_ATTEMPTS times in all.
# Subscriber URLs resolving to private, loopback or link-local addresses are refused unless
# WEBHOOK_ALLOW_PRIVATE (tests, or receivers on the internal network).
WEBHOOK_TIMEOUT_S = env.float("WEBHOOK_TIMEOUT_S", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_S = env.int("WEBHOOK_BACKOFF_S", default=30)
WEBHOOK_MAX_BACKOFF_S = env.int("WEBHOOK_MAX_BACKOFF_S", default=6 * 3600)
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# The schedule (webhooks migration 0002) sends the deliveries whose next attempt is due this
# often (whole minutes, rounded up; 0: off).
WEBHOOK_RETRY_INTERVAL_S = env.int("WEBHOOK_RETRY_INTERVAL_S", default=60)

# --- Health ---------------------------------------------------------------------------------
HEALTH_MIN_FREE_DISK_MB = env.int("HEALTH_MIN_FREE_DISK_MB", default=500)
# Storage other than the local file system is probed by writing a file: at most once per this
# many seconds per process, the result kept in between (local folders are checked without writes).
HEALTH_STORAGE_PROBE_INTERVAL_S = env.int("HEALTH_STORAGE_PROBE_INTERVAL_S", default=60)

# --- Backups (manage.py backup / restore, core/backup/) -------------------------------------
# The schedule (jobs migration 0003) backs up every BACKUP_INTERVAL_S (whole minutes, rounded
# up; 0: off) into BACKUP_DIR, keeping the newest BACKUP_KEEP (288 x 5 min: one day).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))
BACKUP_INTERVAL_S = env.int("BACKUP_INTERVAL_S", default=300)
BACKUP_KEEP = env.int("BACKUP_KEEP", default=288)

# --- Operations (manage.py seed_reference_data, verify_integrity, daily_report) -----------
# Each app's own part, by dotted path: core's commands run them in this order and import no app.
REFERENCE_DATA_SEEDS = {
    "billing": "billing.services.reference_data_seed",
    "ocrengine": "ocrengine.services.reference_data_seed",
}
INTEGRITY_CHECKS = [
    "billing.services.integrity.billing_integrity_problems",
    "invoices.services.integrity.invoice_file_problems",
]
INTEGRITY_KNOWN_ISSUES = ["billing.services.integrity.bills_in_review"]
DAILY_REPORT_PARTS = [
    "billing.daily_report.daily_statement_imports",
    "invoices.daily_report.daily_invoices",
    "billing.daily_report.daily_bills",
    "invoices.daily_report.daily_recognition",
    "ocrengine.daily_report.daily_analyses",
    "jobs.daily_report.daily_failed_jobs",
    "matching.daily_report.daily_matching",
]
# What /api/v1/ocr/stats/ shows beside the analysis figures, from apps ocrengine knows nothing
# of: each a callable returning a dict merged into the answer.
OCR_STATS_PARTS = ["invoices.calibration.auto_approve_stats_part"]

# --- Receipt matching (matching/) -----------------------------------------------------------
# An invoice in another currency matches a charge whose original (FX) amount is within this
# share of its total; an invoice is dated at most this many days before or after the charge;
# a match scoring this much (0..1) is confirmed without a person. MATCH_ON_IMPORT: run the
# matcher after each recognised/approved invoice and each statement import.
MATCH_FX_TOLERANCE = env.float("MATCH_FX_TOLERANCE", default=0.03)
MATCH_DATE_WINDOW_DAYS = env.int("MATCH_DATE_WINDOW_DAYS", default=7)
MATCH_AUTO_CONFIRM_SCORE = env.float("MATCH_AUTO_CONFIRM_SCORE", default=0.9)
MATCH_ON_IMPORT = env.bool("MATCH_ON_IMPORT", default=True)

# --- API documentation ----------------------------------------------------------------------
# Serve the OpenAPI schema and Swagger UI to anyone; off: only users with a role (core/api_docs.py).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)

# --- Logging --------------------------------------------------------------------------------
LOG_DIR = Path(env.str("LOG_DIR", default=str(BASE_DIR / "var" / "log")))
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",  # StreamHandler's own default is stderr
            "formatter": "json",
            "filters": ["request_context"],
        },
        "file": {
            "class": "core.logging.LazyRotatingFileHandler",
            "filename": str(LOG_DIR / "ledgerlens.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "formatter": "json",
            "filters": ["request_context"],
        },
        "errors": {
            "class": "core.logging.LazyRotatingFileHandler",
            "filename": str(LOG_DIR / "errors.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "level": "ERROR",
            "formatter": "json",
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["stdout", "file", "errors"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR", "propagate": True},
        "django.server": {"level": "WARNING", "propagate": True},
    },
}
