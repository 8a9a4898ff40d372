"""第3表 (週間サービス計画表): the weekly grid, daily activities and the services not on a weekly rhythm."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.careplans import selectors, services
from portal.careplans.forms import DailyForm, NonWeeklyForm, WeeklyAddForm, WeeklyEditForm
from portal.careplans.models import CarePlan, DailyActivity, ServiceItem, WeeklyActivity
from portal.careplans.views.common import (
    _can_edit,
    _is_htmx,
    _load_plan,
    _lock_trigger,
    _plan_context,
    care_required,
    editor_required,
)
from portal.core.forms import apply_validation_error, single_submit


@care_required
def plan_table3(request, plan_id):
    plan = _load_plan(plan_id)
    if not plan.is_draft or not _can_edit(request):
        return redirect(reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk}) + "#table3")
    context = _plan_context(request, plan, "table3")
    context.update(_table3_context(plan, edit=request.GET.get("edit", "")))
    return render(request, "careplans/table3.html", context)


def _table3_context(
    plan: CarePlan, *, add_form=None, daily_form=None, edit_forms=None, non_weekly_form=None, edit: str = ""
) -> dict:
    activities = list(plan.weekly_activities.all())
    daily = list(plan.daily_activities.all())
    days, life = selectors.weekly_grid(plan, activities, daily)
    providers = {}
    for item in ServiceItem.objects.filter(short_goal__goal__need__plan=plan).exclude(provider_office_number=""):
        providers.setdefault(item.provider_office_number, item.provider_name)
    for s in plan.client.services.all():
        providers.setdefault(s.provider_office_number, s.provider_name)
    edit_forms = edit_forms or {}
    rows = []
    for a in activities:
        form = edit_forms.get(("w", a.pk)) or WeeklyEditForm(
            initial={
                "weekday": a.weekday,
                "start_time": a.start_time,
                "end_time": a.end_time,
                "content": a.content,
                "service_type_code": a.service_type_code,
                "service_item_code": a.service_item_code,
                "provider_office_number": a.provider_office_number,
                "lock_version": plan.lock_version,
            },
            prefix=f"w{a.pk}",
        )
        rows.append((a, form, bool(form.errors) or edit == f"w{a.pk}"))
    daily_rows = []
    for a in daily:
        form = edit_forms.get(("d", a.pk)) or DailyForm(
            initial={
                "start_time": a.start_time,
                "end_time": a.end_time,
                "content": a.content,
                "lock_version": plan.lock_version,
            },
            prefix=f"d{a.pk}",
        )
        daily_rows.append((a, form, bool(form.errors) or edit == f"d{a.pk}"))
    return {
        "plan": plan,
        "days": days,
        "life": life,
        "hours": selectors.hour_marks(),
        "bands": selectors.band_marks(),
        "weekly_rows": rows,
        "daily_rows": daily_rows,
        "providers": providers,
        "add_form": add_form or WeeklyAddForm(initial={"lock_version": plan.lock_version}),
        "daily_form": daily_form or DailyForm(initial={"lock_version": plan.lock_version}),
        "non_weekly_form": non_weekly_form
        or NonWeeklyForm(initial={"non_weekly_services": plan.non_weekly_services, "lock_version": plan.lock_version}),
    }


# --------------------------------------------------------------------------- 第3表


def _table3_response(request, plan: CarePlan, *, status=200, **forms):
    context = _plan_context(request, plan, "table3")
    context.update(_table3_context(plan, **forms))
    if _is_htmx(request):
        return _lock_trigger(
            HttpResponse(render_to_string("careplans/_table3_area.html", context, request=request), status=status), plan
        )
    return render(request, "careplans/table3.html", context, status=status)


def _table3_done(request, plan: CarePlan, message: str):
    if _is_htmx(request):
        return _table3_response(request, plan)
    messages.success(request, message)
    return redirect("careplans:plan_table3", plan_id=plan.pk)


def _table3_invalid(request, plan: CarePlan, **forms):
    """Show the 第3表 again with the form's errors next to its fields."""
    return _table3_response(request, plan, status=200 if _is_htmx(request) else 422, **forms)


def _table3_call(request, plan, form, call, message, **forms):
    """Run a 第3表 write; errors go next to the fields and the input stays on screen.

    ``forms`` says where ``form`` is shown again (``add_form=``, ``daily_form=`` or ``edit_forms=``).
    """
    try:
        call()
    except ValidationError as error:
        apply_validation_error(form, error)
    except services.PlanConflict as exc:
        form.add_error(None, exc.message + " あなたの入力はこのフォームに残っています。")
        plan.refresh_from_db()
        _refresh_lock(form, plan)
    except services.PlanNotEditable as exc:
        messages.error(request, exc.message)
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    else:
        return _table3_done(request, plan, message)
    return _table3_invalid(request, plan, **forms)


