"""Delete acknowledged packages from the hub's storage after the retention period (run daily from cron).

    DJANGO_SETTINGS_MODULE=config.hub_settings python manage.py hub_purge [--days N] [--unacknowledged-days N]

A package nobody ever acknowledged is deleted ``HUB_UNACKNOWLEDGED_DAYS`` (365) after it was
submitted, so no copy on the hub outlives the portal's shortest 記録の保存期間 (2 years).

The index row stays (routing data only) with ``deleted_at`` set, so the sender's status shows
when the package left the hub; fetching it answers 410.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from linkage.hub.models import HubPackage


def packages_purge(*, days: int, unacknowledged_days: int | None = None, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    count = 0
    due = HubPackage.objects.filter(acknowledged_at__isnull=False, acknowledged_at__lte=cutoff, deleted_at__isnull=True)
    if unacknowledged_days is not None:
        never = now - dt.timedelta(days=unacknowledged_days)
        due = due | HubPackage.objects.filter(
            acknowledged_at__isnull=True, submitted_at__lte=never, deleted_at__isnull=True
        )
    for pk, name in due.values_list("pk", "storage_name").iterator():
        if name and default_storage.exists(name):
            default_storage.delete(name)
        count += HubPackage.objects.filter(pk=pk, deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    return count


class Command(BaseCommand):
    help = "受信確認から保存期間（HUB_RETENTION_DAYS、既定30日）を過ぎたパッケージを連携基盤から削除します。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="保存日数（省略時は HUB_RETENTION_DAYS）")
        parser.add_argument(
            "--unacknowledged-days",
            type=int,
            default=None,
            help="受信確認のないパッケージの保存日数（省略時は HUB_UNACKNOWLEDGED_DAYS）",
        )

    def handle(self, *args, days=None, unacknowledged_days=None, **options):
        days = settings.HUB_RETENTION_DAYS if days is None else days
        if unacknowledged_days is None:
            unacknowledged_days = getattr(settings, "HUB_UNACKNOWLEDGED_DAYS", 365)
        count = packages_purge(days=max(0, days), unacknowledged_days=max(0, unacknowledged_days))
        self.stdout.write(
            f"{count}件のパッケージを削除しました（受信確認から{days}日、"
            f"受信確認のないものは送信から{unacknowledged_days}日経過）。"
        )
