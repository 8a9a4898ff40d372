"""Template helpers used on every page: 和暦, yen, single-submit form tokens."""

import uuid

from django import template
from django.utils.html import format_html

from portal.core import wareki

register = template.Library()


@register.filter
def wareki_date(value):
    return wareki.wareki_date(value)


@register.filter
def wareki_month(value):
    return wareki.wareki_month(value)


@register.filter
def wareki_datetime(value):
    """An aware datetime in Asia/Tokyo, 和暦: 令和8年12月14日 09:05."""
    return wareki.wareki_datetime(value)


@register.filter
def yen(value):
    if value is None or value == "":
        return ""
    return f"{int(value):,}円"


@register.simple_tag
def form_token():
    """A one-time token; see ``portal.core.forms.single_submit``."""
    return format_html('<input type="hidden" name="form_token" value="{}">', uuid.uuid4().hex)
