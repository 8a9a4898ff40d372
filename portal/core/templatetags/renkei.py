"""Template helpers used on every page: 和暦, yen, single-submit form tokens."""

import uuid

from django import template
from django.utils.html import format_html

from portal.core import wareki

register = template.Library()


@register.filter
def wareki_date(value):
    """和暦 of a date, or of an aware datetime's day in Asia/Tokyo (not its UTC day)."""
    import datetime as dt

    from django.utils import timezone

    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
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


@register.filter
def duration_ja(value):
    """A timedelta as 「3分」「2時間5分」「45秒」 (for waiting times)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds}秒"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}分"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}時間{minutes}分" if minutes else f"{hours}時間"
    return f"{hours // 24}日"


@register.filter
def service_kind(code):
    """The サービス種類 name of a service code (its first two digits): 「111211」 → 「訪問介護」."""
    from portal.core.codes import service_kind_name

    code = str(code or "")[:2]
    return service_kind_name(code) if code else ""
