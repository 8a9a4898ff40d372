"""The 「バックグラウンド処理が止まっています」 banner on office pages that depend on a worker."""

from __future__ import annotations

# Pages whose work is done by the worker (PDF batches, sending and receiving, exports).
WORKER_PAGES = ("/documents/", "/exchange/", "/offices/export/")


def background_health(request):
    path = request.path
    if not getattr(request, "office", None) or not path.startswith(WORKER_PAGES):
        return {}
    from django.conf import settings

    from portal.jobs.services import background_stopped

    return {
        "background_watch": True,
        "background_stopped": background_stopped(),
        "health_poll_seconds": settings.RENKEI_HEALTH_POLL_SECONDS,
    }
