"""Queue Celery tasks only after the surrounding transaction commits."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs):
    """``task.delay(*args, **kwargs)`` once the current transaction has committed.

    A broker that is down does not fail the request: the row the task works on is already
    committed (outbox package, job) and the sweep (beat) sends its message when the broker is back."""

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception as exc:  # noqa: BLE001 — kombu raises several kinds when Redis is away
            logger.warning(
                "task %s not queued: broker unavailable (%s); the sweep will queue it", task.name, type(exc).__name__
            )

    transaction.on_commit(send)


from celery import shared_task  # noqa: E402


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """A trivial task used to prove a real worker is wired in (see tests/test_celery.py)."""
    from django.core.cache import cache

    cache.set(f"renkei:ping:{value}", "pong", timeout=300)
    return value


@shared_task(name="core.purge_expired")
def purge_expired() -> None:
    """Delete expired sessions (``clearsessions``), expired 利用者 registration drafts and expired 支援経過・
    モニタリング drafts."""
    from django.core.management import call_command
    from django.utils import timezone

    from portal.casework.models import CaseworkDraft
    from portal.clients.models import ClientDraft
    from portal.offices.tenancy import scopes_disabled

    call_command("clearsessions")
    with scopes_disabled():
        ClientDraft.objects.filter(expires_at__lte=timezone.now()).delete()
        CaseworkDraft.objects.filter(expires_at__lte=timezone.now()).delete()
