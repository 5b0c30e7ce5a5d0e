"""Settings for Sigma LMS, configured from the environment (twelve-factor, django-environ).

Every variable is documented in ``.env.example``. A ``.env`` file beside ``manage.py`` is read when
present; real environment variables win over it.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A key that only development may use; production refuses it (and refuses no key at all).
INSECURE_DEV_SECRET_KEY = "django-insecure-sigma-lms-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == INSECURE_DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Our apps, lowest layer first (see README "Layering").
    "lms",
    "prompts",
    "accounts",
    "catalog",
    "syllabus",
    "learning",
    "tutoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "lms.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lms.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (Accept-Language) among LANGUAGES
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLocaleMiddleware",  # then a signed-in user's own language (users.locale) wins
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.throttle.LoginRateLimitMiddleware",  # log-in/sign-up POSTs per IP, before any password hashing
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a lockout raised during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

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
            ],
            # {% url %} and {% static %} with a memo (lms/templatetags/memo_tags.py): pages reverse per row.
            "builtins": ["lms.templatetags.memo_tags"],
        },
    },
]

# --- Database: PostgreSQL always. DATABASE_URL when set, else the embedded server under var/. ---
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from lms.embedded_db import database_url

    DATABASES = {"default": env.db_url_config(database_url())}
_db = DATABASES["default"]
if not _db.get("ENGINE", "").endswith("postgresql"):
    raise ImproperlyConfigured("Sigma LMS runs on PostgreSQL only; DATABASE_URL must be postgres://…")
# django-environ puts a unix-socket directory in OPTIONS["host"]; dbshell reads only HOST.
if not _db.get("HOST") and "host" in _db.get("OPTIONS", {}):
    _db["HOST"] = _db["OPTIONS"].pop("host")
# No JIT: the LMS runs short queries whose *estimated* cost can pass jit_above_cost (a per-row probe over
# the catalog), and compiling them took 15-300 ms on the 100,000-course benchmark for ~5 ms of work.
_db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# Prepared statements only where code asks for them (lms.db.prepared_cursor: the hot raw page queries).
# Django turns them off (prepare_threshold=None) for transaction-mode poolers such as PgBouncer; with a
# threshold no query text reaches, only queries executed with prepare=True are prepared (Django's own
# client-side-binding cursors never are). DB_PREPARED_STATEMENTS=false (behind
# such a pooler) turns them off entirely.
if env.bool("DB_PREPARED_STATEMENTS", default=True):
    _db["OPTIONS"].setdefault("prepare_threshold", 2**62)
# Django's built-in psycopg pool (needs CONN_MAX_AGE = 0). DB_POOL=false turns it off.
# Each connection is checked as it is handed out (CONN_HEALTH_CHECKS: Django then gives the pool
# check=ConnectionPool.check_connection, one empty round trip),
# so after a database restart the dead pooled connections are replaced instead of failing one request each.
# While the database is down a request waits at most DB_POOL_TIMEOUT seconds for a connection, then gets
# the 503 "briefly unavailable" page (lms.views.server_error), so workers are not tied up.
if env.bool("DB_POOL", default=True):
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=3.0),
    }
    _db["CONN_MAX_AGE"] = 0
    _db["CONN_HEALTH_CHECKS"] = True
_db["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every worker process. Redis in production, the database cache by default. ---
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    # Django culls a database cache past 300 entries, which would evict rendered course outlines and
    # rollup markers on any real site; size it for one (CACHE_MAX_ENTRIES, or Redis, to change it).
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", env.int("CACHE_MAX_ENTRIES", default=50_000))
# Sessions in PostgreSQL (table user_sessions), read with the signed-in user in one query.
SESSION_ENGINE = "accounts.sessions"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: a locked-out account or IP is refused before our backend hashes the password.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",  # django-axes' AxesStandaloneBackend
    "accounts.backends.EmailBackend",  # ModelBackend with a cheap per-request user read
]
PASSWORD_HASHERS = [
    "accounts.hashers.LowPriorityArgon2PasswordHasher",  # Django's Argon2 in low-priority threads (accounts/hashers.py)
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
SIGNUP_REDIRECT_URL = "learning:onboarding"  # accounts cannot import learning; it reads this name

# Password hashing (accounts/hashers.py): threads per process, and their nice value (0 = normal priority).
PASSWORD_HASH_THREADS = env.int("PASSWORD_HASH_THREADS", default=2)
PASSWORD_HASH_NICE = env.int("PASSWORD_HASH_NICE", default=10)

# --- Log-in brute-force protection (accounts.throttle; README "Security"). ---
# Per client IP, before any hashing: log-in and sign-up POSTs per window.
LOGIN_RATE_LIMIT = env.int("LOGIN_RATE_LIMIT", default=20)
LOGIN_RATE_WINDOW = 60  # seconds
# Behind a reverse proxy, the client is the last X-Forwarded-For entry (lms.client_ip).
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
# django-axes: failed log-ins per account (e-mail) and, separately, per IP, then a lockout that expires.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the message's "try again in N minutes" holds
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # Django's log-in forms post the e-mail as "username"
AXES_USERNAME_CALLABLE = "accounts.throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "lms.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_ENABLE_ADMIN = False  # accounts.admin registers the attempts for platform admins only
AXES_VERBOSE = False

# --- Languages (README "Languages"): the interface is translated with Django's i18n; the catalogs live in
# locale/<code>/LC_MESSAGES/django.po (compiled .mo files are committed, `make messages` refreshes both).
# A signed-in user's own language (users.locale, set on the profile page) wins; else the browser's
# Accept-Language; else LANGUAGE_CODE. Course content is never translated. To add a language: add it here,
# `make messages LOCALE=<code>`, translate the .po, `make messages` again, commit the .po and the .mo.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language (lms/formats/<code>/formats.py over Django's): templates use the named formats.
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Labs (docs/labs.md): the runtimes this server grades in its bubblewrap sandbox (the lab editor refuses others),
# and the ceiling on every lab's own limits.
LAB_RUNTIMES = env.list("LAB_RUNTIMES", default=["python", "python-datascience"])
LAB_SANDBOX_MAX_SECONDS = env.int("LAB_SANDBOX_MAX_SECONDS", default=60)
LAB_SANDBOX_MAX_MEMORY_MB = env.int("LAB_SANDBOX_MAX_MEMORY_MB", default=1024)
ASSET_MAX_UPLOAD_BYTES = env.int("ASSET_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)  # syllabus asset library uploads
# Uploaded files: local MEDIA_ROOT by default; S3-compatible object storage (django-storages) when
# AWS_STORAGE_BUCKET_NAME is set. Files are never served from a public URL either way: the asset view
# checks access and streams them (learning.player.views_learner.AssetFileView, syllabus.views.bank.AssetFileView).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,  # private objects; the bucket policy decides, never public-read
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Background tasks (django-tasks): rollup recomputes after structural edits of large courses run
# on the database queue, served by `manage.py db_worker` (make run starts one beside gunicorn).
# TASKS_BACKEND=immediate runs them in-process (tests, or a deployment without a worker).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env.str("TASKS_BACKEND", default="database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- E-mail: the console in development; EMAIL_URL (smtp://…) in production. ---
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Absolute links in mail sent by the task worker (no request to build them from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Sigma LMS <no-reply@localhost>")
# The daily notification digest goes out from this hour on (TIME_ZONE), queued by `manage.py run_scheduler`.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)
# How often that scheduler looks for due work (seconds).
SCHEDULER_INTERVAL_SECONDS = env.int("SCHEDULER_INTERVAL_SECONDS", default=300)

# Encryption of secret system settings (Fernet keys, newest first; comma-separated for rotation).
SETTINGS_ENCRYPTION_KEYS = env.list("SETTINGS_ENCRYPTION_KEYS", default=[])

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security: strict by default whenever DEBUG is off. ---
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips a client's own): otherwise any
# client could claim HTTPS and get secure-only behaviour over plain HTTP.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Content-Security-Policy (django-csp) on every response; README "Security" says how to add a script. ---
# Scripts: our static files, or an inline <script nonce="{{ request.csp_nonce }}">; no inline handlers
# (onclick=…), no eval. Styles allow inline: Bootstrap's progress bars and the admin set style="…", and
# htmx and the player add a <style> element (a style cannot run code). Frames: only the video players
# the course player embeds (learning.player: privacy-enhanced YouTube, Vimeo).
VIDEO_FRAME_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF],
        "frame-src": VIDEO_FRAME_ORIGINS,
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features: none, except what the embedded video players are allowed (their iframe's
# allow="encrypted-media; picture-in-picture; fullscreen").
_video_origins = " ".join(f'"{origin}"' for origin in VIDEO_FRAME_ORIGINS)
PERMISSIONS_POLICY = ", ".join(
    [
        *(f"{feature}=()" for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")),
        *(f"{feature}=(self {_video_origins})" for feature in ("fullscreen", "picture-in-picture", "encrypted-media")),
    ]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_client_errors": {"()": "lms.log_filters.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_client_errors"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts; not a line per successful log-in
        # Django's default logging gives "django" its own console handler under DEBUG, and the record then
        # reaches the root's as well: every 403 was printed twice. One handler, the root's.
        "django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO"), "propagate": True},
    },
}

# The AI tutor (tutoring/, docs/tutor.md). Provider, budgets and moderation live in system settings.
TUTOR_STREAM_MAX_SECONDS = env.float("TUTOR_STREAM_MAX_SECONDS", default=120.0)
TUTOR_STREAM_HEARTBEAT_SECONDS = env.float("TUTOR_STREAM_HEARTBEAT_SECONDS", default=15.0)
TUTOR_OFFLINE_CHUNK_DELAY = env.float("TUTOR_OFFLINE_CHUNK_DELAY", default=0.02)

