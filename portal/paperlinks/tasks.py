"""Celery tasks of the 提供票 sent by link: thin, keyed by primary keys, safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="paperlinks.send_reminder", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_reminder(link_id: int, on: str | None = None) -> bool:
    from portal.paperlinks.status import reminder_send

    return reminder_send(link_id, dt.date.fromisoformat(on) if on else None)


@shared_task(name="paperlinks.send_reminders")
def send_reminders() -> int:
    """Beat entry (CELERY_BEAT_SCHEDULE["paperlinks-reminders"]): one task per link whose reminder is due
    (each link's reminder is sent once: ``PaperLink.reminded_at``)."""
    from portal.paperlinks.status import reminders_due

    today = timezone.localdate().isoformat()
    due = reminders_due()
    for link_id in due:
        send_reminder.apply_async(args=(link_id, today))
    return len(due)
