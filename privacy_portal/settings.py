"""Settings for Privacyportaal, read from the environment (see .env.example).

Without any environment the project runs for a first look: DEBUG is off unless asked for, so
`make run` sets DEBUG=1 and DEMO_MODE=1; SQLite in the project folder; Celery tasks in-process.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from privacy_portal.env import email_settings_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Demo mode lets the printed demo logins skip 2FA enrolment. It exists for a first look only.
DEMO_MODE = env_bool("DEMO_MODE", False)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured("DEMO_MODE=1 is only allowed together with DEBUG=1.")


def _development_secret_key() -> str:
    """A random key kept in var/ so that sessions survive a restart of the dev server."""
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret_key()
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    "privacy_portal",
    "accounts",
    "students",
    "agreements",
    "consent",
    "portal",
    "breaches",
    "retention",
    "checklist",
    "transfers",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise: static files stay cacheable; every rendered response is no-store.
    "privacy_portal.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # One access summary per person per request (accounts.access.summary), before anything asks.
    "accounts.middleware.AccessScopeMiddleware",
    "accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Refuses NUL bytes, huge numbers and oversized uploads before any view reads them.
    "privacy_portal.middleware.BadInputMiddleware",
    # Demo mode only: links in mails use the address the demo is opened on.
    "privacy_portal.middleware.DemoSiteUrlMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # django-otp's middleware, checking the session's device against the access summary.
    "accounts.middleware.SessionOTPMiddleware",
    "privacy_portal.middleware.KeepFormAfterTimeoutMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "accounts.middleware.AccessSyncMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.PasswordExpiryMiddleware",
    # Every POST with a one-time form token runs once; after the session and access checks.
    "privacy_portal.once.OnceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "privacy_portal.middleware.MethodNotAllowedPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "privacy_portal.urls"
WSGI_APPLICATION = "privacy_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% form_token %} stands next to every {% csrf_token %}: built in, like that tag.
            "builtins": ["privacy_portal.templatetags.once"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "privacy_portal.context_processors.layout",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # A database that accepts connections but never answers must not hold a request (and a
    # gunicorn worker) for good: give up connecting after DB_CONNECT_TIMEOUT seconds, cancel a
    # statement after DB_STATEMENT_TIMEOUT_MS (0 = no limit; workers doing long purges set their
    # own), and end a session left idle inside a transaction. The request then fails with our
    # own 500 page (templates/500.html), well before gunicorn's timeout.
    # PostgreSQL's JIT compiler (on by default since PostgreSQL 12) costs far more than it saves
    # for this workload: it compiled the pupil-list query for over a second while the query ran
    # in about 12 ms (docs/performance.md). Short OLTP queries never earn back JIT's compile
    # time, so every connection of the application turns it off.
    _statement_ms = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000, minimum=0)
    _idle_ms = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 300_000, minimum=0)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c jit=off -c statement_timeout={_statement_ms}"
        f" -c idle_in_transaction_session_timeout={_idle_ms}"
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis away must cost a request at most a moment, not a hang (see the cache users:
            # they treat the cache as a hint and go on without it).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # No broker: every task runs in the web process the moment it is enqueued.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Jobs live in the database (privacy_portal.jobs): a message is only a nudge. Publishing gives up
# fast when the broker is down (the reaper and the outbox sweep send it again), and a message a
# dead worker took comes back after the visibility timeout, which must exceed the longest job
# (a redelivered job whose worker still runs finds its row locked and does nothing).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60, minimum=60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A job's claim without a living worker: stale after this on PostgreSQL (row locks tell), after
# the lease on SQLite (no row locks). Queued jobs are nudged again after JOB_REQUEUE_SECONDS and
# failed after JOB_QUEUE_MAX_HOURS; a job that died JOB_MAX_ATTEMPTS times is failed.
JOB_CLAIM_GRACE_SECONDS = env_int("JOB_CLAIM_GRACE_SECONDS", 60, minimum=5)
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 30 * 60, minimum=60)
JOB_REQUEUE_SECONDS = env_int("JOB_REQUEUE_SECONDS", 120, minimum=10)
JOB_QUEUE_MAX_HOURS = env_int("JOB_QUEUE_MAX_HOURS", 24, minimum=1)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
# With tasks in-process (no Redis), a long job (a pupil import) runs in a thread of the web
# process instead of inside the request, so its progress page can be watched. On by default in
# the first-look mode (DEMO_MODE without REDIS_URL); tests keep jobs inside the request.
JOBS_IN_THREAD = env_bool("JOBS_IN_THREAD", DEMO_MODE and not REDIS_URL)
# Each app adds its periodic jobs in privacy_portal/celery.py's beat schedule (see there).

# --- Authentication --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.CharacterClassValidator"},
    {"NAME": "accounts.password_validation.GuessablePasswordValidator"},
]
# R14: staff change their password at least every half year; idle staff sessions end.
STAFF_PASSWORD_MAX_AGE_DAYS = env_int("STAFF_PASSWORD_MAX_AGE_DAYS", 180, minimum=0)
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

OTP_TOTP_ISSUER = "Privacyportaal"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Lock the pair (account, address): per address alone would lock out a whole school after one
# person's typos (schools share one public address, hence W006 silenced); per account alone lets
# anyone lock out the CvB the night before a deadline by typing wrong passwords for them.
# Behind a proxy, REMOTE_ADDR must be the client's address (the proxy sets it).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_VERBOSE = False

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Internationalisation --------------------------------------------------------------------
# Dutch for everyone; English only when chosen with the footer switch (see
# accounts.middleware.ChosenLanguageMiddleware: the browser's language is not followed).
LANGUAGE_CODE = "nl"
# Each language is named in itself (never translated): a reader looks for their own language.
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
# The session key that carries the account's language from sign-in on (see ChosenLanguageMiddleware).
LANGUAGE_SESSION_KEY = "chosen_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date style per use in both languages (long in text, numeric in tables, 24-hour times).
FORMAT_MODULE_PATH = ["privacy_portal.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads (dossier reports, signed PDFs) live outside the web root and are never served
# directly: there is deliberately no MEDIA_URL route; views check access and stream them.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/bestanden-niet-openbaar/"
MAX_UPLOAD_MEGABYTES = env_int("MAX_UPLOAD_MEGABYTES", 10, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_MEGABYTES * 1024 * 1024
# Uploaded files stay in memory (bounded by MAX_UPLOAD_MEGABYTES): no temporary copy of a
# document in $TMPDIR that a killed request could leave behind.
FILE_UPLOAD_HANDLERS = ["privacy_portal.uploads.MemoryOnlyUploadHandler"]

# --- E-mail ----------------------------------------------------------------------------------
globals().update(email_settings_from_url(env_str("EMAIL_URL", "console://")))
# Mail leaves through the outbox (privacy_portal.mail): a hanging mail server holds a delivery
# for at most EMAIL_TIMEOUT seconds, never a user's request; failed mails are retried
# MAIL_MAX_ATTEMPTS times in all and then shown to the FG.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Privacyportaal <privacy@example.org>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No page may load anything from elsewhere: the school networks and these machines are offline-strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs a dozen INFO lines per PDF (fonts, steps); only problems are news.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "privacy_portal.views.csrf_failure"
