from django import template

register = template.Library()


@register.filter
def yen_mark(value):
    """21000 → "¥21,000"; -21000 → "−¥21,000" (as printed on invoices)."""
    if value is None or value == "":
        return ""
    value = int(value)
    return f"−¥{-value:,}" if value < 0 else f"¥{value:,}"


@register.filter
def signed_yen(value):
    """-21000 → "−21,000円"."""
    if value is None or value == "":
        return ""
    value = int(value)
    return f"−{-value:,}円" if value < 0 else f"{value:,}円"
