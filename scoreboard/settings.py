"""Settings for the 766 scoreboard, read from the environment.

With no environment at all the project runs on SQLite with Celery tasks executed eagerly,
so `make run` needs no server. DATABASE_URL switches to PostgreSQL (psycopg 3) and
CELERY_BROKER_URL / REDIS_URL switch Celery and the cache to Redis.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# Production mode: refuse insecure defaults instead of silently running with them.
PRODUCTION = env.bool("SCOREBOARD_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)

_PLACEHOLDER_SECRET = "insecure-development-key-change-me"  # noqa: S105 - placeholder by design
SECRET_KEY = env.str("SECRET_KEY", default=_PLACEHOLDER_SECRET)
if PRODUCTION and (SECRET_KEY == _PLACEHOLDER_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SCOREBOARD_PRODUCTION is on but SECRET_KEY is missing, the placeholder, or shorter "
        "than 32 characters. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when SCOREBOARD_PRODUCTION is on.")

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
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "scoreboard",
    "accounts",
    "units",
    "indicators",
    "dashboard",
    "ingest",
    "actions",
    "notifications",
    "reporting",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless marked otherwise (login, password reset, health check,
    # and the reader pages, which apply accounts.access themselves).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads of published data from a replica, when DATABASE_REPLICA_URL names one.
    "scoreboard.replicas.ReplicaReadsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "scoreboard.urls"
WSGI_APPLICATION = "scoreboard.wsgi.application"

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
                "accounts.context_processors.access",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: wait for the writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# Streaming replicas (one URL or several, comma-separated) serve the reads of published data;
# scoreboard/replicas.py says which reads and why. In tests each mirrors the primary.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URL", default=[]), start=1):
    _alias = "replica" if _number == 1 else f"replica_{_number}"
    DATABASES[_alias] = {
        **env.db_url_config(_url),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["scoreboard.replicas.ReplicaRouter"]
# After a write, the writer's own reads stay on the primary this long: longer than the
# replication lag of a healthy replica (usually well under a second) with a wide margin.
REPLICA_READ_YOUR_WRITES_SECONDS = env.int("REPLICA_READ_YOUR_WRITES_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery, broker and cache -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
BROKER_CONFIGURED = bool(CELERY_BROKER_URL)
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None),
)
# Without a broker, tasks run in-process so that `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not BROKER_CONFIGURED)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A job can die at any instant and still finish (README, "Operations"):
# - acks_late + reject_on_worker_lost: a message is acknowledged only when its task ends, so a
#   worker that dies mid-task leaves it on the queue instead of losing it. Our tasks are
#   idempotent (they claim the upload's lease first), so a redelivery is harmless.
# - prefetch 1: one long national import does not hold back messages another worker could run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# Longest back-off between two tries of a task after a transient error (ingest/tasks.py).
SCOREBOARD_RETRY_BACKOFF_MAX = env.int("SCOREBOARD_RETRY_BACKOFF_MAX", default=120)
# Redis redelivers an unacknowledged message after the visibility timeout. It must outlast
# the longest a message may legitimately stay unacknowledged (the hard time limit, or a
# retry's countdown) or a running task would be handed to a second worker; kombu's default
# (an hour) left a killed worker's job waiting that long. The sweeper is what recovers jobs
# quickly; this redelivery is the broker's own back-up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + SCOREBOARD_RETRY_BACKOFF_MAX + 60,
    # A web request that queues a job must not hang on a broker that is down.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Publishing a message retries briefly, then the job is left to the sweeper (no 500).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# Leases of the jobs (ingest/leases.py): a worker's heartbeat renews its lease every third of
# SCOREBOARD_JOB_LEASE_SECONDS, so a worker that dies is noticed within that time; a sent job
# no worker took within SCOREBOARD_JOB_PICKUP_SECONDS is sent again (a duplicate is a no-op);
# after SCOREBOARD_JOB_MAX_ATTEMPTS workers died on (or gave up) a step, the upload fails.
SCOREBOARD_JOB_LEASE_SECONDS = env.int("SCOREBOARD_JOB_LEASE_SECONDS", default=60)
SCOREBOARD_JOB_PICKUP_SECONDS = env.int("SCOREBOARD_JOB_PICKUP_SECONDS", default=300)
SCOREBOARD_JOB_MAX_ATTEMPTS = env.int("SCOREBOARD_JOB_MAX_ATTEMPTS", default=5)
# The sweeper (Celery beat, `make worker`) looks for expired leases and unsent jobs this often.
SCOREBOARD_SWEEP_SECONDS = env.float("SCOREBOARD_SWEEP_SECONDS", default=30.0)
# Alerts (notifications/): the time-based rules (missing uploads, stale tables), publications
# whose evaluation was never queued and unsent e-mails, every ALERTS_SCHEDULE_SECONDS; the
# weekly digest at DIGEST_WEEKDAY (0 = Sunday, crontab's numbering) DIGEST_HOUR:DIGEST_MINUTE
# in CELERY_TIMEZONE (Asia/Ho_Chi_Minh): Monday 07:30 by default.
ALERTS_SCHEDULE_SECONDS = env.float("ALERTS_SCHEDULE_SECONDS", default=300.0)
DIGEST_WEEKDAY = env.str("DIGEST_WEEKDAY", default="1")
DIGEST_HOUR = env.str("DIGEST_HOUR", default="7")
DIGEST_MINUTE = env.str("DIGEST_MINUTE", default="30")
# The national portal's results fetched on a schedule (portal/, docs/PORTAL_API.md). The
# portal is asked politely: one identifying User-Agent with the deployment's contact, at most
# one request per PORTAL_MIN_INTERVAL_SECONDS, retries with exponential back-off (Retry-After
# honoured) on 429, 5xx and timeouts; PORTAL_PROXY for intranets that must go out through one.
# No default address or contact: the sync refuses to run until both are set (README).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="").rstrip("/")
PORTAL_PROXY = env.str("PORTAL_PROXY", default="")
PORTAL_CONTACT = env.str("PORTAL_CONTACT", default="")
PORTAL_USER_AGENT = env.str("PORTAL_USER_AGENT", default="scoreboard-766/0.1")
PORTAL_MIN_INTERVAL_SECONDS = env.float("PORTAL_MIN_INTERVAL_SECONDS", default=1.0)
PORTAL_TIMEOUT_SECONDS = env.float("PORTAL_TIMEOUT_SECONDS", default=30.0)
PORTAL_MAX_ATTEMPTS = env.int("PORTAL_MAX_ATTEMPTS", default=4)
PORTAL_BACKOFF_SECONDS = env.float("PORTAL_BACKOFF_SECONDS", default=5.0)
PORTAL_BACKOFF_MAX_SECONDS = env.float("PORTAL_BACKOFF_MAX_SECONDS", default=300.0)
# A scope whose fetches failed this many times in a row is stopped (its circuit breaker
# opens) for PORTAL_BREAKER_HOURS, and its data admins are told.
PORTAL_BREAKER_FAILURES = env.int("PORTAL_BREAKER_FAILURES", default=3)
PORTAL_BREAKER_HOURS = env.float("PORTAL_BREAKER_HOURS", default=24.0)
# Beat looks for scopes whose hour has come this often; each runs once a day.
PORTAL_SYNC_CHECK_SECONDS = env.float("PORTAL_SYNC_CHECK_SECONDS", default=600.0)
# A sync task's time limit: the scopes one after another, at one request a second, with
# back-off on a busy portal (a province is 8 requests, each up to PORTAL_MAX_ATTEMPTS tries).
PORTAL_SYNC_TIME_LIMIT_SECONDS = env.int("PORTAL_SYNC_TIME_LIMIT_SECONDS", default=3600)
CELERY_BEAT_SCHEDULE = {
    "portal-sync": {
        "task": "portal.tasks.portal_sync_due_task",
        "schedule": PORTAL_SYNC_CHECK_SECONDS,
        "options": {"expires": PORTAL_SYNC_CHECK_SECONDS},
    },
    "upload-sweep": {
        "task": "ingest.tasks.upload_sweep_task",
        "schedule": SCOREBOARD_SWEEP_SECONDS,
        # A sweep that waited longer than its interval is superseded by the next one.
        "options": {"expires": SCOREBOARD_SWEEP_SECONDS},
    },
    "alerts-schedule": {
        "task": "notifications.tasks.alert_evaluate_schedule_task",
        "schedule": ALERTS_SCHEDULE_SECONDS,
        "options": {"expires": ALERTS_SCHEDULE_SECONDS},
    },
    "weekly-digest": {
        "task": "notifications.tasks.digest_send_week_task",
        "schedule": crontab(minute=DIGEST_MINUTE, hour=DIGEST_HOUR, day_of_week=DIGEST_WEEKDAY),
    },
}

# The cache is Redis when one is named (CACHE_URL, else the Redis of the broker): shared by
# every web process, which a per-process memory cache is not.
CACHE_URL = env.str(
    "CACHE_URL",
    default=REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""),
)
if CACHE_URL:
    CACHES = {
        "default": {
            # Redis, but a cache that is down reads as empty instead of failing the request:
            # no throttle, no cached value (scoreboard/cache.py).
            "BACKEND": "scoreboard.cache.ForgivingRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Published snapshots' rows, peer sets and unit histories, cached in the cache above
# (indicators/published_cache.py); versions drop them on a publish or an edit, and entries
# expire after SCOREBOARD_PUBLISHED_CACHE_SECONDS in any case.
SCOREBOARD_PUBLISHED_CACHE = env.bool("SCOREBOARD_PUBLISHED_CACHE", default=True)
SCOREBOARD_PUBLISHED_CACHE_SECONDS = env.int("SCOREBOARD_PUBLISHED_CACHE_SECONDS", default=86400)

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: lock a user name from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = 1 if env.bool("BEHIND_PROXY", default=False) else 0
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scoreboard@localhost")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# Links in e-mails (alerts, digests, unsubscribe) are absolute: the site's address as users see it.
SCOREBOARD_BASE_URL = env.str("SCOREBOARD_BASE_URL", default="http://127.0.0.1:8000")
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Unit codes (GSO or portal) whose scores anonymous visitors may read; empty = nobody.
SCOREBOARD_PUBLIC_SCOPES = env.list("SCOREBOARD_PUBLIC_SCOPES", default=[])
# The home page's scope for users whose role does not decide it (superusers): a code or name.
SCOREBOARD_HOME_SCOPE = env.str("SCOREBOARD_HOME_SCOPE", default="")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation: Vietnamese first ---------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

# --- Static files (served by WhiteNoise; no CDN, intranets are often air-gapped) --------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the finders so no collectstatic step is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No inline scripts, nothing from other origins (intranets are air-gapped anyway). Styles
# allow 'unsafe-inline' because Plotly sets style attributes and <style> nodes at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- REST API ---------------------------------------------------------------------------------
# Versioned under /api/v1/ (api/urls.py). Token first, so an anonymous call gets 401 with
# "WWW-Authenticate: Token"; session auth serves the browsable API and the docs page.
# Tokens are django-rest-knox's: only a digest is stored, one per client of a user
# (accounts.ApiToken), each expiring after API_TOKEN_DAYS unless issued otherwise.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
# knox's own migrations create its default token table even when the model is swapped
# (they declare no `swappable`); without them nothing of knox's is created.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "TOKEN_PREFIX": "766_"}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "uploads": env.str("API_THROTTLE_UPLOADS", default="120/hour"),
        # Failed token authentications per address (api/authentication.py).
        "auth_failures": env.str("API_THROTTLE_AUTH_FAILURES", default="20/minute"),
    },
}
# OpenAPI schema at /api/schema/, Swagger UI at /api/docs/ with its assets served locally
# (sidecar) and its init script from a URL, not inline, for the script-src 'self' policy.
SPECTACULAR_SETTINGS = {
    "TITLE": "766 scoreboard API",
    "DESCRIPTION": "Units, frameworks, snapshots, leaderboards, unit scores and uploads.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SnapshotStatusEnum": "indicators.models.SnapshotStatus",
        "UploadStatusEnum": "ingest.models.UploadStatus",
        "UnitKindEnum": "units.models.UnitKind",
        "TableKindEnum": "ingest.models.TableKind",
        "ActionStatusEnum": "actions.models.ActionStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every start-up and login at INFO; the audit log keeps what matters.
        "axes": {"level": "WARNING"},
    },
}
