"""``{% load paperlinks %}{% paper_link_status month %}``: per paper partner, the state of the month's link
(送付済 / 閲覧済 / 実績回答済 / 期限切れ …) — on the outbox and on 月次の締め."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from portal.paperlinks.status import actual_deadline, month_states

register = template.Library()


@register.inclusion_tag("paperlinks/_status.html", takes_context=True)
def paper_link_status(context, month: dt.date | None = None):
    """The month given, or else this month and the last one (whose 実績 are due in the first days of this one)."""
    request = context.get("request")
    office = getattr(request, "office", None)
    if office is None or not office.is_care_management:
        return {"months": []}
    if month is None:
        this = timezone.localdate().replace(day=1)
        months = [(this - dt.timedelta(days=1)).replace(day=1), this]
    else:
        months = [month.replace(day=1)]
    shown = [{"month": m, "deadline": actual_deadline(m), "states": month_states(office, m)} for m in months]
    return {"months": [m for m in shown if m["states"]], "single": month is not None}


@register.simple_tag
def paper_link_months(partnership) -> str:
    """The months sent to ``partnership`` by link, in 和暦 (「令和8年10月、令和8年11月」), or ""."""
    from portal.core.wareki import wareki_month
    from portal.offices.tenancy import office_scope
    from portal.paperlinks.models import PaperLink

    with office_scope(partnership.office_id):
        months = sorted(
            set(
                PaperLink.objects.filter(office_id=partnership.office_id, partnership=partnership).values_list(
                    "month", flat=True
                )
            )
        )
    return "、".join(wareki_month(m) for m in months)
