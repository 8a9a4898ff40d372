"""Receiving (worker): fetch the inbox, notify, acknowledge imports; the office sync; the billing hook."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from linkage.exchange.hubclient import HubClient, HubError
from linkage.exchange.models import Channel, HubSync, InboxStatus, Package, ReceivedPackage
from linkage.exchange.services.delivery import hub_client_for, sent_status_sync

# --------------------------------------------------------------------------- receiving (worker)


def inbox_receive(*, office, client: HubClient | None = None) -> list[int]:
    """Fetch every package waiting on the hub, keep it (verified or not), acknowledge receipt."""
    from linkage.exchange.importer import received_package_store

    client = client or hub_client_for(office)
    stored = []
    while True:
        entries = client.inbox(limit=100)
        if not entries:
            break
        for entry in entries:
            data = client.fetch(entry["package_id"])
            record = received_package_store(office=office, data=data, package_id=entry["package_id"])
            client.ack(entry["package_id"], "received")
            ReceivedPackage.objects.filter(pk=record.pk, hub_acknowledged="").update(hub_acknowledged="received")
            stored.append(record.pk)
        if len(entries) < 100:
            break
    if stored:
        HubSync.objects.get_or_create(office=office)
        HubSync.objects.filter(office=office).update(notice_pending=F("notice_pending") + len(stored))
    return stored


def received_notice_send(*, office, now: dt.datetime | None = None) -> int:
    """Mail the office about packages received since the last notice — one aggregated mail at most
    every RENKEI_RECEIVED_NOTICE_MINUTES (a flood of packages is not a flood of mail). The pending
    count is claimed with a conditional UPDATE; the mail goes out after commit. Returns the count mailed."""
    now = now or timezone.now()
    interval = dt.timedelta(minutes=getattr(settings, "RENKEI_RECEIVED_NOTICE_MINUTES", 60))
    row = (
        HubSync.objects.filter(office=office, notice_pending__gt=0)
        .values_list("notice_pending", "notice_sent_at")
        .first()
    )
    if row is None or (row[1] is not None and row[1] > now - interval):
        return 0
    count, last = row
    claimed = HubSync.objects.filter(office=office, notice_pending=count, notice_sent_at=last).update(
        notice_pending=0, notice_sent_at=now
    )
    if not claimed:
        return 0
    transaction.on_commit(lambda: _notify_received(office, count))
    return count


def _notify_received(office, count: int) -> None:
    from django.core.mail import send_mail
    from django.urls import reverse

    emails = [m.user.email for m in office.memberships.select_related("user") if m.user.email]
    if not emails:
        return
    link = settings.SITE_URL + reverse("exchange:inbox")
    send_mail(
        f"[Renkei] データ連携で{count}件受信しました",
        f"{office.name} 宛てにデータ連携で{count}件のパッケージが届きました。\n受信箱で内容を確認してください。\n{link}\n",
        None,
        emails,
    )


def imports_acknowledge(*, office, client: HubClient | None = None) -> int:
    """Tell the hub the outcome (取込済 / 取込エラー) of every hub package not yet reported."""
    pending = list(
        ReceivedPackage.objects.filter(
            office=office,
            channel=Channel.HUB,
            status__in=[InboxStatus.IMPORTED, InboxStatus.REJECTED],
        )
        .exclude(hub_acknowledged__in=["imported", "rejected"])
        .values_list("pk", "package_id", "status", "error")[:500]
    )
    if not pending:
        return 0
    client = client or hub_client_for(office)
    for pk, package_id, status, error in pending:
        ack = "imported" if status == InboxStatus.IMPORTED else "rejected"
        try:
            client.ack(str(package_id), ack, error[:2000])
        except HubError as exc:
            if exc.status == 404:
                ReceivedPackage.objects.filter(pk=pk).update(hub_acknowledged=ack)
                continue
            raise
        ReceivedPackage.objects.filter(pk=pk).update(hub_acknowledged=ack)
    return len(pending)


def office_sync(*, office) -> dict:
    """One round for one office: receive, import in ファイル連番 order, report, sync sent statuses."""
    from linkage.exchange.importer import imports_run
    from portal.offices.services import assert_not_suspended

    assert_not_suspended(office)  # 利用停止: nothing is received (the hub keeps it until 再開)
    if not office.is_verified:
        return {"skipped": "unverified"}
    client = hub_client_for(office)
    received = inbox_receive(office=office, client=client)
    imported = imports_run(office=office)
    acked = imports_acknowledge(office=office, client=client)
    changed = sent_status_sync(office=office, client=client)
    noticed = received_notice_send(office=office)
    return {
        "received": len(received),
        "imported": imported,
        "acknowledged": acked,
        "status_changed": changed,
        "noticed": noticed,
    }


# --------------------------------------------------------------------------- billing hook


def office_used_exchange(office, month: dt.date) -> bool:
    """Did ``office`` send or receive anything through the exchange in ``month`` (any day)?"""
    from portal.offices.tenancy import office_scope

    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    with office_scope(office):
        return (
            Package.objects.filter(office=office, created_at__gte=lo, created_at__lt=hi).exists()
            or ReceivedPackage.objects.filter(office=office, received_at__gte=lo, received_at__lt=hi).exists()
        )


def new_upload_id() -> str:
    return str(uuid.uuid4())
