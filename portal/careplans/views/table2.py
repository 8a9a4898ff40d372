"""第2表 (居宅サービス計画書(2)): the page and its in-place editor (needs, goals, short-term goals,
service items), with htmx and without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.careplans import selectors, services
from portal.careplans.forms import GoalForm, ItemForm, NeedForm, ShortGoalForm
from portal.careplans.models import CarePlan, Goal, Need, ServiceItem, ShortTermGoal
from portal.careplans.views.common import (
    _can_edit,
    _error_text,
    _is_htmx,
    _load_plan,
    _lock_trigger,
    _plan_context,
    care_required,
    editor_required,
)


@care_required
def plan_table2(request, plan_id):
    plan = _load_plan(plan_id)
    if not plan.is_draft or not _can_edit(request):
        return redirect(reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk}) + "#table2")
    context = _plan_context(request, plan, "table2")
    context.update(_table2_context(plan))
    return render(request, "careplans/table2.html", context)


def _table2_context(plan: CarePlan, focus: object = None) -> dict:
    """The editor's tree;援助内容NO set on each item; ``focus`` (a new row) gets autofocus."""
    needs = selectors.needs_tree(plan)
    for row in selectors.table2_rows(needs):
        for obj in (row.need, row.goal, row.short_goal, row.item):
            if obj is not None and focus is not None and type(obj) is type(focus) and obj.pk == focus.pk:
                obj.autofocus = True
        if row.item is not None:
            row.item.number = row.item_no
    return {"plan": plan, "needs": needs, "service_kinds": ItemForm.base_fields["service_type_code"].choices}


# --------------------------------------------------------------------------- 第2表 (in place)


def _editor_response(request, plan: CarePlan, *, focus: object = None, anchor: str = ""):
    if _is_htmx(request):
        html = render_to_string("careplans/_table2_editor.html", _table2_context(plan, focus), request=request)
        return _lock_trigger(HttpResponse(html), plan)
    return redirect(reverse("careplans:plan_table2", kwargs={"plan_id": plan.pk}) + (f"#{anchor}" if anchor else ""))


def _failure(request, plan: CarePlan, message: str, *, target: str = "", typed: str = "", status: int = 200):
    """Tell the user what went wrong; nothing was written. htmx: out-of-band alert + field errors."""
    if _is_htmx(request):
        html = render_to_string(
            "careplans/_oob_alert.html",
            {
                "message": message,
                "target": target,
                "typed": typed,
                "plan": plan,
            },
            request=request,
        )
        response = HttpResponse(html, status=status)
        response["HX-Reswap"] = "none"
        return response
    messages.error(request, message + (f"（入力した内容: {typed}）" if typed else ""))
    return redirect("careplans:plan_table2", plan_id=plan.pk)


def _guard(request, plan, call, *, target="", typed=""):
    """Run a service call; turn conflicts and validation errors into a message. Returns None on success."""
    try:
        call()
    except services.PlanConflict as exc:
        return _failure(request, plan, exc.message, typed=typed, status=409 if not _is_htmx(request) else 200)
    except services.PlanNotEditable as exc:
        return _failure(request, plan, exc.message)
    except ValidationError as error:
        return _failure(request, plan, _error_text(error), target=target, typed=typed)
    return None


def _saved(request, plan, target: str):
    """A field save succeeded: clear that card's errors, update the lock, say 保存しました."""
    if _is_htmx(request):
        html = render_to_string(
            "careplans/_oob_saved.html", {"target": target, "plan": plan, "now": timezone.localtime()}, request=request
        )
        response = HttpResponse(html)
        response["HX-Reswap"] = "none"
        return _lock_trigger(response, plan)
    messages.success(request, "保存しました。")
    return redirect(reverse("careplans:plan_table2", kwargs={"plan_id": plan.pk}) + f"#{target}")


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


def _form_error(request, plan, form, target):
    return _failure(request, plan, _error_text(ValidationError(form.errors)), target=target)


def _row_add(request, plan, add, prefix: str):
    """Add a 第2表 row (``add(lock_version=, by=)`` returns it) and show the editor focused on it."""
    created = []
    failure = _guard(
        request, plan, lambda: created.append(add(lock_version=request.POST.get("lock_version"), by=request.membership))
    )
    if failure:
        return failure
    row = created[0]
    return _editor_response(request, plan, focus=row, anchor=f"{prefix}-{row.pk}")


def _row_delete(request, plan, delete):
    failure = _guard(
        request, plan, lambda: delete(lock_version=request.POST.get("lock_version"), by=request.membership)
    )
    return failure or _editor_response(request, plan)


def _row_move(request, plan, move, anchor: str):
    failure = _guard(
        request,
        plan,
        lambda: move(
            direction=_direction(request), lock_version=request.POST.get("lock_version"), by=request.membership
        ),
    )
    return failure or _editor_response(request, plan, anchor=anchor)


@editor_required
@require_POST
def need_add(request, plan_id):
    plan = _load_plan(plan_id)
    return _row_add(request, plan, lambda **kw: services.need_add(plan=plan, **kw), "need")


def _load_need(need_id) -> Need:
    return get_object_or_404(Need.objects.select_related("plan__client__office"), pk=need_id)


@editor_required
@require_POST
def need_save(request, need_id):
    need = _load_need(need_id)
    form = NeedForm(request.POST)
    target = f"need-{need.pk}"
    if not form.is_valid():
        return _form_error(request, need.plan, form, target)
    failure = _guard(
        request,
        need.plan,
        lambda: services.need_update(
            need=need,
            lock_version=form.cleaned_data["lock_version"],
            by=request.membership,
            text=form.cleaned_data["text"],
        ),
        target=target,
        typed=form.cleaned_data["text"],
    )
    return failure or _saved(request, need.plan, target)


