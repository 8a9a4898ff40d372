"""Optimistic lock for the care manager's records (as ``careplans.services._claim`` does for plans).

The edit page carries the record's ``lock_version``; a save bumps it only if it is still the same. When another
staff member saved in between, nothing is written and the page shows who changed it, keeping the user's input.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone


class RecordConflict(Exception):
    """Another member saved the record after this page was loaded; nothing was written."""

    def __init__(self, fresh, label: str):
        self.fresh = fresh
        who = getattr(fresh, "updated_by_name", "") or "他の職員"
        when = timezone.localtime(fresh.updated_at).strftime("%H:%M")
        self.message = (
            f"{who}さんが{when}にこの{label}を更新しました。あなたの変更はまだ保存していません（上書きを防ぐため）。"
            "入力した内容はこの画面に残っています。最新の内容を確かめてから、もう一度「保存する」を押すと、あなたの内容で保存します。"
        )
        super().__init__(self.message)


def claim(instance, lock_version, by, *, label: str) -> None:
    """Bump ``instance.lock_version`` if the page's version is current; else raise :class:`RecordConflict`.
    Call inside ``transaction.atomic``; afterwards the caller saves the record (which keeps the new version)."""
    try:
        expected = int(lock_version)
    except (TypeError, ValueError):
        expected = -1
    model = type(instance)
    name = by.name if by is not None else ""
    now = timezone.now()
    updated = model.objects.filter(pk=instance.pk, lock_version=expected).update(
        lock_version=F("lock_version") + 1, updated_at=now, updated_by_name=name
    )
    if not updated:
        raise RecordConflict(model.objects.get(pk=instance.pk), label)
    instance.lock_version = expected + 1
    instance.updated_by_name = name
