"""Renkei settings: one module, configured by environment variables.

Every setting that differs between a laptop and production is read here
through the small helpers below. Defaults are safe for production (DEBUG
off) except where a laptop quick-start needs an embedded default (SQLite,
a private Redis started by bin/start); those are named in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read a setting; ``NAME_FILE`` (a path) wins over ``NAME`` for secrets."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not envbool("RENKEI_ALLOW_INSECURE_KEY", False):
        raise RuntimeError("SECRET_KEY を環境変数で設定してください (or set DEBUG=1 for development).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")

VAR_DIR = Path(env("RENKEI_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
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
    "portal.core",
    "portal.masters",
    "portal.offices",
    "portal.partners",
    "portal.clients",
    "portal.schedules",  # right after clients: its dashboard card follows the 利用者 card
    "portal.careplans",
    "portal.prevention",
    "portal.billing",
    "portal.documents",
    "portal.claims",
    "portal.paperlinks",
    "portal.casework",
    "linkage.exchange",
    "portal.jobs",
    "portal.exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.offices.middleware.OfficeScopeMiddleware",
    "portal.core.uploads.UploadLimitMiddleware",
    "portal.core.middleware.InputSanitizingMiddleware",
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
                "portal.offices.context_processors.office",
                "portal.offices.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# PostgreSQL in tests and production; SQLite only as the laptop quick-start.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'renkei.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The laptop quick-start runs several processes on one SQLite file: wait for a write lock instead of
    # failing with "database is locked", and take it at the start of each transaction (WAL for readers).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# --- Cache, broker --------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Redis is the broker everywhere (bin/start runs a private redis-server when REDIS_URL is unset).
# The outbox and the job table live in the database, so a broker restart loses nothing.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth (django-allauth) ------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Renkei] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Failed logins are throttled mainly per account (key = the email typed), and per client address
# only loosely, so that people behind one proxy address cannot lock each other out. The client
# address is REMOTE_ADDR, or behind a proxy (BEHIND_PROXY=1) the address the trusted proxy reports.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", "20/5m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "portal.offices.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "portal.offices.adapters.user_display"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "portal.offices.mfa.MFAAdapter"  # TOTP secrets / recovery seeds encrypted with RENKEI_ENCRYPTION_KEYS
MFA_TOTP_ISSUER = "Renkei"

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Renkei <noreply@renkei.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Secrets at rest ------------------------------------------------------
# Fernet keys (urlsafe base64, 32 bytes) separated by commas: the first
# encrypts, all decrypt, so a key can be rotated by putting the new one first.
RENKEI_ENCRYPTION_KEYS = envlist("RENKEI_ENCRYPTION_KEYS")
if not RENKEI_ENCRYPTION_KEYS and DEBUG:
    RENKEI_ENCRYPTION_KEYS = ["cmVua2VpLWRldi1rZXktbmV2ZXItcHJvZHVjdGlvbiE="]

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # private files are served by views only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Upload limits (README "Security"): the proxy's body limit (e.g. nginx client_max_body_size 21m)
# should be a little above RENKEI_UPLOAD_MAX_BYTES so that the application's Japanese page answers.
RENKEI_UPLOAD_MAX_BYTES = envint("RENKEI_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)  # whole request, checked as it streams
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)  # larger files go to a temp file
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)  # the non-file part of a request
FILE_UPLOAD_HANDLERS = [
    "portal.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security -------------------------------------------------------------
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# The client address (login throttling): only taken from a header the trusted proxy sets. With
# TRUSTED_CLIENT_IP_HEADER (e.g. X-Real-IP) that header; otherwise the address TRUSTED_PROXY_COUNT
# hops from the right of X-Forwarded-For. Without BEHIND_PROXY both are ignored (REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1) if BEHIND_PROXY else 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = (env("TRUSTED_CLIENT_IP_HEADER") or None) if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.core.views.csrf_failure"

# --- Logging: never personal data; handlers write levels and ids only ------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Renkei ---------------------------------------------------------------
RENKEI_INVITATION_DAYS = envint("RENKEI_INVITATION_DAYS", 7)
RENKEI_HUB_URL = env("RENKEI_HUB_URL", "http://127.0.0.1:8100")

# --- Exchange (linkage.exchange) ------------------------------------------
# PEM bundle of the CA(s) the hub and the workers trust for office certificates.
# `manage.py make_test_ca` writes a test CA to VAR_DIR/test-ca/ca.pem (the DEBUG default).
RENKEI_TRUSTED_CA_FILE = env("RENKEI_TRUSTED_CA_FILE", str(VAR_DIR / "test-ca" / "ca.pem") if DEBUG else "")
# The operator's issuing CA: Renkei issues each verified office its signing certificate with it
# (its certificate is trusted like RENKEI_TRUSTED_CA_FILE). The key file is PEM, encrypted with the passphrase.
RENKEI_ISSUING_CA_CERT_FILE = env("RENKEI_ISSUING_CA_CERT_FILE", str(VAR_DIR / "test-ca" / "ca.pem") if DEBUG else "")
RENKEI_ISSUING_CA_KEY_FILE = env("RENKEI_ISSUING_CA_KEY_FILE", str(VAR_DIR / "test-ca" / "ca-key.pem") if DEBUG else "")
RENKEI_ISSUING_CA_KEY_PASSPHRASE = env("RENKEI_ISSUING_CA_KEY_PASSPHRASE", "renkei-demo-2026" if DEBUG else "")
RENKEI_ISSUED_CERTIFICATE_DAYS = envint("RENKEI_ISSUED_CERTIFICATE_DAYS", 397)
RENKEI_CERTIFICATE_RENEW_DAYS = envint("RENKEI_CERTIFICATE_RENEW_DAYS", 30)
RENKEI_HUB_TIMEOUT = envint("RENKEI_HUB_TIMEOUT", 30)

# --- Partners and consent (portal.partners) ---------------------------------
RENKEI_PARTNER_INVITATION_DAYS = envint("RENKEI_PARTNER_INVITATION_DAYS", 14)
# Partner invitations mailed to an address the inviter typed (the office is not on Renkei yet), per office per day.
RENKEI_PARTNER_EMAIL_INVITATIONS_PER_DAY = envint("RENKEI_PARTNER_EMAIL_INVITATIONS_PER_DAY", 10)
RENKEI_CLIENT_DRAFT_HOURS = envint("RENKEI_CLIENT_DRAFT_HOURS", 24)  # autosaved 利用者 form, encrypted
CELERY_BEAT_SCHEDULE["core-purge-expired"] = {"task": "core.purge_expired", "schedule": 3600}  # sessions, drafts
# 提供票 sent by link to partners on no system (portal.paperlinks): days a link stays valid,
# wrong access codes before it locks.
RENKEI_PAPER_LINK_DAYS = envint("RENKEI_PAPER_LINK_DAYS", 45)
RENKEI_PAPER_LINK_MAX_ATTEMPTS = envint("RENKEI_PAPER_LINK_MAX_ATTEMPTS", 5)
# 実績 of a month are asked of a link partner by this day of the next month (the care office checks them and
# files the 給付管理票 by the 10th); one reminder email goes this many days before it.
RENKEI_PAPER_LINK_ACTUAL_DAY = envint("RENKEI_PAPER_LINK_ACTUAL_DAY", 5)
RENKEI_PAPER_LINK_REMINDER_DAYS = envint("RENKEI_PAPER_LINK_REMINDER_DAYS", 3)
CELERY_BEAT_SCHEDULE["paperlinks-reminders"] = {"task": "paperlinks.send_reminders", "schedule": 3600}
RENKEI_CONSENT_MAX_BYTES = envint("RENKEI_CONSENT_MAX_BYTES", 5 * 1024 * 1024)
# 家族構成 image of the 利用者基本情報 (JPEG only; re-encoded on upload).
RENKEI_FAMILY_IMAGE_MAX_BYTES = envint("RENKEI_FAMILY_IMAGE_MAX_BYTES", 2 * 1024 * 1024)

# --- Billing (portal.billing): licence, qualified invoices, reminders -----
RENKEI_LICENCE_PRICE = envint("RENKEI_LICENCE_PRICE", 21000)  # yen per office per year, tax included
RENKEI_LICENCE_GRACE_DAYS = envint("RENKEI_LICENCE_GRACE_DAYS", 30)  # 猶予: days after the end before 失効
RENKEI_LICENCE_RENEWAL_NOTICE_DAYS = envint("RENKEI_LICENCE_RENEWAL_NOTICE_DAYS", 30)  # 更新待ち window
RENKEI_INVOICE_PAYMENT_DAYS = envint("RENKEI_INVOICE_PAYMENT_DAYS", 30)  # due date = issue date + days
# 適格請求書発行事業者: name and registration number (T + 13 digits) printed on every invoice.
# Invoices cannot be issued until both are set; a malformed number fails `manage.py check`.
RENKEI_INVOICE_ISSUER_NAME = env("RENKEI_INVOICE_ISSUER_NAME", "Renkei運営事務局（開発用）" if DEBUG else "")
RENKEI_INVOICE_REGISTRATION_NUMBER = env("RENKEI_INVOICE_REGISTRATION_NUMBER", "T1234567890123" if DEBUG else "")
RENKEI_INVOICE_ISSUER_ADDRESS = env("RENKEI_INVOICE_ISSUER_ADDRESS", "東京都千代田区霞が関1-2-2" if DEBUG else "")
RENKEI_INVOICE_ISSUER_CONTACT = env("RENKEI_INVOICE_ISSUER_CONTACT", "billing@renkei.example.jp" if DEBUG else "")
RENKEI_INVOICE_PAYMENT_INSTRUCTIONS = env(
    "RENKEI_INVOICE_PAYMENT_INSTRUCTIONS",
    "銀行振込（振込手数料はご負担ください）または国保連合会の介護給付費からの差引" if DEBUG else "",
)
RENKEI_INVOICE_NUMBER_PREFIX = env("RENKEI_INVOICE_NUMBER_PREFIX", "RK")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("portal.billing.context_processors.licence")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("portal.jobs.context_processors.background_health")
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}  # its progress lines are INFO
CELERY_BEAT_SCHEDULE["billing-reminders"] = {
    "task": "billing.queue_reminders",
    "schedule": 6 * 3600,  # every 6 hours; each reminder is sent once per event (ReminderSent)
}

# --- Exchange worker (linkage.exchange) -----------------------------------
RENKEI_SEND_RETRY_BASE = envint("RENKEI_SEND_RETRY_BASE", 5)  # seconds; doubles per attempt
RENKEI_SEND_RETRY_MAX = envint("RENKEI_SEND_RETRY_MAX", 600)
RENKEI_SEND_MAX_ATTEMPTS = envint("RENKEI_SEND_MAX_ATTEMPTS", 15)
RENKEI_SEND_CLAIM_TIMEOUT = envint("RENKEI_SEND_CLAIM_TIMEOUT", 300)  # 送信中 longer than this: worker died
RENKEI_SEND_QUEUED_DEADLINE = envint("RENKEI_SEND_QUEUED_DEADLINE", 120)  # 送信待ち longer than this: the page says so
RENKEI_SEND_QUEUED_GRACE = envint("RENKEI_SEND_QUEUED_GRACE", 30)  # 送信待ち longer than this: message lost, re-queue
# limits on a received package, checked before it is opened / while it is unzipped (linkage.signing.package)
RENKEI_PACKAGE_MAX_BYTES = envint("RENKEI_PACKAGE_MAX_BYTES", 8 * 1024 * 1024)
RENKEI_PACKAGE_MAX_UNPACKED_BYTES = envint("RENKEI_PACKAGE_MAX_UNPACKED_BYTES", 32 * 1024 * 1024)
RENKEI_PACKAGE_MAX_FILES = envint("RENKEI_PACKAGE_MAX_FILES", 64)
RENKEI_RECEIVED_NOTICE_MINUTES = envint(
    "RENKEI_RECEIVED_NOTICE_MINUTES", 60
)  # at most one 受信 mail per office per interval
CELERY_BEAT_SCHEDULE["exchange-poll-hub"] = {
    "task": "exchange.poll_hub",
    "schedule": envint("RENKEI_HUB_POLL_SECONDS", 60),
}
CELERY_BEAT_SCHEDULE["exchange-renew-certificates"] = {"task": "exchange.renew_certificates", "schedule": 6 * 3600}
# --- Background jobs and health (portal.jobs) ------------------------------
RENKEI_HEARTBEAT_SECONDS = envint("RENKEI_HEARTBEAT_SECONDS", 10)  # workers, beat and running jobs beat this often
RENKEI_WORKER_STALE_SECONDS = envint("RENKEI_WORKER_STALE_SECONDS", 60)  # no worker seen this long: banner
RENKEI_JOB_STALE_SECONDS = envint("RENKEI_JOB_STALE_SECONDS", 60)  # running job without heartbeat: worker died
RENKEI_JOB_QUEUED_GRACE = envint("RENKEI_JOB_QUEUED_GRACE", 30)  # queued this long: the sweep sends it again
RENKEI_JOB_RESEND_SECONDS = envint("RENKEI_JOB_RESEND_SECONDS", 300)  # ... but at most once per this interval
RENKEI_HEALTH_POLL_SECONDS = envint("RENKEI_HEALTH_POLL_SECONDS", 10)  # how often open pages re-check the banner
RENKEI_JOB_RETRY_BASE = envint("RENKEI_JOB_RETRY_BASE", 10)  # seconds; doubles per failed attempt
# Retention: the default of each office's 記録の保存期間 (Office.retention_years, 2–10, set by its admin
# at 事業所設定): month records are kept that many years after the service month, a 利用者's records
# after 利用終了, an office's after its 契約終了; the beat task offices.retention deletes what is past.
RENKEI_RETENTION_YEARS = envint("RENKEI_RETENTION_YEARS", 5)
CELERY_BEAT_SCHEDULE["offices-retention"] = {
    "task": "offices.retention",
    "schedule": envint("RENKEI_RETENTION_SECONDS", 6 * 3600),
}
RENKEI_BATCH_PDF_DAYS = envint("RENKEI_BATCH_PDF_DAYS", 30)  # batch PDFs are deleted this long after they were made
RENKEI_PDF_CACHE_DAYS = envint("RENKEI_PDF_CACHE_DAYS", 30)  # a stored single 提供票 PDF unused this long is deleted
RENKEI_PDF_CHUNK = envint("RENKEI_PDF_CHUNK", 10)  # sheets per HTML document in a batch
RENKEI_PDF_PROCESSES = envint("RENKEI_PDF_PROCESSES", 0) or None  # rendering processes per batch (default: CPUs, ≤ 4)
RENKEI_EXPORT_KEEP_DAYS = envint("RENKEI_EXPORT_KEEP_DAYS", 7)  # an export not downloaded is deleted after this
CELERY_BEAT_SCHEDULE["jobs-cleanup"] = {"task": "jobs.cleanup", "schedule": 6 * 3600}
CELERY_BEAT_SCHEDULE["jobs-sweep"] = {"task": "jobs.sweep", "schedule": envint("RENKEI_SWEEP_SECONDS", 60)}
CELERY_BEAT_SCHEDULE["exchange-sweep-outbox"] = {
    "task": "exchange.sweep_outbox",
    "schedule": envint("RENKEI_SWEEP_SECONDS", 60),
}

# サービス利用票 (第6表): the day grid posts about 45 fields per line (31 day cells + line fields);
# allow up to ~200 lines per month (Django's default of 1000 fields stops at ~22 lines).
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 10000)
