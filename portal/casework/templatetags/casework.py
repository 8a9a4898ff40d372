"""The casework card on the 利用者 page: one template tag so clients/detail.html changes by one line."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("casework/_client_card.html", takes_context=True)
def casework_card(context, client):
    """Quick 支援経過 entry and the latest entries (care offices only; nothing for a provider office)."""
    from portal.casework.forms import SupportLogEntryForm
    from portal.casework.models import SupportLogEntry

    request = context.get("request")
    office = getattr(request, "office", None)
    if office is None or not office.is_care_management:
        return {"show": False}
    from django.utils import timezone

    from portal.casework import services
    from portal.casework.compliance import plan_warnings

    missing = services.monitoring_missing(today=timezone.localdate(), clients=[client])
    warnings = plan_warnings(today=timezone.localdate(), clients=[client])
    from portal.casework import drafts

    draft_state, draft_data = drafts.draft_state(office=office, author=request.user, client=client, kind="log")
    latest = list(
        SupportLogEntry.objects.filter(client=client)
        .select_related("written_by__user")
        .order_by("-occurred_on", "-occurred_time", "-pk")[:3]
    )
    return {
        "show": True,
        "client": client,
        "latest": latest,
        "request": request,
        "form": SupportLogEntryForm(prefix="log", initial=drafts.as_initial(draft_data, prefix="log")),
        "button": "支援経過に記録",
        "draft_state": draft_state,
        "draft_url": reverse("casework:log_draft", kwargs={"client_id": client.pk}),
        "next": reverse("clients:detail", kwargs={"client_id": client.pk}),
        "missing": missing[0] if missing else None,
        "rule": services.MONITORING_RULE,
        "warnings": warnings,
    }


@register.inclusion_tag("casework/_dashboard_card.html", takes_context=True)
def monitoring_warnings_card(context):
    """運営基準減算 warnings of the office (care offices only): who has no monitoring recorded."""
    from django.utils import timezone

    from portal.casework import services

    request = context.get("request")
    office = getattr(request, "office", None)
    if office is None or not office.is_care_management:
        return {"show": False}
    from portal.casework.compliance import plan_warnings

    today = timezone.localdate()
    missing = services.monitoring_missing(today=today)
    return {
        "plan_warnings": plan_warnings(today=today),
        "show": True,
        "this_month": services.month_start(today),
        "rule": services.MONITORING_RULE,
        "this_month_missing": [m for m in missing if m.this_month_missing],
        "past_only": [m for m in missing if not m.this_month_missing],
    }


@register.inclusion_tag("casework/_plan_basis.html", takes_context=True)
def plan_basis(context, plan):
    """On the plan pages: the アセスメント the plan version rests on (linked, or the latest done before it)."""
    from portal.casework.assessments import plan_basis as basis_of

    request = context.get("request")
    office = getattr(request, "office", None)
    if office is None or not office.is_care_management or plan is None:
        return {"show": False}
    assessment, linked = basis_of(plan)
    return {"show": True, "plan": plan, "assessment": assessment, "linked": linked}


@register.simple_tag(takes_context=True)
def casework_phrases(context):
    """The office's 定型文 for the 支援経過 form (empty outside a care office)."""
    from portal.casework.models import PhraseTemplate

    request = context.get("request")
    if getattr(request, "office", None) is None:
        return []
    return list(PhraseTemplate.objects.all())
