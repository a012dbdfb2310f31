"""Settings for the tipline, driven by environment variables.

Every deployment difference is an environment variable with a safe default for the
embedded mode (SQLite under var/, Celery eager, local-memory cache). The table of
variables is in README.md, "Configuration".
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_raw(name: str) -> str | None:
    """Return the raw value of NAME, or the contents of the file named by NAME_FILE; None if neither is set.

    The file's trailing newline is stripped. Setting both is refused: which one wins would be a guess.
    """
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if file_name is None:
        return value
    if value is not None:
        raise ImproperlyConfigured(f"{name} and {name}_FILE are both set: set only one of them.")
    try:
        return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names {file_name!r}, which cannot be read: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names {file_name!r}, which is not UTF-8 text.") from exc


def envbool(name: str, default: bool) -> bool:
    """Return a variable read as a yes/no flag; anything but true/false, 1/0, yes/no, on/off is refused."""
    value = _env_raw(name)
    if value is None or not value.strip():
        return default
    words = dict.fromkeys(("true", "1", "yes", "on"), True) | dict.fromkeys(("false", "0", "no", "off"), False)
    try:
        return words[value.strip().lower()]
    except KeyError:
        raise ImproperlyConfigured(
            f"{name} must be one of true/false, 1/0, yes/no, on/off (any case), or empty for the default; "
            f"it is {value!r}."
        ) from None


def envint(name: str, default: int) -> int:
    """Return a variable read as a whole number; the empty string means the default."""
    value = _env_raw(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; it is {value!r}.") from None


def envstr(name: str, default: str) -> str:
    """Return a variable as it is written, or the default when it is not set."""
    value = _env_raw(name)
    return default if value is None else value


def envjson(name: str, default: dict[str, Any]) -> dict[str, Any]:
    """Return an environment variable (or NAME_FILE) read as a JSON object; refuse anything else."""
    value = envstr(name, "")
    if not value.strip():
        return default
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        # The value itself is not repeated: it may hold credentials.
        raise ImproperlyConfigured(f"{name} is not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return parsed


def var_secret(name: str, nbytes: int = 32) -> str:
    """Return a secret from the environment (NAME or NAME_FILE); with DEBUG on, one generated once into var/.

    With DEBUG off a missing secret stops start-up: one generated into var/ would be lost
    with a container's var/, and with the receipt pepper every tracking code. Production
    sets the variable and keeps the value outside the database and its backups.
    """
    value = envstr(name, "")
    if value:
        return value
    path = VAR_DIR / "secrets" / name.lower()
    if not DEBUG:
        earlier = (
            f" One was generated here earlier, in {path}: set {name}_FILE={path} to keep using it."
            if path.exists()
            else ""
        )
        raise ImproperlyConfigured(
            f"{name} is empty or not set, and with DEBUG off it is required. Set {name}, or {name}_FILE to "
            "the path of a file holding it; make one with: "
            f'python -c "import secrets; print(secrets.token_urlsafe(50))".{earlier}'
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


VAR_DIR = Path(envstr("TIPLINE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = var_secret("SECRET_KEY", 50)
ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "envelope",
    "org",
    "audit",
    "tipline",
    "accounts",
    "cases",
    "approvals",
    "trends",
    "linking",
    "investigation",
    "evidence",
    "outcomes",
    "protection",
    "identity",
    "retention",
    "demo",
]

MIDDLEWARE = [
    # First, so nothing after it can read or log who the client is.
    "tipline.middleware.StripClientIdentityMiddleware",
    # Next: whatever happens below, uploaded files that no attachment row took are deleted.
    "tipline.middleware.DiscardUnkeptUploadsMiddleware",
    # Times staff requests for /metrics (config/metrics.py); public requests are never counted.
    "config.metrics.StaffRequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Right after the security headers: static files (hashed names, pre-compressed) are answered here,
    # by every node itself, before sessions, CSRF or anything per visitor runs for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tipline.middleware.ExplicitLanguageChoiceMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tipline.middleware.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages middleware: it tells the logged-out user why.
    "accounts.security.StaffIdleTimeoutMiddleware",
    # After the idle timeout: a session that just ended links nothing.
    "linking.middleware.AutomaticLinkingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tipline.middleware.PublicNoStoreMiddleware",
    "tipline.middleware.OnionLocationMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tipline.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock at BEGIN, so concurrent writers (the audit chain) queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "tipline"),
        }
    }
else:
    # One process: room for every live form token and throttle counter of a busy day.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100_000}}
    }

# Celery: eager (inline) in the embedded default, a Redis broker when REDIS_URL is set.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
# One Redis may serve several deployments (or a test's own worker): each consumes its own queue.
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat is single: `celery -A config beat -S redbeat.RedBeatScheduler` keeps the schedule and a lock in
# Redis; any other beat started against the same Redis and prefix waits for the lock (logging nothing until it
# takes it) and takes over when the holder stops, or when the lock expires after a crash. The lock is renewed
# on every beat loop (at most CELERY_BEAT_MAX_LOOP_INTERVAL seconds), and lasts five loops.
CELERY_BEAT_MAX_LOOP_INTERVAL = envint("CELERY_BEAT_MAX_LOOP_INTERVAL", 5)
CELERY_REDBEAT_REDIS_URL = REDIS_URL
# One Redis may serve several deployments: each needs its own schedule and lock.
CELERY_REDBEAT_KEY_PREFIX = envstr("CELERY_REDBEAT_KEY_PREFIX", "tipline:redbeat")
CELERY_REDBEAT_LOCK_TIMEOUT = 5 * CELERY_BEAT_MAX_LOOP_INTERVAL
# Times are Lima's (CELERY_TIMEZONE, below). The beat is single (above); the tasks are idempotent per day
# as well, so a task sent again after a failover does not mail twice.
CELERY_BEAT_SCHEDULE = {
    "every-morning-send-unit-digests": {
        "task": "cases.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "every-morning-remind-assignees-of-deadlines": {
        "task": "cases.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # The roll-ups are kept current after every change; the rebuild repairs any refresh that was lost.
    "every-night-rebuild-trend-rollups": {
        "task": "trends.rebuild_rollups",
        "schedule": crontab(hour=2, minute=30),
    },
    # A worker killed mid-upload leaves a ciphertext file that no attachment row names.
    "every-night-delete-orphan-attachment-files": {
        "task": "tipline.sweep_orphan_attachments",
        "schedule": crontab(hour=3, minute=15),
    },
    # A case's closure schedules its check-ins with the whistleblower; this catches any closure that did not.
    "every-night-schedule-protection-check-ins-after-closure": {
        "task": "protection.schedule_closure_check_ins",
        "schedule": crontab(hour=3, minute=45),
    },
    # Retention (retention/, docs/backup.md): closed cases past their unit's schedule lose keys, content and files.
    "every-night-delete-cases-past-their-retention": {
        "task": "retention.erase_due_cases",
        "schedule": crontab(hour=3, minute=0),
    },
    # Session rows expire on the hour (config/session_store.py); an expired one says no more than its hour.
    "every-hour-delete-expired-sessions": {
        "task": "tipline.delete_expired_sessions",
        "schedule": crontab(minute=5),
    },
}

# Trends: counts below this are shown as "<5", the others rounded down to a multiple of it (docs/patterns.md).
TRENDS_SUPPRESSION_THRESHOLD = envint("TRENDS_SUPPRESSION_THRESHOLD", 5)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Common Spanish and Peruvian passwords, which Django's (English-heavy) list misses.
    {"NAME": "accounts.password_validation.SpanishCommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:queue"

# Staff logins: TOTP second factor (django-otp), throttling per user name, idle timeout.
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Tipline")
# The per-status counts above the queue may be this old (a count scans the unit's cases).
QUEUE_COUNTS_CACHE_SECONDS = envint("QUEUE_COUNTS_CACHE_SECONDS", 60)
STAFF_IDLE_TIMEOUT_SECONDS = envint("STAFF_IDLE_TIMEOUT_SECONDS", 15 * 60)
STAFF_LOGIN_MAX_FAILURES = envint("STAFF_LOGIN_MAX_FAILURES", 5)
STAFF_LOGIN_FAILURE_WINDOW_SECONDS = envint("STAFF_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
STAFF_LOGIN_LOCKOUT_SECONDS = envint("STAFF_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# All login attempts together, whatever the user name (each costs a 64-100 MiB Argon2 run); 0 turns it off.
TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE = envint("TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE", 60)

# Sessions hold only ciphertext (see tipline/vault.py); the key is in a separate cookie.
# Expiry dates rounded up to the hour, so a row does not date a whistleblower's visit (config/session_store.py).
SESSION_ENGINE = "config.session_store"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
# A session cookie, gone when the browser closes: Django's default (a year, with its expiry date) would
# date the visitor's first visit to the report form on their device (DESIGN.md section 8).
CSRF_COOKIE_AGE = None
SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS", "").split(",") if o]


def envonion(name: str) -> str:
    """Return a v3 onion address ("56 base32 characters.onion", lower case) from NAME or NAME_FILE, or "".

    The file is what tor writes (HiddenServiceDir/hostname). The last base32 character of a v3 address
    always encodes the version byte 3 as "d"; anything else (a v2 address, a typo) is refused.
    """
    value = envstr(name, "").strip().lower()
    if value and not re.fullmatch(r"[a-z2-7]{55}d\.onion", value):
        raise ImproperlyConfigured(
            f"{name} must be a v3 onion address, 56 base32 characters and .onion (tor writes it to "
            f"HiddenServiceDir/hostname); it is {value!r}."
        )
    return value


# The onion service (deploy/tor/): its address is accepted as a host and, as Tor Browser sends it
# (plain http: the circuit is encrypted end to end), as an origin; clear-web pages point to it
# (tipline.middleware.OnionLocationMiddleware) and the landing page shows it.
TIPLINE_ONION_ADDRESS = envonion("TIPLINE_ONION_ADDRESS")
if TIPLINE_ONION_ADDRESS:
    ALLOWED_HOSTS.append(TIPLINE_ONION_ADDRESS)
    CSRF_TRUSTED_ORIGINS.append(f"http://{TIPLINE_ONION_ADDRESS}")
# Over HTTPS every cookie carries the __Host- prefix: browsers then insist on Secure, Path=/ and no
# Domain, so no other host (a sibling subdomain) can set or overwrite it. The demo over plain http
# (`make run`, DEBUG) keeps plain names, because a __Host- cookie must be Secure.
COOKIE_NAME_PREFIX = "__Host-" if SECURE_COOKIES else ""
SESSION_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}sessionid"
CSRF_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}csrftoken"
LANGUAGE_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}django_language"
VAULT_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}tipline_vault"
# Flash messages: Django's default storage with its cookie renamed to carry the prefix (config/message_storage.py).
MESSAGE_STORAGE = "config.message_storage.HostCookieFallbackStorage"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# One year unless set, in production; off for the plain-http demo (DEBUG), where it would pin
# 127.0.0.1 to HTTPS in the browser.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
# Sent only when SECURE_HSTS_SECONDS is set. Preload marks the header as fit for the browsers'
# preload lists; the site is on them only once its operator submits the domain.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", False) else None
# `check --deploy` looks for Django's CSRF middleware by its dotted name; ours is a subclass of it
# (tipline.middleware.NoReferrerCsrfViewMiddleware), which tests/test_deploy_settings.py asserts.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# Strict CSP: everything from this origin, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws form controls with inline SVG data URIs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
TIME_ZONE = "America/Lima"
CELERY_TIMEZONE = TIME_ZONE  # beat reads its crontabs in Lima time
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what `manage.py collectstatic` wrote to STATIC_ROOT: hashed names (cached for a
# year, immutable) with gzip copies beside them, answered by WhiteNoise on every node (README, "Static
# files"). The demo (DEBUG) serves the files under static/ by their plain names, as they change.
_static_storage = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
# Nothing of ours is loaded from another origin, so no `Access-Control-Allow-Origin: *` on static files.
WHITENOISE_ALLOW_ALL_ORIGINS = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads: every file goes through the encrypting handler; nothing is spooled in clear.
FILE_UPLOAD_HANDLERS = ["tipline.uploads.EncryptingUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
TIPLINE_MAX_ATTACHMENTS = envint("TIPLINE_MAX_ATTACHMENTS", 5)
TIPLINE_MAX_ATTACHMENT_BYTES = envint("TIPLINE_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
# The whole body of one request, files included, refused unread above this (400 page). The default is
# what a full report needs: every file at its limit, the fields, and room for the multipart framing.
TIPLINE_MAX_REQUEST_BYTES = envint(
    "TIPLINE_MAX_REQUEST_BYTES",
    TIPLINE_MAX_ATTACHMENTS * TIPLINE_MAX_ATTACHMENT_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024,
)
# Parts beyond these counts end the request with the 400 page; a few files over the form's limit
# still reach the form, which names the limit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = envint("DATA_UPLOAD_MAX_NUMBER_FILES", 4 * TIPLINE_MAX_ATTACHMENTS)

# ClamAV's clamd scans every attachment as it streams in (tipline/scanning.py): a unix socket, or a host and
# port. The default is the socket of the project's own clamd (`make clamd`, tipline/clamd_local.py). A file
# that cannot be scanned (clamd down, slower than the timeout, or neither set) is kept, marked "not scanned".
TIPLINE_CLAMD_SOCKET = envstr("TIPLINE_CLAMD_SOCKET", str(VAR_DIR / "clamd" / "clamd.sock"))
TIPLINE_CLAMD_HOST = envstr("TIPLINE_CLAMD_HOST", "")
TIPLINE_CLAMD_PORT = envint("TIPLINE_CLAMD_PORT", 3310)
TIPLINE_CLAMD_TIMEOUT_SECONDS = envint("TIPLINE_CLAMD_TIMEOUT_SECONDS", 30)

# The attachment store (ciphertext only) is the STORAGES alias "attachments"; tipline/storage.py is its
# interface. By default local files under TIPLINE_ATTACHMENT_DIR, owner-only; another Django storage
# is a dotted path in TIPLINE_ATTACHMENT_STORAGE, with its options as a JSON object in
# TIPLINE_ATTACHMENT_STORAGE_OPTIONS (or _FILE, for credentials). "default" and "staticfiles" are Django's.
# TIPLINE_S3_BUCKET puts it in an S3-compatible bucket instead (tipline/storage_s3.py: private, streamed in
# multipart uploads); TIPLINE_ATTACHMENT_STORAGE_OPTIONS may add to its options. Credentials are
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE); empty leaves them to boto3 (an instance role).
TIPLINE_ATTACHMENT_DIR = Path(envstr("TIPLINE_ATTACHMENT_DIR", str(VAR_DIR / "attachments")))
TIPLINE_S3_BUCKET = envstr("TIPLINE_S3_BUCKET", "")
_local_attachment_storage = "tipline.storage.AttachmentFileSystemStorage"
_attachment_backend = envstr("TIPLINE_ATTACHMENT_STORAGE", _local_attachment_storage)
_attachment_options = envjson("TIPLINE_ATTACHMENT_STORAGE_OPTIONS", {})
if TIPLINE_S3_BUCKET:
    if _attachment_backend != _local_attachment_storage:
        raise ImproperlyConfigured(
            "TIPLINE_S3_BUCKET and TIPLINE_ATTACHMENT_STORAGE are both set: set only one of them."
        )
    _attachment_backend = "tipline.storage_s3.AttachmentS3Storage"
    _s3_encryption = envstr("TIPLINE_S3_SERVER_SIDE_ENCRYPTION", "")
    if _s3_encryption not in ("", "AES256", "aws:kms"):
        raise ImproperlyConfigured(
            f"TIPLINE_S3_SERVER_SIDE_ENCRYPTION must be empty, AES256 or aws:kms; it is {_s3_encryption!r}."
        )
    _attachment_options = {
        "bucket_name": TIPLINE_S3_BUCKET,
        "endpoint_url": envstr("TIPLINE_S3_ENDPOINT_URL", "") or None,
        "region_name": envstr("TIPLINE_S3_REGION", "") or None,
        "access_key": envstr("AWS_ACCESS_KEY_ID", "") or None,
        "secret_key": envstr("AWS_SECRET_ACCESS_KEY", "") or None,
        "object_parameters": {"ServerSideEncryption": _s3_encryption} if _s3_encryption else {},
        **_attachment_options,
    }
elif _attachment_backend == _local_attachment_storage:
    _attachment_options = {"location": str(TIPLINE_ATTACHMENT_DIR), **_attachment_options}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _static_storage},
    "attachments": {"BACKEND": _attachment_backend, "OPTIONS": _attachment_options},
}

# The envelope. The pepper never goes into the database; the escrow private key
# never goes onto the server in production (only its public half does).
TIPLINE_RECEIPT_PEPPER = var_secret("TIPLINE_RECEIPT_PEPPER")
TIPLINE_RECEIPT_SALT = envstr("TIPLINE_RECEIPT_SALT", "tipline-receipt-v1")
TIPLINE_ESCROW_PUBLIC_KEY_FILE = Path(envstr("TIPLINE_ESCROW_PUBLIC_KEY_FILE", str(VAR_DIR / "escrow" / "escrow.pub")))
TIPLINE_ARGON2_MAX_CONCURRENT = envint("TIPLINE_ARGON2_MAX_CONCURRENT", 2)
TIPLINE_ARGON2_MEMORY_KIB = envint("TIPLINE_ARGON2_MEMORY_KIB", 64 * 1024)
TIPLINE_ARGON2_ITERATIONS = envint("TIPLINE_ARGON2_ITERATIONS", 3)
# Automatic linking (linking.middleware): a staff request links waiting tips for at most this many
# milliseconds (it finishes the tip it is on), besides at most linking.automatic.TIPS_PER_REQUEST of them.
# 0: no time bound, the count alone (the test suite, whose machines are slower or faster).
TIPLINE_LINKING_REQUEST_BUDGET_MS = envint("TIPLINE_LINKING_REQUEST_BUDGET_MS", 200)
TIPLINE_DEMO_PASSWORD = "demo-password-only-for-debug"
# The demo staff's published TOTP secret (base32 JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP), stored
# hex-encoded as django-otp does; refused, like the demo password, whenever DEBUG is off.
TIPLINE_DEMO_TOTP_KEY = "48656c6c6f21deadbeef48656c6c6f21deadbeef"

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Only for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the worker test uses it).
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", "") or None
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "tipline@localhost")

# Prometheus metrics at /metrics (config/metrics.py) for a scraper sending "Authorization: Bearer <token>";
# without a token the URL answers 404. gunicorn's workers share PROMETHEUS_MULTIPROC_DIR (docs/operations.md).
TIPLINE_METRICS_TOKEN = envstr("TIPLINE_METRICS_TOKEN", "")

# Logging: no request objects, no client addresses, no error mails (which would
# carry request headers). django.server and django.request log the path and status
# only; StripClientIdentityMiddleware removes addresses before any of them run.
LOG_FORMAT = envstr("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json; it is {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_public_responses": {"()": "tipline.logging.DropPublicResponseFilter"},
        "no_request_meta": {"()": "tipline.logging.DropRequestFilter"},
    },
    # LOG_FORMAT=json: one JSON object a line with the same three fields, for a log collector.
    "formatters": {
        "plain": {"format": "{levelname} {name} {message}", "style": "{"},
        "json": {"()": "tipline.logging.JsonLineFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["no_public_responses", "no_request_meta"],
        },
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The worker's line for each task it receives and finishes (with its run time) would date the
        # tip that queued it; failures (WARNING and up) are still logged. config/celery.py applies this
        # configuration to the worker, and no line carries a time of its own (the format has none).
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # gunicorn's error log through the same handler, once a worker has loaded Django (its arbiter's own
        # lines too, when gunicorn.conf.py sets logconfig_dict = settings.LOGGING: docs/operations.md).
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # qpdf's warnings about an uploaded PDF (tipline/metadata.py) may quote pieces of the plaintext.
        "pikepdf": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
ADMINS: list[tuple[str, str]] = []

# Abuse resistance (tipline/abuse.py). Nothing here identifies a client: tokens carry a random
# nonce and a time, the buckets are global or keyed by a tip, never by an address.
# A report sent sooner than this after its form was issued is refused as too quick (text kept).
TIPLINE_FORM_MIN_FILL_SECONDS = envint("TIPLINE_FORM_MIN_FILL_SECONDS", 5)
# Form tokens older than this are refused as expired (text kept, a fresh token issued).
TIPLINE_FORM_TOKEN_MAX_AGE_SECONDS = envint("TIPLINE_FORM_TOKEN_MAX_AGE_SECONDS", 24 * 60 * 60)
# The global token bucket for new tips: the rate it refills at and how many it holds. Nothing
# waits for it: a report that finds it empty is answered at once with a 503, the text kept,
# "send again in N seconds" and Retry-After (N = the time until the next token).
TIPLINE_NEW_TIPS_PER_MINUTE = envint("TIPLINE_NEW_TIPS_PER_MINUTE", 30)
TIPLINE_NEW_TIPS_BURST = envint("TIPLINE_NEW_TIPS_BURST", 60)
# Opening a report with a tracking code: a global pace that is only a meter (attempts over it
# are counted for operators, never made to wait nor refused for it), and a per-report limit
# (keyed by the derived lookup id) that refuses. A code that is not 16 digits counts against neither.
TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = envint("TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE", 120)
TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = envint("TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR", 20)
# How long the receipt page is shown again on a reload of /report/ in the same browser (the code
# kept only encrypted, under a key the browser holds); after it, a page says the report arrived.
TIPLINE_RECEIPT_AGAIN_SECONDS = envint("TIPLINE_RECEIPT_AGAIN_SECONDS", 15 * 60)
# Per report: whistleblower replies a day, and files in total (counted in the database).
TIPLINE_REPLIES_PER_TIP_PER_DAY = envint("TIPLINE_REPLIES_PER_TIP_PER_DAY", 20)
TIPLINE_ATTACHMENTS_PER_TIP = envint("TIPLINE_ATTACHMENTS_PER_TIP", 50)
# Tips one hotline operator may enter by phone in an hour (staff are identified: a per-account limit).
TIPLINE_PHONE_TIPS_PER_HOUR = envint("TIPLINE_PHONE_TIPS_PER_HOUR", 30)
# Optional proof of work for browsers with JavaScript (leading zero bits of a SHA-256); 0 disables it.
TIPLINE_POW_DIFFICULTY_BITS = envint("TIPLINE_POW_DIFFICULTY_BITS", 18)
# The part (percent) of the new-tip budget set aside for reports that solved it; the rest is the
# common lane. The two together never exceed TIPLINE_NEW_TIPS_BURST + TIPLINE_NEW_TIPS_PER_MINUTE/min.
TIPLINE_POW_LANE_PERCENT = envint("TIPLINE_POW_LANE_PERCENT", 50)
