"""Settings for the vendor-oversight tracker.

Everything that differs between the local run, CI and production comes from the environment
(django-environ). The local run needs nothing: SQLite in ``var/``, no Redis (Celery runs tasks
eagerly), emails written to ``var/sent-emails/``. Production sets ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and the email settings.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Commands that only read the code (no signing, no serving) run without a key, so that
# `manage.py makemigrations --check` works on a bare checkout.
_KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "help", "version"}
_keyless = (
    Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 and sys.argv[1] in _KEYLESS_COMMANDS
)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or _keyless):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public address used in links inside emails (no request is at hand in a Celery task).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First, so that its management commands (createsuperuser by email) override Django's.
    "oversight",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    # The product, lowest layer first:
    # dashboard, binder -> reminders, reader, incidents -> baas, diligence -> vendors -> oversight;
    # portal -> diligence, vendors, oversight.
    "vendors",
    "diligence",
    "baas",
    "incidents",
    "portal",
    "reader",
    "generator",
    "reminders",
    "binder",
    "dashboard",
]

MIDDLEWARE = [
    # First, so that the request line covers everything below (duration, final status).
    "oversight.middleware.RequestLogMiddleware",
    "oversight.middleware.RequestSizeLimitMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "oversight.tenancy.CurrentPracticeMiddleware",
    "oversight.middleware.RequireMFAMiddleware",
    # Last: turns a lockout flagged by the authentication backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oversight.urls"
WSGI_APPLICATION = "oversight.wsgi.application"

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
                "oversight.context_processors.practice",
                "oversight.middleware.idle_logoff",
                "oversight.middleware.mfa_continue_url",
            ],
        },
    },
]

# SQLite for the one-command local run; PostgreSQL (psycopg 3) everywhere else.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The local run has three processes on one file (web, Celery worker, beat): write-ahead
    # logging lets readers go on during a write, and a write waits for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
# Kept connections (seconds; 0: one per request). The Procfile gives the web processes 60: a
# new connection costs a request more than most pages (the activity log's plan alone is 13-20
# ms on a fresh one). A kept connection is checked before each request reuses it, so a
# database restart costs no failed request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses any attempt for a locked-out account before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email login, no username.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_ADAPTER = "oversight.adapters.AccountAdapter"
# allauth's rate limits (cache-backed). Failed sign-ins: per account from any address 20 in
# 15 minutes (above the per account and address lockout below, so a person sees the lockout
# page first); per address alone only a high limit, because a practice's whole office often
# shares one address: ten failures of one person must not block everyone else there.
ACCOUNT_RATE_LIMITS = {
    "login": "200/m/ip",
    "login_failed": "100/m/ip,20/15m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}

# Two-factor authentication (164.312(d) person authentication): TOTP apps and recovery codes.
# A practice can require it for every member (Organization.require_mfa, RequireMFAMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Vendor Oversight"
# Staff reach the Django admin, which shows every practice: they always need a second factor.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

# Lockout after repeated failed sign-ins (django-axes), per account and address:
# AXES_FAILURE_LIMIT failures lock that account from that address for AXES_COOLOFF_TIME, or
# until an admin unlocks it (the practice's members page, or the Django admin's "Access
# attempts"); someone guessing from elsewhere cannot lock a member out of the office, and the
# account-wide limit is allauth's above. Every failure, lockout and unlock is in the activity log.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"  # allauth's login form field
AXES_USERNAME_CALLABLE = "oversight.signals.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Automatic logoff (164.312(a)(2)(iii)): the session expires after idle time, server-side.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# The page warns this many seconds before the idle logoff (static/js/idle.js).
SESSION_IDLE_WARNING_SECONDS = env.int("SESSION_IDLE_WARNING_SECONDS", default=90)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# ISO dates, and times with their zone everywhere, the Django admin included.
FORMAT_MODULE_PATH = ["oversight.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)

# Uploaded BAAs and evidence are private: they are never under a public URL and are served only
# by views that check membership of the practice. MEDIA_URL is deliberately unset.
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
_private_storage = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
}
if env.str("PRIVATE_STORAGE_S3_BUCKET", default=""):
    # django-storages must be installed for this (pip install django-storages[s3]).
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("PRIVATE_STORAGE_S3_BUCKET"),
            "endpoint_url": env.str("PRIVATE_STORAGE_S3_ENDPOINT", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _private_storage,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "oversight.staticfiles.ManifestStaticFilesStorage",
        )
    },
}
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# Email: console for a bare run, a file folder for the local run (one .eml file per message,
# which a mail program opens), SMTP in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_BACKEND = "oversight.mail.EmlFileBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "sent-emails"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Vendor Oversight <oversight@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# First wait after a temporary SMTP failure of a reminder, doubled at each attempt (reminders).
REMINDER_BACKOFF_SECONDS = env.int("REMINDER_BACKOFF_SECONDS", default=60)

# The vendor portal's private links (``portal/links.py``): per-IP limits on every view that
# takes a token. All requests (a vendor saving answers as they go stays far below), and
# failed lookups (a wrong, expired or revoked token), which only guessing produces in bulk.
PORTAL_LINK_RATE = env.str("PORTAL_LINK_RATE", default="120/m")
PORTAL_LINK_FAILED_RATE = env.str("PORTAL_LINK_FAILED_RATE", default="20/h")

# Celery: a Redis broker in production and CI. The local run (scripts/run.sh) uses kombu's
# filesystem transport under var/celery-broker/: a real worker and beat with no server to install.
# With no broker at all (a bare `manage.py runserver`), tasks run inline.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# A broker that is down, at start or later, is waited for, however long (Celery's default gives
# up after 100 attempts and the worker exits). A delivery running when the connection drops
# finishes (its row is marked sent); its message, which can no longer be acknowledged, comes
# back and finds the row no longer pending.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
    for _sub in ("queue", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
    # Nothing reads task results; the filesystem transport is not a result backend.
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
else:
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# HTTPS hardening: on by default whenever DEBUG is off. SECURE_HTTPS=false only for plain-HTTP
# test servers on 127.0.0.1. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_ENABLED.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
# How many proxies of the deployment append to X-Forwarded-For (0: clients connect directly and
# REMOTE_ADDR is the client). The client's address (oversight.net.client_ip) is read from it for
# the activity log, e-signatures, sign-in lockout and every rate limit.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
AXES_CLIENT_IP_CALLABLE = "oversight.net.client_ip_for_limits"
RATELIMIT_IP_META_KEY = "oversight.net.client_ip_for_limits"
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# axes.W006 asks for the IP address alone among the lockout keys. The lockout here is per
# account and address (a clinic's staff share one IP behind NAT: an IP lockout would lock out
# the whole office); per-IP throttling is allauth's ACCOUNT_RATE_LIMITS, with a high limit.
SILENCED_SYSTEM_CHECKS: list[str] = ["axes.W006"]

# Content-Security-Policy: only this origin; no inline script or style, no CDN. "data:" images
# are Bootstrap's inline SVG icons and the TOTP QR code.
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
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Logs go to stderr. "oversight.request" writes one JSON line per request
# (oversight.middleware.RequestLogMiddleware): no query string, no form data, no PHI.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "bare": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every sign-in at INFO; failures and lockouts (WARNING) are what matter.
        "axes": {"level": "WARNING"},
        # The request line replaces Django's own access-style warnings for 4xx.
        "django.request": {"level": "ERROR"},
        "oversight.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}

# Errors to Sentry, only when SENTRY_DSN is set and sentry-sdk is installed (it is not a
# requirement: `pip install sentry-sdk`). No request bodies, cookies or user details are sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - optional
        sentry_sdk = None
    if sentry_sdk is not None:
        sentry_sdk.init(
            dsn=SENTRY_DSN,
            send_default_pii=False,
            include_local_variables=False,
            max_request_body_size="never",
            environment=env.str("SENTRY_ENVIRONMENT", default="production"),
            traces_sample_rate=0.0,
        )
