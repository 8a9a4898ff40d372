"""The Celery application. Tasks are queued after commit (see portal.core.tasks)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("renkei")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- heartbeats: the banner, the operator dashboard and /healthz read them (portal.jobs) ---
from celery.signals import beat_init, worker_ready, worker_shutdown  # noqa: E402


@worker_ready.connect
def _worker_heartbeat(sender=None, **kwargs):
    from portal.jobs.services import start_process_heartbeat

    start_process_heartbeat("worker")


@worker_shutdown.connect
def _worker_stopped(sender=None, **kwargs):
    from portal.jobs.services import process_stopped

    try:
        process_stopped(role="worker")
    except Exception:  # noqa: BLE001 — the database may already be gone
        pass


@beat_init.connect
def _beat_heartbeat(sender=None, **kwargs):
    from portal.jobs.services import start_process_heartbeat

    start_process_heartbeat("beat")