@editor_required
@require_POST
def need_delete(request, need_id):
    need = _load_need(need_id)
    return _row_delete(request, need.plan, lambda **kw: services.need_delete(need=need, **kw))


@editor_required
@require_POST
def need_move(request, need_id):
    need = _load_need(need_id)
    return _row_move(request, need.plan, lambda **kw: services.need_move(need=need, **kw), f"need-{need.pk}")


@editor_required
@require_POST
def goal_add(request, need_id):
    need = _load_need(need_id)
    return _row_add(request, need.plan, lambda **kw: services.goal_add(need=need, **kw), "goal")


def _load_goal(goal_id) -> Goal:
    return get_object_or_404(Goal.objects.select_related("need__plan__client__office"), pk=goal_id)


@editor_required
@require_POST
def goal_save(request, goal_id):
    goal = _load_goal(goal_id)
    plan = goal.need.plan
    form = GoalForm(request.POST)
    target = f"goal-{goal.pk}"
    if not form.is_valid():
        return _form_error(request, plan, form, target)
    c = form.cleaned_data
    failure = _guard(
        request,
        plan,
        lambda: services.goal_update(
            goal=goal,
            lock_version=c["lock_version"],
            by=request.membership,
            long_term_goal=c["long_term_goal"],
            long_from=c["long_from"],
            long_to=c["long_to"],
        ),
        target=target,
        typed=c["long_term_goal"],
    )
    return failure or _saved(request, plan, target)


@editor_required
@require_POST
def goal_delete(request, goal_id):
    goal = _load_goal(goal_id)
    return _row_delete(request, goal.need.plan, lambda **kw: services.goal_delete(goal=goal, **kw))


@editor_required
@require_POST
def goal_move(request, goal_id):
    goal = _load_goal(goal_id)
    return _row_move(request, goal.need.plan, lambda **kw: services.goal_move(goal=goal, **kw), f"goal-{goal.pk}")


@editor_required
@require_POST
def short_goal_add(request, goal_id):
    goal = _load_goal(goal_id)
    return _row_add(request, goal.need.plan, lambda **kw: services.short_goal_add(goal=goal, **kw), "short")


def _load_short(short_goal_id) -> ShortTermGoal:
    return get_object_or_404(ShortTermGoal.objects.select_related("goal__need__plan__client__office"), pk=short_goal_id)


@editor_required
@require_POST
def short_goal_save(request, short_goal_id):
    short = _load_short(short_goal_id)
    plan = short.goal.need.plan
    form = ShortGoalForm(request.POST)
    target = f"short-{short.pk}"
    if not form.is_valid():
        return _form_error(request, plan, form, target)
    c = form.cleaned_data
    failure = _guard(
        request,
        plan,
        lambda: services.short_goal_update(
            short_goal=short,
            lock_version=c["lock_version"],
            by=request.membership,
            text=c["text"],
            short_from=c["short_from"],
            short_to=c["short_to"],
        ),
        target=target,
        typed=c["text"],
    )
    return failure or _saved(request, plan, target)


@editor_required
@require_POST
def short_goal_delete(request, short_goal_id):
    short = _load_short(short_goal_id)
    return _row_delete(request, short.goal.need.plan, lambda **kw: services.short_goal_delete(short_goal=short, **kw))


@editor_required
@require_POST
def short_goal_move(request, short_goal_id):
    short = _load_short(short_goal_id)
    return _row_move(
        request,
        short.goal.need.plan,
        lambda **kw: services.short_goal_move(short_goal=short, **kw),
        f"short-{short.pk}",
    )


@editor_required
@require_POST
def item_add(request, short_goal_id):
    short = _load_short(short_goal_id)
    return _row_add(request, short.goal.need.plan, lambda **kw: services.item_add(short_goal=short, **kw), "item")


def _load_item(item_id) -> ServiceItem:
    return get_object_or_404(
        ServiceItem.objects.select_related("short_goal__goal__need__plan__client__office"), pk=item_id
    )


@editor_required
@require_POST
def item_save(request, item_id):
    item = _load_item(item_id)
    plan = item.short_goal.goal.need.plan
    form = ItemForm(request.POST)
    target = f"item-{item.pk}"
    if not form.is_valid():
        return _form_error(request, plan, form, target)
    c = form.cleaned_data
    failure = _guard(
        request,
        plan,
        lambda: services.item_update(
            item=item,
            lock_version=c["lock_version"],
            by=request.membership,
            content=c["content"],
            insurance_covered=c["insurance_covered"],
            service_type_code=c["service_type_code"],
            service_kind=c["service_kind"],
            provider_name=c["provider_name"],
            provider_office_number=c["provider_office_number"],
            frequency=c["frequency"],
            period_from=c["period_from"],
            period_to=c["period_to"],
        ),
        target=target,
        typed=c["content"],
    )
    if failure:
        return failure
    if _is_htmx(request) and c["service_type_code"] and not c["service_kind"].strip():
        # サービス種別 was filled from the kind: show it.
        response = _saved(request, plan, target)
        response.content += render_to_string("careplans/_oob_item_kind.html", {"item": item}).encode()
        return response
    return _saved(request, plan, target)


@editor_required
@require_POST
def item_delete(request, item_id):
    item = _load_item(item_id)
    return _row_delete(request, item.short_goal.goal.need.plan, lambda **kw: services.item_delete(item=item, **kw))


@editor_required
@require_POST
def item_move(request, item_id):
    item = _load_item(item_id)
    return _row_move(
        request, item.short_goal.goal.need.plan, lambda **kw: services.item_move(item=item, **kw), f"item-{item.pk}"
    )
