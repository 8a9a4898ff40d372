"""The packages that name one 利用者, as events of the care manager's timeline (portal.casework asks for them
through the port ``casework.package_events``; the portal does not import the exchange)."""

from __future__ import annotations

from django.db import connection

from linkage.exchange.models import Package, ReceivedPackage, UnitKind
from portal.core.wareki import wareki_month


def _naming(queryset, client):
    """The packages whose ``client_ids`` name ``client`` (a JSON containment on PostgreSQL; the SQLite
    quick-start has no such lookup, so there the list is filtered here)."""
    if connection.vendor == "postgresql":
        return list(queryset.filter(client_ids__contains=[client.pk]))
    return [p for p in queryset if client.pk in (p.client_ids or [])]


def package_events(*, client, kinds=("send", "receipt")) -> list[dict]:
    """``[{"kind", "at", "title", "detail", "source"}]``: packages sent (``send``) and received (``receipt``) that
    name ``client``, one query per kind. ``source`` names the event for the 支援経過 ("" when not sent yet)."""
    events = []
    if "send" in kinds:
        sent = Package.objects.only(
            "pk",
            "unit_kind",
            "month",
            "recipient_name",
            "recipient_office_number",
            "status",
            "created_at",
            "sent_at",
            "client_ids",
        ).order_by("created_at")
        for p in _naming(sent, client):
            what = {UnitKind.SCHEDULE: "サービス提供票"}.get(p.unit_kind, p.get_unit_kind_display())
            month = f"{wareki_month(p.month)}分の" if p.month else ""
            events.append(
                {
                    "kind": "send",
                    "at": p.sent_at or p.created_at,
                    "title": f"{month}{what}を{p.recipient_name or p.recipient_office_number}へ送信",
                    "detail": p.get_status_display(),
                    "source": f"package_sent:{p.pk}" if p.sent_at else "",
                }
            )
    if "receipt" in kinds:
        received = ReceivedPackage.objects.only(
            "pk", "unit_kind", "month", "sender_name", "sender_office_number", "status", "received_at", "client_ids"
        ).order_by("received_at")
        for r in _naming(received, client):
            what = {UnitKind.ACTUAL: "サービス提供実績"}.get(r.unit_kind, r.get_unit_kind_display() or "ファイル")
            month = f"{wareki_month(r.month)}分の" if r.month else ""
            events.append(
                {
                    "kind": "receipt",
                    "at": r.received_at,
                    "title": f"{month}{what}を{r.sender_name or r.sender_office_number}から受信",
                    "detail": r.get_status_display(),
                    "source": f"package_received:{r.pk}",
                }
            )
    return events
