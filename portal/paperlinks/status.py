"""Status of the 提供票 sent by link, per paper partner and month (issue 19 item 5), and the reminder.

States, in the order a link goes through them: 送付済 → 閲覧済 → 実績回答済 (every 利用者 of the link
answered), or 期限切れ / ロック中 / 取消. A link whose 利用者 are partly answered shows 一部回答済.

The 実績 of a month are needed by the first days of the next month (the care office checks them and
files the 給付管理票 by the 10th): ``RENKEI_PAPER_LINK_ACTUAL_DAY`` (default the 5th) is the day asked
of the partner; ``RENKEI_PAPER_LINK_REMINDER_DAYS`` (default 3) days before it, one reminder email goes
to the partner's address (once per link; names the offices, the month and the day only).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.core.wareki import wareki_date, wareki_month
from portal.offices.tenancy import office_scope, scopes_disabled
from portal.paperlinks.models import PaperLink, PaperLinkAnswer
from portal.partners.models import AuditAction
from portal.partners.services import audit_record

logger = logging.getLogger(__name__)

SENT, OPENED, ANSWERED, PARTLY, EXPIRED, LOCKED, REVOKED, MOVED = (
    "送付済",
    "閲覧済",
    "実績回答済",
    "一部回答済",
    "期限切れ",
    "ロック中",
    "取消",
    "Renkei で送付",
)


def actual_deadline(month: dt.date) -> dt.date:
    """The day the 実績 of ``month`` are asked for: day N of the next month."""
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following.replace(day=min(max(int(settings.RENKEI_PAPER_LINK_ACTUAL_DAY), 1), 28))


def reminder_day(month: dt.date) -> dt.date:
    return actual_deadline(month) - dt.timedelta(days=int(settings.RENKEI_PAPER_LINK_REMINDER_DAYS))


@dataclass
class LinkState:
    link: PaperLink
    label: str
    answered: int  # 利用者 answered
    total: int  # 利用者 the link shows today

    @property
    def is_answered(self) -> bool:
        return self.label == ANSWERED

    @property
    def detail(self) -> str:
        if self.total and self.label in (ANSWERED, PARTLY):
            return f"{self.answered}/{self.total}人"
        return ""


def _answered_clients(links: list[PaperLink]) -> dict[tuple[int, str, dt.date], set[int]]:
    """(office, partner, month) → 利用者 with an answer through any link of that partner and month."""
    answered: dict[tuple[int, str, dt.date], set[int]] = {}
    if not links:
        return answered
    for office_id, number, month, client_id in PaperLinkAnswer.objects.filter(
        link__in=[link.pk for link in links]
    ).values_list("link__office_id", "link__partner_office_number", "link__month", "client_id"):
        answered.setdefault((office_id, number, month), set()).add(client_id)
    return answered


def link_states(links: list[PaperLink]) -> list[LinkState]:
    """The state of each link (inside the office scope of the links)."""
    from portal.paperlinks.services import hub_sent, paper_link_schedules

    answered = _answered_clients(links)
    states = []
    for link in links:
        done = answered.get((link.office_id, link.partner_office_number, link.month), set())
        clients = {s.client_id for s in paper_link_schedules(link)} if not link.revoked_at else set()
        total, count = len(clients | done), len(done)
        if link.revoked_at:
            label = REVOKED
        elif total and count >= total:
            label = ANSWERED
        elif hub_sent(link):
            label = MOVED
        elif link.is_locked:
            label = LOCKED
        elif link.is_expired:
            label = EXPIRED
        elif count:
            label = PARTLY
        elif link.first_opened_at:
            label = OPENED
        else:
            label = SENT
        states.append(LinkState(link=link, label=label, answered=count, total=total))
    return states


def month_states(office, month: dt.date) -> list[LinkState]:
    """Per paper partner, the state of its latest link for ``month`` (the one the partner works from)."""
    latest: dict[int, PaperLink] = {}
    with office_scope(office):
        for link in (
            PaperLink.objects.filter(office=office, month=month)
            .select_related("partnership", "office")
            .order_by("created_at", "pk")
        ):
            kept = latest.get(link.partnership_id)
            if kept is None or not link.revoked_at or kept.revoked_at:
                latest[link.partnership_id] = link
        return sorted(link_states(list(latest.values())), key=lambda s: s.link.partnership.display_name)


def client_states(office, month: dt.date) -> dict[tuple[int, str], str]:
    """(利用者, partner's 事業所番号) → how the 実績 stand through a link: 「リンクで回答」 when the
    partner answered for this 利用者, else the state of the link (送付済, 閲覧済, 期限切れ …)."""
    from portal.paperlinks.services import paper_link_schedules

    result: dict[tuple[int, str], str] = {}
    with office_scope(office):
        states = month_states(office, month)
        answered = _answered_clients([s.link for s in states])
        for state in states:
            link = state.link
            done = answered.get((link.office_id, link.partner_office_number, link.month), set())
            label = state.label if state.label not in (ANSWERED, PARTLY) else OPENED
            for schedule in [] if link.revoked_at else paper_link_schedules(link):
                result[(schedule.client_id, link.partner_office_number)] = label
            for client_id in done:
                result[(client_id, link.partner_office_number)] = "リンクで回答"
    return result


# --------------------------------------------------------------------------- the reminder


def reminders_due(today: dt.date | None = None) -> list[int]:
    """Ids of the links whose partner gets the reminder now (any office; the caller scopes each)."""
    today = today or timezone.localdate()
    now = timezone.now()
    candidates = []
    with scopes_disabled():
        links = (
            PaperLink.objects.filter(
                reminded_at__isnull=True,
                revoked_at__isnull=True,
                locked_at__isnull=True,
                expires_at__gt=now,
                partnership__ended_at__isnull=True,
                partnership__is_external=True,
            )
            .exclude(emailed_to="")
            .filter(~Q(month__gt=today))
            .values_list("pk", "month", "created_at")
        )
        for pk, month, created_at in links:
            if reminder_day(month) <= today <= actual_deadline(month) and timezone.localdate(created_at) < today:
                candidates.append(pk)
    return candidates


def reminder_send(link_id: int, today: dt.date | None = None) -> bool:
    """Email the reminder of one link, once: only while some 利用者 is unanswered and no newer link
    for the same partner and month replaced it. True when it was sent."""
    today = today or timezone.localdate()
    with scopes_disabled():
        link = PaperLink.objects.select_related("office", "partnership").filter(pk=link_id).first()
    if link is None or link.reminded_at is not None:
        return False
    with office_scope(link.office_id):
        newer = PaperLink.objects.filter(
            office_id=link.office_id,
            partnership_id=link.partnership_id,
            month=link.month,
            revoked_at__isnull=True,
            created_at__gt=link.created_at,
        )
        if newer.exists():
            return False
        state = link_states([link])[0]
        if state.label not in (SENT, OPENED, PARTLY):
            return False
        deadline = actual_deadline(link.month)
        with transaction.atomic():
            claimed = PaperLink.objects.filter(pk=link.pk, reminded_at__isnull=True).update(reminded_at=timezone.now())
            if not claimed:
                return False  # another worker sent it
            audit_record(
                office=link.office_id,
                actor=None,
                action=AuditAction.PAPER_LINK_REMINDED,
                partner_office_number=link.partner_office_number,
                detail={"paper_link_id": link.pk, "month": f"{link.month:%Y-%m}", "deadline": deadline.isoformat()},
            )
            body = render_to_string(
                "paperlinks/email/reminder.txt",
                {
                    "care_office": link.office,
                    "partnership": link.partnership,
                    "month_label": wareki_month(link.month),
                    "deadline_label": wareki_date(deadline),
                    "sent_label": wareki_date(timezone.localdate(link.created_at)),
                },
            )
            subject = f"[Renkei] {wareki_month(link.month)}分の実績のご回答のお願い（{link.office.name}）"
            recipient = link.emailed_to
            transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
    logger.info("paper link reminder sent office=%s link=%s", link.office_id, link.pk)
    return True
