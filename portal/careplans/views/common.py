"""What the care-plan pages share: roles, loading a plan, the version header of the plan pages and the
lock-version trigger of the in-place editors."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from portal.careplans.models import CarePlan
from portal.offices.models import Role
from portal.offices.permissions import care_office_required

EDIT_ROLES = (Role.CARE_MANAGER,)
care_required = care_office_required
editor_required = care_office_required(roles=EDIT_ROLES)
EXPIRY_DAYS = 60


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _load_plan(plan_id) -> CarePlan:
    return get_object_or_404(CarePlan.objects.select_related("client", "client__office"), pk=plan_id)


def _can_edit(request) -> bool:
    m = request.membership
    return m is not None and (m.is_admin or m.role in EDIT_ROLES)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(msg for msgs in error.message_dict.values() for msg in msgs)
    return " ".join(error.messages)


def _plan_context(request, plan: CarePlan, tab: str) -> dict:
    versions = list(
        CarePlan.objects.filter(client_id=plan.client_id)
        .order_by("plan_date", "pk")
        .only("pk", "plan_date", "status", "client_id")
    )
    version_no = next((i for i, v in enumerate(versions, 1) if v.pk == plan.pk), None)
    return {
        "plan": plan,
        "client": plan.client,
        "tab": tab,
        "versions": versions,
        "version_no": version_no,
        "newer": next((v for v in versions if v.plan_date > plan.plan_date), None),
        "editable": plan.is_draft and _can_edit(request),
        "can_edit": _can_edit(request),
    }


def _lock_trigger(response, plan: CarePlan):
    response["HX-Trigger"] = json.dumps({"planLock": {"value": plan.lock_version}})
    return response