def _table3_delete(request, plan, call, message):
    try:
        call(lock_version=request.POST.get("lock_version"), by=request.membership)
    except (services.PlanConflict, services.PlanNotEditable) as exc:
        messages.error(request, exc.message)
        return redirect("careplans:plan_table3", plan_id=plan.pk)
    return _table3_done(request, plan, message)


def _refresh_lock(form, plan):
    data = form.data.copy()
    data[form.add_prefix("lock_version")] = str(plan.lock_version)
    form.data = data


@editor_required
@require_POST
@single_submit
def weekly_add(request, plan_id):
    plan = _load_plan(plan_id)
    form = WeeklyAddForm(request.POST)
    if not form.is_valid():
        return _table3_invalid(request, plan, add_form=form)
    c = form.cleaned_data
    values = services.WeeklyValues(
        c["start_time"],
        c["end_time"],
        c["content"],
        c["service_type_code"],
        c["service_item_code"],
        c["provider_office_number"],
    )
    return _table3_call(
        request,
        plan,
        form,
        lambda: services.weekly_activity_add(
            plan=plan, lock_version=c["lock_version"], by=request.membership, weekdays=c["weekdays"], values=values
        ),
        "週間サービスを追加しました。",
        add_form=form,
    )


def _load_activity(activity_id) -> WeeklyActivity:
    return get_object_or_404(WeeklyActivity.objects.select_related("plan__client__office"), pk=activity_id)


@editor_required
@require_POST
def weekly_save(request, activity_id):
    activity = _load_activity(activity_id)
    plan = activity.plan
    form = WeeklyEditForm(request.POST, prefix=f"w{activity.pk}")
    shown = {"edit_forms": {("w", activity.pk): form}}
    if not form.is_valid():
        return _table3_invalid(request, plan, **shown)
    c = form.cleaned_data
    values = services.WeeklyValues(
        c["start_time"],
        c["end_time"],
        c["content"],
        c["service_type_code"],
        c["service_item_code"],
        c["provider_office_number"],
    )
    return _table3_call(
        request,
        plan,
        form,
        lambda: services.weekly_activity_update(
            activity=activity,
            lock_version=c["lock_version"],
            by=request.membership,
            weekday=c["weekday"],
            values=values,
        ),
        "週間サービスを保存しました。",
        **shown,
    )


@editor_required
@require_POST
def weekly_delete(request, activity_id):
    activity = _load_activity(activity_id)
    return _table3_delete(
        request,
        activity.plan,
        lambda **kw: services.weekly_activity_delete(activity=activity, **kw),
        "週間サービスを削除しました。",
    )


@editor_required
@require_POST
@single_submit
def daily_add(request, plan_id):
    plan = _load_plan(plan_id)
    form = DailyForm(request.POST)
    if not form.is_valid():
        return _table3_invalid(request, plan, daily_form=form)
    c = form.cleaned_data
    return _table3_call(
        request,
        plan,
        form,
        lambda: services.daily_activity_add(
            plan=plan,
            lock_version=c["lock_version"],
            by=request.membership,
            start_time=c["start_time"],
            end_time=c["end_time"],
            content=c["content"],
        ),
        "主な日常生活上の活動を追加しました。",
        daily_form=form,
    )


def _load_daily(daily_id) -> DailyActivity:
    return get_object_or_404(DailyActivity.objects.select_related("plan__client__office"), pk=daily_id)


@editor_required
@require_POST
def daily_save(request, daily_id):
    activity = _load_daily(daily_id)
    plan = activity.plan
    form = DailyForm(request.POST, prefix=f"d{activity.pk}")
    shown = {"edit_forms": {("d", activity.pk): form}}
    if not form.is_valid():
        return _table3_invalid(request, plan, **shown)
    c = form.cleaned_data
    return _table3_call(
        request,
        plan,
        form,
        lambda: services.daily_activity_update(
            activity=activity,
            lock_version=c["lock_version"],
            by=request.membership,
            start_time=c["start_time"],
            end_time=c["end_time"],
            content=c["content"],
        ),
        "主な日常生活上の活動を保存しました。",
        **shown,
    )


@editor_required
@require_POST
def daily_delete(request, daily_id):
    activity = _load_daily(daily_id)
    return _table3_delete(
        request,
        activity.plan,
        lambda **kw: services.daily_activity_delete(activity=activity, **kw),
        "主な日常生活上の活動を削除しました。",
    )


@editor_required
@require_POST
def non_weekly_save(request, plan_id):
    plan = _load_plan(plan_id)
    form = NonWeeklyForm(request.POST)
    if not form.is_valid():
        return _table3_response(request, plan, non_weekly_form=form)
    c = form.cleaned_data
    return _table3_call(
        request,
        plan,
        form,
        lambda: services.plan_update_non_weekly(
            plan=plan, lock_version=c["lock_version"], by=request.membership, text=c["non_weekly_services"]
        ),
        "週単位以外のサービスを保存しました。",
        non_weekly_form=form,
    )
