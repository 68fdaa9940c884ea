"""One settings module, configured from the environment (12-factor).

Every value has a development default so `./scripts/run` works on a fresh machine; production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and the mail variables.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; silently absent on most machines

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails ("open the case"), which are read outside any request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "knox",  # expiring, revocable API tokens (only their digest is stored)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "exemptions",
]

MIDDLEWARE = [
    # First, before anything reads the body (the input check and CSRF read the form): a too-large upload is
    # refused unread.
    "exemptions.middleware.RequestSizeLimitMiddleware",
    # Then a NUL byte or an undecodable character in the path, query, form, cookies or headers is a 400 before
    # anything (sessions, filters, views) takes it to the database.
    "exemptions.middleware.RefuseUnstorableInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "exemptions.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "exemptions.middleware.UserTimeZoneMiddleware",
    "exemptions.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "exemptions.web.context_processors.navigation",
            ],
        },
    },
]

# SQLite by default so the app runs with zero set-up; tests and CI set a PostgreSQL DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening one costs 7.6–8.4 ms, more than a whole list request (issue 22). A connection
# idle for a minute is closed; one that died meanwhile (a database restart) is checked before reuse, not hit.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while a username+address is locked out
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # storage and server time; users see their own zone, authorities count in theirs
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    # Case files hold names of aid workers: they live outside any web-served folder and leave only
    # through a permission-checked view.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Personal details of closed cases are redacted after this many days (`manage.py anonymize_closed`).
# Ten years: as long as US sanctions records must be kept and a violation can still be pursued.
DATA_RETENTION_DAYS = env.int("DATA_RETENTION_DAYS", default=3653)
# The largest file a person may attach. A request declaring a larger body is refused before it is read
# (exemptions.middleware.RequestSizeLimitMiddleware); form fields beside a file stay within Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), far above the longest message or note (exemptions/models/validators.py).
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# The items editor posts every row at once: up to MAX_ITEMS_PER_DOSSIER (200) rows of 9 fields each, past Django's
# default of 1000 fields, which would refuse a dossier the API accepts.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2500

# --- Email -------------------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Clearance <no-reply@clearance.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery (broker only: the database holds every deadline, a periodic sweep acts on them) -----
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Tasks are idempotent (claims are rows in the database), so a task lost with its worker is safe to
# redeliver; ETAs are never more than minutes ahead, so the visibility timeout is never reached.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
REMINDER_SWEEP_INTERVAL = timedelta(seconds=env.int("REMINDER_SWEEP_INTERVAL_SECONDS", default=300))
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {"task": "exemptions.tasks.sweep", "schedule": REMINDER_SWEEP_INTERVAL},
}

# --- Audit trail (exemptions/models/seals.py, exemptions/audit.py) -------------------------------
# The key that seals the audit trail. It must live outside the database, so that someone who can write to the
# database cannot re-seal a rewritten trail. Production must set it (a system check refuses to start without
# it); development derives one from SECRET_KEY. To rotate, set a new AUDIT_KEY and list the old one in
# AUDIT_RETIRED_KEYS (comma-separated): events keep the id of the key that sealed them, so none is rewritten.
AUDIT_KEY = env("AUDIT_KEY", default=hashlib.sha256(f"audit:{SECRET_KEY}".encode()).hexdigest() if DEBUG else "")
AUDIT_RETIRED_KEYS = env.list("AUDIT_RETIRED_KEYS", default=[])
# How often a checkpoint seals the events appended since the last one: a deleted newest event and its
# rolled-back filing go unnoticed for at most this long.
AUDIT_CHECKPOINT_INTERVAL = timedelta(seconds=env.int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", default=600))
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "exemptions.tasks.seal_audit_checkpoint",
    "schedule": AUDIT_CHECKPOINT_INTERVAL,
    "options": {"expires": AUDIT_CHECKPOINT_INTERVAL.total_seconds()},
}

# --- Reminders and email alerts (issue 4; see exemptions/notifications.py) ---------------------
# Overrides of the reminder schedule per deadline kind, merged over DEFAULT_REMINDER_SCHEDULE, e.g.
# REMINDER_SCHEDULE='{"reply": {"working_days_before": [7, 2]}}'; authorities override it in the admin.
REMINDER_SCHEDULE = env.json("REMINDER_SCHEDULE", default={})
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)  # a failed SMTP send is retried up to this
REMINDER_RETRY_BACKOFF = timedelta(seconds=env.int("REMINDER_RETRY_BACKOFF_SECONDS", default=300))  # ×3 per try
# A message whose sender died while handing it over is resent (same Message-ID) once this has passed since it
# was started: longer than any live send takes (EMAIL_TIMEOUT bounds each SMTP step), so a slow sender is never
# taken for a dead one and doubled.
EMAIL_IN_DOUBT_GRACE = timedelta(seconds=env.int("EMAIL_IN_DOUBT_GRACE_SECONDS", default=300))
REMINDER_SWEEP_SOFT_TIME_LIMIT = env.int("REMINDER_SWEEP_SOFT_TIME_LIMIT", default=600)
EVENT_NOTICE_MAX_AGE = timedelta(hours=env.int("EVENT_NOTICE_MAX_AGE_HOURS", default=48))
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)  # local hour of each staff member's daily digest
FILING_PATH = env("FILING_PATH", default="/filings/{reference}/")  # joined to SITE_URL for links in emails
SHIPMENTS_PATH = "/applications/{reference}/shipments/"  # a dossier's shipments, monitoring and incidents
# A sweep that could not run while the broker was down is not worth queueing many times over.
CELERY_BEAT_SCHEDULE["reminder-sweep"]["options"] = {"expires": REMINDER_SWEEP_INTERVAL.total_seconds()}
# A web request that commits a transition must not hang on a Redis outage: fail fast, the sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 2,
}

# --- Shared cache: throttle and rate-limit counters, one count for every worker process ----------
# Proxies in front of the app that append to X-Forwarded-For (1 behind the TLS proxy); the client's
# address is the one the outermost trusted proxy saw, for API throttles, password-reset limits and axes.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_REDIS_URL", default=REDIS_URL),
        "KEY_PREFIX": "clearance-cache",  # apart from Celery's keys when both share one Redis database
        # Short: when Redis is away or hung, throttles and limits let calls through (logged) and the standing of
        # users is read from the database, instead of stalling requests (a local Redis answers in well under 1 ms).
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}
# Password reset (exemptions/web/password_reset.py): emails per client address and per account.
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="10/h")
PASSWORD_RESET_RATE_PER_ACCOUNT = env("PASSWORD_RESET_RATE_PER_ACCOUNT", default="3/h")
RATELIMIT_IP_META_KEY = "exemptions.web.password_reset.client_address"

# --- REST API (exemptions/api/) -----------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with `WWW-Authenticate: Token`, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "exemptions.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The browsable HTML API is a development aid; in production every answer is JSON.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "exemptions.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "exemptions.api.errors.exception_handler",
    # DRF's three, the JSON one bounded in size, depth and storable text (exemptions/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "exemptions.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "exemptions.api.throttling.AnonRateThrottle",
        "exemptions.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles key anonymous callers on the address the last trusted proxy saw; with none configured a
    # client-sent X-Forwarded-For is ignored (DRF's default, None, would trust it and reset the count).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox): named, expiring, revoked on sign-out, password change and deactivation.
KNOX_TOKEN_MODEL = "exemptions.ApiToken"
# knox's one model is swapped out for ApiToken, yet its migrations would still create its table (with a key to
# auth_user that `flush` cannot truncate): the app runs without them.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",  # the header integrations already send
}
# How deep a JSON request body may nest (its size is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default);
# no request of this API nests more than a few levels, and a few hundred would exhaust Python's recursion.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "Clearance API",
    "DESCRIPTION": (
        "Case tracker for sanctions humanitarian exemptions. Errors are JSON "
        '`{"detail": ..., "errors": {field: [...]}}`; objects the caller may not see are 404.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,  # request bodies without read-only fields (and files as binary)
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page serves Swagger UI from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A note's and a payload field's audience share one set of choices.
    "ENUM_NAME_OVERRIDES": {"TextAudienceEnum": "exemptions.procedures.AUDIENCES"},
}
# The public register changes only when an authority decides; proxies may keep it this long.
REGISTER_CACHE_SECONDS = env.int("REGISTER_CACHE_SECONDS", default=300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes logs every successful sign-in at INFO; lockouts (WARNING) are what an operator needs.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Security ----------------------------------------------------------------------------------
# Login throttling: after AXES_FAILURE_LIMIT failures a username from one address waits AXES_COOLOFF.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # attempts and lockouts are rows in the admin; no banner on every command
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Nothing inline, nothing from elsewhere: a script injected into a case file cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Production hardening follows DEBUG; see README "Production settings".
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_MINUTES without a request: every request pushes the expiry on.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# Sessions are read from the cache (Redis) and written through to the database, which stays their record: a
# session outlives a flushed or restarted Redis, and while Redis is unreachable they are read from the database
# alone (exemptions/web/sessions.py).
SESSION_ENGINE = "exemptions.web.sessions"
X_FRAME_OPTIONS = "DENY"

# --- Web UI: password-reset links ----------------------------------------------------------------
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day
