"""Settings of the hub process (linkage.hub): its own database and storage, nothing of the portal's.

Environment:
    HUB_DATABASE_URL        the hub's index database (PostgreSQL in production;
                            default SQLite under RENKEI_VAR_DIR for a laptop)
    HUB_STORAGE_DIR         folder for package files with the default local-disk storage
    HUB_STORAGE_BACKEND     a Django storage class, e.g. storages.backends.s3.S3Storage
                            (S3-compatible object storage; needs the django-storages[s3] package)
    HUB_STORAGE_OPTIONS     JSON options for that class, e.g.
                            {"bucket_name": "renkei-hub", "endpoint_url": "https://s3.example", "region_name": "jp"}
                            (credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
    RENKEI_TRUSTED_CA_FILE  PEM bundle of the CA that issues office certificates
    RENKEI_ISSUING_CA_CERT_FILE  the operator's issuing CA certificate (also trusted)
    HUB_ALLOWED_HOSTS       host names the hub answers to (comma separated)
    HUB_SECRET_KEY          Django's SECRET_KEY for the hub (it keeps no sessions)
    HUB_MAX_PACKAGE_BYTES   largest package accepted (default 8 MB); larger requests are refused unread
    HUB_RETENTION_DAYS      days a package is kept after the recipient acknowledged it (default 30);
                            ``manage.py hub_purge`` (run daily from cron) deletes it then
    HUB_UNACKNOWLEDGED_DAYS days a package nobody acknowledged is kept after it was submitted (365)
    HUB_CERTIFICATE_OVERLAP_HOURS  how long an office's previous certificate keeps working after a
                            new one is registered (default 24)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = env("DEBUG", "").lower() in {"1", "true", "yes", "on"}
VAR_DIR = Path(env("RENKEI_VAR_DIR", str(BASE_DIR / "var")))
SECRET_KEY = env("HUB_SECRET_KEY") or env("SECRET_KEY") or "renkei-hub-keeps-no-sessions-or-signed-cookies"
ALLOWED_HOSTS = [h.strip() for h in env("HUB_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]

INSTALLED_APPS = ["linkage.hub"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "config.hub_urls"
WSGI_APPLICATION = "config.hub_wsgi.application"
APPEND_SLASH = False

DATABASES = {
    "default": dj_database_url.parse(
        env("HUB_DATABASE_URL", f"sqlite:///{VAR_DIR / 'hub.sqlite3'}"), conn_max_age=60, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The laptop quick-start runs several processes on one SQLite file: wait for a write lock instead of
    # failing with "database is locked", and take it at the start of each transaction (WAL for readers).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

HUB_STORAGE_DIR = Path(env("HUB_STORAGE_DIR", str(VAR_DIR / "hub-storage")))
STORAGES = {
    "default": {
        "BACKEND": env("HUB_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env("HUB_STORAGE_OPTIONS", "") or "null") or {"location": str(HUB_STORAGE_DIR)},
    },
}

RENKEI_TRUSTED_CA_FILE = env("RENKEI_TRUSTED_CA_FILE", str(VAR_DIR / "test-ca" / "ca.pem") if DEBUG else "")
# The operator's issuing CA (certificate only): trusted like RENKEI_TRUSTED_CA_FILE.
RENKEI_ISSUING_CA_CERT_FILE = env("RENKEI_ISSUING_CA_CERT_FILE", "")

HUB_MAX_PACKAGE_BYTES = int(env("HUB_MAX_PACKAGE_BYTES", str(8 * 1024 * 1024)))
HUB_RETENTION_DAYS = int(env("HUB_RETENTION_DAYS", "30"))
HUB_UNACKNOWLEDGED_DAYS = int(env("HUB_UNACKNOWLEDGED_DAYS", "365"))
HUB_CERTIFICATE_OVERLAP_HOURS = float(env("HUB_CERTIFICATE_OVERLAP_HOURS", "24"))
DATA_UPLOAD_MAX_MEMORY_SIZE = HUB_MAX_PACKAGE_BYTES + 64 * 1024
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
LANGUAGE_CODE = "ja"
USE_I18N = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env("BEHIND_PROXY", "") else None
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
