"""Services of the care manager's own records (issue 18)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from portal.casework.models import SupportLogEntry


# --------------------------------------------------------------------------- 第5表 居宅介護支援経過


@transaction.atomic
def support_log_create(*, office, client, author, data: dict) -> SupportLogEntry:
    """Add one entry (``data``: cleaned fields of ``SupportLogEntryForm``) to ``client``'s log."""
    return SupportLogEntry.objects.create(office=office, client=client, written_by=author, **data)


@transaction.atomic
def support_log_update(*, entry: SupportLogEntry, data: dict) -> SupportLogEntry:
    for name, value in data.items():
        setattr(entry, name, value)
    entry.save()
    return entry


def support_log_filter(*, client, date_from: dt.date | None = None, date_to: dt.date | None = None,
                       kind: str = "", q: str = ""):
    """The entries of ``client`` in the period, of ``kind``, containing ``q`` (content or 相手)."""
    entries = SupportLogEntry.objects.filter(client=client).select_related("written_by__user")
    if date_from:
        entries = entries.filter(occurred_on__gte=date_from)
    if date_to:
        entries = entries.filter(occurred_on__lte=date_to)
    if kind:
        entries = entries.filter(kind=kind)
    for word in q.split():
        entries = entries.filter(Q(content__icontains=word) | Q(counterpart__icontains=word))
    return entries.order_by("occurred_on", "occurred_time", "pk")


def support_log_pdf(*, client, entries, author_name: str, created_on: dt.date, period: tuple) -> bytes:
    """第5表 居宅介護支援経過 as a PDF (A4 landscape, the 標準様式 of 老企第29号)."""
    from portal.documents.render import render_pdf

    return render_pdf("casework/support_log_pdf.html", {
        "client": client, "entries": list(entries), "author_name": author_name, "created_on": created_on,
        "period": period,
    })
