"""Assent's one settings module: every knob comes from the environment (see README, "Configuration")."""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


class SettingError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str:
    """Return a string variable, or fail naming it when it is required and unset."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingError(f"{name} is required but not set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return an integer variable no smaller than minimum."""
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise SettingError(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Return a comma-separated list of addresses or CIDR blocks ("10.0.0.0/8, 2001:db8::/32")."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(f"{name} must list IP addresses or CIDR blocks, got {item!r}") from None
    return networks


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    """Return a URL variable whose scheme is one of schemes."""
    value = env_str(name, default)
    scheme = urlparse(value).scheme.split("+")[0]
    if scheme not in schemes:
        raise SettingError(f"{name} must be a URL with scheme {' or '.join(sorted(schemes))}, got {value!r}")
    return value


VAR_DIR = Path(env_str("ASSENT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _dev_secret_key() -> str:
    """Return the development secret key kept in var/, creating it on first use."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or (_dev_secret_key() if DEBUG else env_str("SECRET_KEY"))
if len(SECRET_KEY) < 32:
    raise SettingError("SECRET_KEY must be at least 32 characters")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The public URL of this server, used in the embed snippet and the banner's endpoints when a request
# does not tell (Celery tasks, e-mails). Empty means "the request's own host".
PUBLIC_BASE_URL = env_str("ASSENT_PUBLIC_BASE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "consent.console.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ledger",
    "consent",
    "consent.banner",
    "consent.hooks",
    "consent.api",
    "consent.accounts",
    "consent.regions",
    "consent.dsr",
    "consent.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Inside CORS, so its headers reach the JSON errors it makes; outside the rest, so it sees their answers.
    "consent.edge.middleware.EdgeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "consent.urls"
WSGI_APPLICATION = "consent.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'assent.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE makes concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that worker processes and live servers started by tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # The same backend, with a health check that asks the server only when it has said something.
    DATABASES["default"]["ENGINE"] = "consent.db.postgresql"
    # Django binds parameters on the client, and such statements are never prepared. The few hot
    # statements run through `ledger.rows.fetch(..., prepared=True)` bind on the server; psycopg
    # prepares one on its second run on a connection, so PostgreSQL plans it once, not every time.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1

# --- Cache (rate limits, banner config) -----------------------------------------------------------
CACHE_URL = env_url("CACHE_URL", f"file://{VAR_DIR / 'cache'}", schemes={"file", "redis", "rediss", "locmem"})
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("locmem"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": urlparse(CACHE_URL).path,
        }
    }

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss", "amqp", "amqps"}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # The embedded broker: messages are files under var/broker, so web, worker and beat on one
    # laptop need no server at all.
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # Broadcast and remote-control messages; left unset, kombu writes them into the working directory.
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.1,
    }
else:
    # The task time limit (below) stays well under this, so a running task is never redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# One queue per kind of work, so slow receivers cannot hold up the ledger or the housekeeping. A worker
# started without -Q consumes every queue listed here (make run); production runs one pool per queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "hooks", "ledger", "housekeeping")]
CELERY_TASK_ROUTES = {
    "consent.hooks.tasks.deliveries_send": {"queue": "hooks"},
    "consent.hooks.tasks.delivery_send": {"queue": "hooks"},
    "ledger.tasks.*": {"queue": "ledger"},
    "consent.hooks.tasks.delivery_sweep": {"queue": "housekeeping"},
    "consent.tasks.consent_expire_due": {"queue": "housekeeping"},
    "consent.celery.sessions_clear": {"queue": "housekeeping"},
}
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes every connection around each task unless this is set; a delivery then
# spends more time connecting than sending. consent/celery.py closes only broken or old ones instead.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "ledger-integrate": {"task": "ledger.tasks.log_integrate_all", "schedule": 2.0},
    "consent-expire": {"task": "consent.tasks.consent_expire_due", "schedule": 300.0},
    "hooks-sweep": {"task": "consent.hooks.tasks.delivery_sweep", "schedule": 15.0},
    "dsr-expire-unverified": {"task": "consent.dsr.tasks.requests_expire_unverified", "schedule": 3600.0},
    "dsr-due-soon": {"task": "consent.dsr.tasks.requests_due_soon_notify", "schedule": 86400.0},
    "dsr-access-log-purge": {"task": "consent.dsr.tasks.access_log_purge", "schedule": 3600.0},
    "console-rollups": {"task": "consent.console.tasks.rollups_fold_all", "schedule": 60.0},
    "console-ledger-check": {"task": "consent.console.tasks.ledger_check_all", "schedule": 86400.0},
    # Expired sessions may hold a new API key or webhook secret waiting to be shown once.
    "sessions-clear": {"task": "consent.celery.sessions_clear", "schedule": crontab(hour=3, minute=17)},
}

# --- The ledger -----------------------------------------------------------------------------------
# Ed25519 key that signs checkpoints and receipts: PEM text in production, a file in var/ otherwise.
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", "")
LEDGER_SIGNING_KEY_FILE = env_str("LEDGER_SIGNING_KEY_FILE", str(VAR_DIR / "ledger-ed25519.pem"))
if not DEBUG and not LEDGER_SIGNING_KEY and not Path(LEDGER_SIGNING_KEY_FILE).exists():
    raise SettingError("LEDGER_SIGNING_KEY (PEM) or LEDGER_SIGNING_KEY_FILE (an existing file) is required")
# Public keys (PEM, separated by blank lines) of retired signing keys, so old checkpoints still verify.
LEDGER_RETIRED_PUBLIC_KEYS = os.environ.get("LEDGER_RETIRED_PUBLIC_KEYS", "")
LEDGER_CHECKPOINT_INTERVAL = env_int("LEDGER_CHECKPOINT_INTERVAL", 60, minimum=1)
LEDGER_INTEGRATION_DELAY = env_int("LEDGER_INTEGRATION_DELAY", 300, minimum=1)

# --- Product knobs --------------------------------------------------------------------------------
ASSENT_ALLOW_PRIVATE_DESTINATIONS = env_bool("ASSENT_ALLOW_PRIVATE_DESTINATIONS", False)
ASSENT_PUBLIC_RATE_PER_CLIENT = env_int("ASSENT_PUBLIC_RATE_PER_CLIENT", 60, minimum=1)
ASSENT_PUBLIC_RATE_PER_SITE = env_int("ASSENT_PUBLIC_RATE_PER_SITE", 3000, minimum=1)
ASSENT_API_RATE_PER_KEY = env_int("ASSENT_API_RATE_PER_KEY", 6000, minimum=1)
# Proxies in front of this server whose X-Forwarded-For entries are believed (consent/edge/address.py):
# how many hops next to the server are ours, and/or which networks ours live in. Default: none.
ASSENT_TRUSTED_PROXY_COUNT = env_int("ASSENT_TRUSTED_PROXY_COUNT", 0)
ASSENT_TRUSTED_PROXIES = env_networks("ASSENT_TRUSTED_PROXIES", [])


def _region_headers() -> str:
    """Return ASSENT_REGION_HEADERS checked: a CDN preset or one or two header names."""
    from consent.regions.resolution import preset_parse

    value = env_str("ASSENT_REGION_HEADERS", "")
    try:
        preset_parse(value)
    except ValueError as error:
        raise SettingError(f"ASSENT_REGION_HEADERS must be {error}") from None
    return value


def _geoip_path() -> str:
    value = env_str("ASSENT_GEOIP_DATABASE", "")
    if value and not Path(value).is_file():
        raise SettingError(f"ASSENT_GEOIP_DATABASE names no file: {value!r}")
    return value


# Where a visitor is: a header the CDN sets (trusted only when named here), else the operator's GeoIP2 file.
ASSENT_REGION_HEADERS = _region_headers()
ASSENT_GEOIP_DATABASE = _geoip_path()
ASSENT_HOOKS_BACKOFF_DIVISOR = env_int("ASSENT_HOOKS_BACKOFF_DIVISOR", 1, minimum=1)  # tests: 100 = 100x faster retries
# The whole of one webhook attempt (connect, send, every read of the answer); below the task's soft limit (50 s).
ASSENT_HOOKS_ATTEMPT_SECONDS = env_int("ASSENT_HOOKS_ATTEMPT_SECONDS", 20, minimum=1)
if ASSENT_HOOKS_ATTEMPT_SECONDS > 40:
    raise SettingError(f"ASSENT_HOOKS_ATTEMPT_SECONDS must be at most 40, got {ASSENT_HOOKS_ATTEMPT_SECONDS}")

# --- E-mail ---------------------------------------------------------------------------------------
# One URL picks the transport: console:// (the default: mail is printed, for development),
# smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS), or locmem://.
EMAIL_URL = env_url("EMAIL_URL", "console://", schemes={"console", "smtp", "smtps", "locmem"})
_email = urlparse(EMAIL_URL)
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[_email.scheme]
if _email.scheme in {"smtp", "smtps"}:
    if not _email.hostname:
        raise SettingError(f"EMAIL_URL must name a host, got {EMAIL_URL!r}")
    EMAIL_HOST = _email.hostname
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    # STARTTLS unless the URL says ?tls=0 (a relay on the same host or a test server).
    EMAIL_USE_TLS = _email.scheme == "smtp" and "tls=0" not in _email.query
    EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("ASSENT_EMAIL_FROM", "Assent <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Data-subject requests and the access log ------------------------------------------------------
ASSENT_ACCESS_LOG_DAYS = env_int("ASSENT_ACCESS_LOG_DAYS", 30, minimum=1)
ASSENT_DSR_RATE_PER_CLIENT = env_int("ASSENT_DSR_RATE_PER_CLIENT", 5, minimum=1)

# --- HTTP, security, static -----------------------------------------------------------------------
CSRF_FAILURE_VIEW = "consent.edge.middleware.csrf_failure"
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/api/v1/public/.*$"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Messages wait in the session, server-side, not in a cookie (signed, not encrypted): the admin shows a
# new API key or webhook secret in one, once, and the session forgets it when it is shown.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "/account/login/"
LOGIN_REDIRECT_URL = "/account/privacy/"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Assent API",
    "DESCRIPTION": "Consent state, audiences, history, proofs and webhook destinations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # httpx logs every webhook request at INFO; the delivery log is the Attempt table.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
# Serve static files straight from the source tree in development (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
