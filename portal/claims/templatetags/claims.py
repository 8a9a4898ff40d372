from django import template

register = template.Library()


@register.filter
def care_level_label(code: str) -> str:
    from portal.clients.models import CareLevel

    try:
        return CareLevel(code).label
    except ValueError:
        return code


@register.filter
def service_kind_label(code: str) -> str:
    from portal.core.codes import service_kind_name

    return service_kind_name(code)


@register.filter
def units(value) -> str:
    """12345 → 12,345"""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"
