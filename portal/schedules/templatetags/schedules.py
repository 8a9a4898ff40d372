"""The サービス利用票 months on the 利用者 page: a template tag, so that clients needs no import of schedules."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("schedules/_client_months.html")
def client_schedule_months(client):
    """The client's saved months (newest first, at most 24), linking to each 第6表."""
    from portal.schedules.selectors import client_schedules

    return {"schedules": client_schedules(client, limit=24)}
