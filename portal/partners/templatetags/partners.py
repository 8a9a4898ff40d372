"""``{% load partners %}{% client_sharing client %}``: per partner, may this 利用者's data be shared today?"""

from django import template
from django.utils import timezone

from portal.core import wareki
from portal.partners.services import client_sharing_status

register = template.Library()


@register.inclusion_tag("partners/includes/client_sharing.html", takes_context=True)
def client_sharing(context, client):
    status = client_sharing_status(client=client)
    return {"client": client, "today": timezone.localdate(), **status}


@register.filter
def wareki_datetime(value):
    """An aware datetime in local time: 令和8年11月25日 14:05 (the same as ``renkei``'s filter)."""
    return wareki.wareki_datetime(value)


@register.filter
def local_wareki_date(value):
    """The Asia/Tokyo calendar date of an aware datetime, in 和暦."""
    return wareki.wareki_date(value)
