"""Queue Celery tasks only after the surrounding transaction commits."""

from django.db import transaction


def enqueue(task, *args, **kwargs):
    """``task.delay(*args, **kwargs)`` once the current transaction has committed."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


from celery import shared_task  # noqa: E402


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """A trivial task used to prove a real worker is wired in (see tests/test_celery.py)."""
    from django.core.cache import cache

    cache.set(f"renkei:ping:{value}", "pong", timeout=300)
    return value


@shared_task(name="core.purge_expired")
def purge_expired() -> None:
    """Delete expired sessions (``clearsessions``) and expired 利用者 registration drafts."""
    from django.core.management import call_command
    from django.utils import timezone

    from portal.clients.models import ClientDraft
    from portal.offices.tenancy import scopes_disabled

    call_command("clearsessions")
    with scopes_disabled():
        ClientDraft.objects.filter(expires_at__lte=timezone.now()).delete()
