"""第1表 (居宅サービス計画書(1)): the form page, saved with its lock version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from portal.careplans import services
from portal.careplans.forms import Table1Form
from portal.careplans.views.common import _can_edit, _load_plan, _plan_context, care_required
from portal.core.forms import apply_validation_error, single_submit


@care_required
@single_submit
def plan_table1(request, plan_id):
    plan = _load_plan(plan_id)
    if not plan.is_draft or not _can_edit(request):
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    conflict = None
    if request.method == "POST":
        form = Table1Form(request.POST, office=request.office)
        if form.is_valid():
            try:
                services.plan_update_table1(
                    plan=plan,
                    lock_version=form.cleaned_data["lock_version"],
                    by=request.membership,
                    author=form.cleaned_data["author"],
                    **form.table1_data(),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except services.PlanConflict as exc:
                conflict = _table1_conflict(form, exc)
            except services.PlanNotEditable as exc:
                messages.error(request, exc.message)
                return redirect("careplans:plan_detail", plan_id=plan.pk)
            else:
                messages.success(request, "第1表を保存しました（下書き）。")
                if request.POST.get("next") == "table2":
                    return redirect("careplans:plan_table2", plan_id=plan.pk)
                return redirect("careplans:plan_table1", plan_id=plan.pk)
    else:
        form = Table1Form(office=request.office, plan=plan)
    context = _plan_context(request, plan, "table1")
    context.update({"form": form, "conflict": conflict})
    return render(request, "careplans/table1.html", context, status=409 if conflict else 200)


def _table1_conflict(form, exc: services.PlanConflict) -> dict:
    """Keep the user's input, say who saved, list fields that now differ, allow a deliberate overwrite."""
    fresh = exc.plan
    fresh_form = Table1Form(office=fresh.client.office, plan=fresh)
    differing = []
    for name, field in form.fields.items():
        if name == "lock_version":
            continue
        mine = form.cleaned_data.get(name)
        theirs = fresh_form.initial.get(name)
        if name == "author":
            mine = mine.pk if mine else None
        if (mine or None) != (theirs or None):
            differing.append(field.label)
    data = form.data.copy()
    data["lock_version"] = str(fresh.lock_version)
    form.data = data  # a deliberate second save overwrites (the user has been told)
    return {"message": exc.summary, "differing": differing, "plan": fresh}
