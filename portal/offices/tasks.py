"""Celery tasks of the offices app: thin — they call the service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="offices.retention")
def retention() -> dict:
    """Beat (every 6 h): per office, delete what is past its 記録の保存期間 (portal.offices.retention)."""
    from portal.offices.retention import retention_purge_all

    return retention_purge_all()
