"""Small display helpers for the PDF templates (numbers as on the paper forms)."""

from django import template

register = template.Library()


@register.filter
def num(value):
    """``16765`` → ``16,765``; blank for ``None``/``""`` (an empty cell on the form)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def price(value):
    """単位数単価 with two decimals (``11.4`` → ``11.40``)."""
    if value is None or value == "":
        return ""
    return f"{float(value):.2f}"
