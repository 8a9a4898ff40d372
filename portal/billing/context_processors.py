"""``licence_notice`` on every page: the banner an office in 猶予 or 失効 sees (templates/billing/includes/licence_banner.html)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

BANNER_STATES = ("grace", "lapsed")


def _notice(request):
    office = getattr(request, "office", None)
    if office is None:
        return None
    from portal.billing.licensing import licence_status

    status = licence_status(office)
    return status if status.state in BANNER_STATES else None


def licence(request):
    """Lazy: the status is computed (one query) only when a template asks for it."""
    return {"licence_notice": SimpleLazyObject(lambda: _notice(request))}
