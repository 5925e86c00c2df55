"""Kindred's one settings module, configured only by environment variables.

Every variable has a default that is safe for `make run` on a laptop. A deployment is
"production" as soon as it provides its own secret (KINDRED_SECRET_KEY or
KINDRED_SECRET_KEY_FILE): then cookies are secure, HTTPS is enforced and
`kindred check --deploy` is clean. See docs/decisions/0002-settings-from-environment.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("KINDRED_DATA_DIR") or Path.cwd() / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("KINDRED_DEBUG")

_configured_secret = env("KINDRED_SECRET_KEY")
PRODUCTION = bool(_configured_secret)
if _configured_secret:
    SECRET_KEY = _configured_secret
else:
    # Zero-setup mode: a random key kept in the data directory, so sessions survive restarts.
    _secret_file = DATA_DIR / "secret_key"
    if not _secret_file.exists():
        _secret_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        _secret_file.chmod(0o600)
    SECRET_KEY = _secret_file.read_text(encoding="utf-8").strip()

# Keys for identity numbers at rest (people/identity.py): "id:base64,…", newest first.
# Zero-setup mode generates one into the data directory; production must configure them
# (a system check refuses to start without), and back them up: without the key the numbers
# cannot be read.
ENCRYPTION_KEYS = env("KINDRED_ENCRYPTION_KEYS") or ""
if not ENCRYPTION_KEYS and not PRODUCTION:
    _keys_file = DATA_DIR / "encryption_keys"
    if not _keys_file.exists():
        from kindred.people.identity import new_key

        _keys_file.write_text(new_key("k1"), encoding="utf-8")
        _keys_file.chmod(0o600)
    ENCRYPTION_KEYS = _keys_file.read_text(encoding="utf-8").strip()

ALLOWED_HOSTS = env_list("KINDRED_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KINDRED_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "kindred.core",
    "kindred.people",
    "kindred.privacy",
    "kindred.goods",
    "kindred.aid",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kindred.core.middleware.UserLanguageMiddleware",
    "kindred.core.middleware.RequestContextMiddleware",
    "kindred.core.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kindred.urls"
# Every field rendered as a group ties its error message to its input (ADR 0021).
FORM_RENDERER = "kindred.core.forms.FormRenderer"
WSGI_APPLICATION = "kindred.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kindred.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kindred.sqlite3'}",
        conn_max_age=int(env("KINDRED_CONN_MAX_AGE") or 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE avoids "database is locked"
    # upgrades from read to write inside a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's default assumes spinning disks (random_page_cost 4) and then prefers
    # scanning a whole table to a few thousand index look-ups, e.g. when counting a search
    # result. Servers run on SSDs; 1.1 is the usual setting there. A value in the
    # DATABASE_URL's options (?options=-c%20random_page_cost%3D…) takes precedence.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c random_page_cost=1.1")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_MAX_AGE_DAYS = int(env("KINDRED_INVITATION_DAYS") or 7)

# django-axes: lock an account (per e-mail and client address) after 5 failed logins.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
KINDRED_PROXY_COUNT = int(env("KINDRED_PROXY_COUNT") or 0)
AXES_CLIENT_IP_CALLABLE = "kindred.core.middleware.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("da", _("Danish")),
    ("fi", _("Finnish")),
    ("bg", _("Bulgarian")),
    ("uk", _("Ukrainian")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kindred_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("KINDRED_TIME_ZONE") or "Europe/Copenhagen"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start while it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = not PRODUCTION

_email = dj_email_url.parse(env("KINDRED_EMAIL_URL") or "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or str(DATA_DIR / "mail")
# Text messages to households (booking links, reminders): a dotted path to a backend class
# (kindred.aid.sms); the console backend prints them, as the console e-mail backend does.
SMS_BACKEND = env("KINDRED_SMS_BACKEND") or "kindred.aid.sms.ConsoleBackend"
# The public address of this server, for links in messages sent by background jobs (booking
# reminders), which have no request to take it from. Pages use the request's own address.
KINDRED_BASE_URL = env("KINDRED_BASE_URL") or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = env("KINDRED_DEFAULT_FROM_EMAIL") or "Kindred <kindred@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The cache holds what every server process must share (the public forms' rate limits).
# The database is the default (table kindred_cache, made by migration core.0004); with
# KINDRED_CACHE_URL=redis://host:6379/0 Redis is used instead.
KINDRED_CACHE_URL = env("KINDRED_CACHE_URL") or ""
if KINDRED_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": KINDRED_CACHE_URL,
            "KEY_PREFIX": "kindred",
        }
    }
elif KINDRED_CACHE_URL:
    raise ImproperlyConfigured("KINDRED_CACHE_URL must be a redis://, rediss:// or unix:// URL.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kindred_cache",
        }
    }

# Background jobs: a running job touches its progress row every HEARTBEAT seconds; one that
# has not for LEASE seconds is taken as dead and failed by the worker's schedule, which runs
# every SCHEDULE seconds (so a killed worker's job is failed within LEASE + SCHEDULE).
KINDRED_JOB_HEARTBEAT = float(env("KINDRED_JOB_HEARTBEAT") or 20)
KINDRED_JOB_LEASE = float(env("KINDRED_JOB_LEASE") or 60)
KINDRED_SCHEDULE_INTERVAL = float(env("KINDRED_SCHEDULE_INTERVAL") or 60)

TASKS = {
    "default": {
        "BACKEND": env("KINDRED_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Security headers. The policy allows no inline script anywhere: htmx is configured by a
# <meta> tag and the CSRF header by an hx-headers attribute.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("KINDRED_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("KINDRED_HSTS_SECONDS") or 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

ADMIN_URL = (env("KINDRED_ADMIN_URL") or "kindred-admin/").strip("/") + "/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("KINDRED_LOG_LEVEL") or "WARNING"},
}
