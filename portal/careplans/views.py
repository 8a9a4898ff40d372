"""Pages for 居宅サービス計画書 (第1表・第2表・第3表), versions and 交付.

Views are thin: forms parse, services write, selectors read. Every edit sends the page's
``lock_version``; a stale one answers with a conflict notice and writes nothing.
The 第2表 editor and the 第3表 grid work with htmx (in-place) and without JavaScript
(plain POST + redirect).
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.careplans import selectors, services, standard
from portal.careplans.forms import (
    DailyForm,
    DeliverForm,
    GoalForm,
    ItemForm,
    NeedForm,
    NonWeeklyForm,
    PlanCreateForm,
    ShortGoalForm,
    Table1Form,
    WeeklyAddForm,
    WeeklyEditForm,
)
from portal.careplans.models import (
    CarePlan,
    DailyActivity,
    Goal,
    Need,
    PlanStatus,
    ServiceItem,
    ShortTermGoal,
    WeeklyActivity,
)
from portal.clients.models import Client
from portal.core.forms import apply_validation_error, single_submit
from portal.core.search import search_data, search_redirect
from portal.offices.models import Role
from portal.offices.permissions import care_office_required

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- lists


@care_required
def plan_list(request):
    """Plans of the office: filter by 状態, 作成者 (care manager) and 認定の有効期間の期限."""
    if request.method == "POST":  # the search text (a name, a 被保険者番号) never goes into the URL
        return search_redirect(request, reverse("careplans:list"), private=("q",))
    data = search_data(request)
    today = timezone.localdate()
    plans = CarePlan.objects.select_related("client", "author").annotate(newer=Count("next_versions"))
    status = data.get("status", "")
    author = data.get("author", "")
    expiry = data.get("expiry", "")
    latest_only = data.get("all") != "1"
    q = data.get("q", "").strip()
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    if author.isdigit():
        plans = plans.filter(author_id=int(author))
    if expiry == "soon":
        plans = plans.filter(cert_valid_to__gte=today, cert_valid_to__lte=today + dt.timedelta(days=EXPIRY_DAYS))
    elif expiry == "expired":
        plans = plans.filter(cert_valid_to__lt=today)
    if latest_only:
        plans = plans.filter(next_versions__isnull=True)
    if q:
        plans = plans.filter(
            Q(client__family_name__contains=q) | Q(client__given_name__contains=q)
            | Q(client__family_name_kana__contains=q) | Q(client__given_name_kana__contains=q)
            | Q(client__insured_number__contains=q)
        )
    plans = plans.order_by("cert_valid_to", "client__family_name_kana", "client__given_name_kana", "-plan_date")
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    authors = request.office.memberships.filter(role__in=(Role.CARE_MANAGER, Role.ADMIN)).select_related("user")
    return render(request, "careplans/list.html", {
        "page": page, "plans": page.object_list, "status": status, "author": author, "expiry": expiry,
        "latest_only": latest_only, "q": q, "statuses": PlanStatus.choices, "authors": authors,
        "search_token": request.GET.get("s", ""),
        "today": today, "soon": today + dt.timedelta(days=EXPIRY_DAYS),
    })


@care_required
def client_plans(request, client_id):
    """A client's plans: every version, newest first, and the way to start or change one."""
    client = get_object_or_404(Client.objects.prefetch_related("certifications"), pk=client_id)
    plans = list(CarePlan.objects.filter(client=client).order_by("-plan_date", "-pk"))
    draft = next((p for p in plans if p.is_draft), None)
    for number, plan in enumerate(reversed(plans), 1):
        plan.version_no = number
    return render(request, "careplans/client_plans.html", {
        "client": client, "plans": plans, "draft": draft, "latest": plans[0] if plans else None,
        "create_form": PlanCreateForm(initial={"plan_date": timezone.localdate()}), "can_edit": _can_edit(request),
        "certification": client.certification_on(timezone.localdate()),
    })


@editor_required
@require_POST
@single_submit
def plan_create(request, client_id):
    client = get_object_or_404(Client.objects.prefetch_related("certifications"), pk=client_id)
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_create(client=client, plan_date=form.cleaned_data["plan_date"], by=request.membership)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            if plan.previous_id:
                messages.success(request, "前の版の内容を写した新しい版（下書き）を作りました。変更する箇所を直してください。"
                                          "前の版はそのまま保存されています。")
            else:
                messages.success(request, "計画書の下書きを作りました。利用者の認定情報を写してあります。")
            return redirect("careplans:plan_table1", plan_id=plan.pk)
    else:
        messages.error(request, _error_text(ValidationError(form.errors)))
    return redirect("careplans:client_plans", client_id=client.pk)


# --------------------------------------------------------------------------- plan pages


def _plan_context(request, plan: CarePlan, tab: str) -> dict:
    versions = list(CarePlan.objects.filter(client_id=plan.client_id).order_by("plan_date", "pk")
                    .only("pk", "plan_date", "status", "client_id"))
    version_no = next((i for i, v in enumerate(versions, 1) if v.pk == plan.pk), None)
    return {
        "plan": plan, "client": plan.client, "tab": tab, "versions": versions, "version_no": version_no,
        "newer": next((v for v in versions if v.plan_date > plan.plan_date), None),
        "editable": plan.is_draft and _can_edit(request), "can_edit": _can_edit(request),
    }


@care_required
def plan_detail(request, plan_id):
    """The three tables as printed (read-only), with status, 交付 and history."""
    plan = _load_plan(plan_id)
    needs = selectors.needs_tree(plan)
    activities = list(plan.weekly_activities.all())
    daily = list(plan.daily_activities.all())
    days, life = selectors.weekly_grid(plan, activities, daily)
    context = _plan_context(request, plan, "detail")
    context.update({
        "header": selectors.plan_header(plan),
        "rows": selectors.table2_rows(needs), "days": days, "life": life, "hours": selectors.hour_marks(),
        "bands": selectors.band_marks(), "problems": services.confirmation_problems(plan) if plan.is_draft else [],
        "recipients": standard.plan_recipients(plan, needs) if standard.plan_can_be_sent(plan) else [],
        "non_weekly_lines": [s for s in plan.non_weekly_services.splitlines() if s.strip()],
    })
    return render(request, "careplans/plan_detail.html", context)


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
                    plan=plan, lock_version=form.cleaned_data["lock_version"], by=request.membership,
                    author=form.cleaned_data["author"], **form.table1_data(),
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


@care_required
def plan_table3(request, plan_id):
    plan = _load_plan(plan_id)
    if not plan.is_draft or not _can_edit(request):
        return redirect(reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk}) + "#table3")
    context = _plan_context(request, plan, "table3")
    context.update(_table3_context(plan, edit=request.GET.get("edit", "")))
    return render(request, "careplans/table3.html", context)


def _table3_context(plan: CarePlan, *, add_form=None, daily_form=None, edit_forms=None,
                    non_weekly_form=None, edit: str = "") -> dict:
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
        form = edit_forms.get(("w", a.pk)) or WeeklyEditForm(initial={
            "weekday": a.weekday, "start_time": a.start_time, "end_time": a.end_time, "content": a.content,
            "service_type_code": a.service_type_code, "service_item_code": a.service_item_code,
            "provider_office_number": a.provider_office_number, "lock_version": plan.lock_version,
        }, prefix=f"w{a.pk}")
        rows.append((a, form, bool(form.errors) or edit == f"w{a.pk}"))
    daily_rows = []
    for a in daily:
        form = edit_forms.get(("d", a.pk)) or DailyForm(initial={
            "start_time": a.start_time, "end_time": a.end_time, "content": a.content, "lock_version": plan.lock_version,
        }, prefix=f"d{a.pk}")
        daily_rows.append((a, form, bool(form.errors) or edit == f"d{a.pk}"))
    return {
        "plan": plan, "days": days, "life": life, "hours": selectors.hour_marks(), "bands": selectors.band_marks(),
        "weekly_rows": rows, "daily_rows": daily_rows, "providers": providers,
        "add_form": add_form or WeeklyAddForm(initial={"lock_version": plan.lock_version}),
        "daily_form": daily_form or DailyForm(initial={"lock_version": plan.lock_version}),
        "non_weekly_form": non_weekly_form or NonWeeklyForm(initial={
            "non_weekly_services": plan.non_weekly_services, "lock_version": plan.lock_version}),
    }


# --------------------------------------------------------------------------- plan actions


@editor_required
@require_POST
def plan_confirm(request, plan_id):
    plan = _load_plan(plan_id)
    try:
        services.plan_confirm(plan=plan, lock_version=request.POST.get("lock_version"), by=request.membership)
    except ValidationError as error:
        messages.error(request, "確定できません。次の項目を直してください: " + " ／ ".join(error.messages))
    except (services.PlanConflict, services.PlanNotEditable) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "計画書を確定しました。利用者（家族）に説明して同意を得たら、交付を記録してください。")
    return redirect("careplans:plan_detail", plan_id=plan.pk)


@editor_required
@require_POST
def plan_reopen(request, plan_id):
    plan = _load_plan(plan_id)
    try:
        services.plan_reopen(plan=plan, lock_version=request.POST.get("lock_version"), by=request.membership)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except services.PlanNotEditable:
        messages.error(request, "交付済みの計画書は下書きに戻せません。変更する場合は新しい版を作成してください。")
    except services.PlanConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "確定を取り消して下書きに戻しました。")
    return redirect("careplans:plan_detail", plan_id=plan.pk)


@editor_required
@single_submit
def plan_deliver(request, plan_id):
    """Record 交付 (explained, agreed, handed over)."""
    plan = _load_plan(plan_id)
    if plan.status != PlanStatus.CONFIRMED:
        if plan.is_delivered:
            messages.info(request, "この計画書は交付済みです。")
        else:
            messages.error(request, "下書きのままでは交付を記録できません。先に計画書を確定してください。")
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = DeliverForm(request.POST, office=request.office)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.plan_deliver(
                    plan=plan, lock_version=c["lock_version"], by=request.membership, delivered_on=c["delivered_on"],
                    explained_on=c["explained_on"], delivered_to=c["delivered_to"], delivered_by=c["delivered_by"],
                    note=c["delivery_note"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except (services.PlanConflict, services.PlanNotEditable) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "交付を記録しました。")
                return redirect("careplans:plan_detail", plan_id=plan.pk)
    else:
        form = DeliverForm(office=request.office, initial={
            "lock_version": plan.lock_version, "delivered_on": today, "explained_on": today,
            "delivered_to": f"{plan.client.full_name}（本人）", "delivered_by": request.membership.pk,
        })
    context = _plan_context(request, plan, "deliver")
    context["form"] = form
    return render(request, "careplans/deliver.html", context)


@editor_required
@require_POST
def plan_delete(request, plan_id):
    plan = _load_plan(plan_id)
    client_id = plan.client_id
    try:
        services.plan_delete_draft(plan=plan, lock_version=request.POST.get("lock_version"), by=request.membership)
    except (services.PlanConflict, services.PlanNotEditable) as exc:
        messages.error(request, exc.message)
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    messages.success(request, "下書きを削除しました。")
    return redirect("careplans:client_plans", client_id=client_id)


# --------------------------------------------------------------------------- 第2表 (in place)


def _lock_trigger(response, plan: CarePlan):
    response["HX-Trigger"] = json.dumps({"planLock": {"value": plan.lock_version}})
    return response


def _editor_response(request, plan: CarePlan, *, focus: object = None, anchor: str = ""):
    if _is_htmx(request):
        html = render_to_string("careplans/_table2_editor.html", _table2_context(plan, focus), request=request)
        return _lock_trigger(HttpResponse(html), plan)
    return redirect(reverse("careplans:plan_table2", kwargs={"plan_id": plan.pk}) + (f"#{anchor}" if anchor else ""))


def _failure(request, plan: CarePlan, message: str, *, target: str = "", typed: str = "", status: int = 200):
    """Tell the user what went wrong; nothing was written. htmx: out-of-band alert + field errors."""
    if _is_htmx(request):
        html = render_to_string("careplans/_oob_alert.html", {
            "message": message, "target": target, "typed": typed, "plan": plan,
        }, request=request)
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
        html = render_to_string("careplans/_oob_saved.html", {"target": target, "plan": plan,
                                                               "now": timezone.localtime()}, request=request)
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
    failure = _guard(request, plan, lambda: created.append(
        add(lock_version=request.POST.get("lock_version"), by=request.membership)))
    if failure:
        return failure
    row = created[0]
    return _editor_response(request, plan, focus=row, anchor=f"{prefix}-{row.pk}")


def _row_delete(request, plan, delete):
    failure = _guard(request, plan, lambda: delete(lock_version=request.POST.get("lock_version"), by=request.membership))
    return failure or _editor_response(request, plan)


def _row_move(request, plan, move, anchor: str):
    failure = _guard(request, plan, lambda: move(direction=_direction(request),
                                                 lock_version=request.POST.get("lock_version"), by=request.membership))
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
    failure = _guard(request, need.plan, lambda: services.need_update(
        need=need, lock_version=form.cleaned_data["lock_version"], by=request.membership,
        text=form.cleaned_data["text"]), target=target, typed=form.cleaned_data["text"])
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
    failure = _guard(request, plan, lambda: services.goal_update(
        goal=goal, lock_version=c["lock_version"], by=request.membership, long_term_goal=c["long_term_goal"],
        long_from=c["long_from"], long_to=c["long_to"]), target=target, typed=c["long_term_goal"])
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
    failure = _guard(request, plan, lambda: services.short_goal_update(
        short_goal=short, lock_version=c["lock_version"], by=request.membership, text=c["text"],
        short_from=c["short_from"], short_to=c["short_to"]), target=target, typed=c["text"])
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
    return _row_move(request, short.goal.need.plan, lambda **kw: services.short_goal_move(short_goal=short, **kw),
                     f"short-{short.pk}")


@editor_required
@require_POST
def item_add(request, short_goal_id):
    short = _load_short(short_goal_id)
    return _row_add(request, short.goal.need.plan, lambda **kw: services.item_add(short_goal=short, **kw), "item")


def _load_item(item_id) -> ServiceItem:
    return get_object_or_404(ServiceItem.objects.select_related("short_goal__goal__need__plan__client__office"),
                             pk=item_id)


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
    failure = _guard(request, plan, lambda: services.item_update(
        item=item, lock_version=c["lock_version"], by=request.membership, content=c["content"],
        insurance_covered=c["insurance_covered"], service_type_code=c["service_type_code"],
        service_kind=c["service_kind"], provider_name=c["provider_name"],
        provider_office_number=c["provider_office_number"], frequency=c["frequency"],
        period_from=c["period_from"], period_to=c["period_to"]), target=target, typed=c["content"])
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
    return _row_move(request, item.short_goal.goal.need.plan, lambda **kw: services.item_move(item=item, **kw),
                     f"item-{item.pk}")


# --------------------------------------------------------------------------- 第3表


def _table3_response(request, plan: CarePlan, *, status=200, **forms):
    context = _plan_context(request, plan, "table3")
    context.update(_table3_context(plan, **forms))
    if _is_htmx(request):
        return _lock_trigger(HttpResponse(render_to_string("careplans/_table3_area.html", context, request=request),
                                          status=status), plan)
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
    values = services.WeeklyValues(c["start_time"], c["end_time"], c["content"], c["service_type_code"],
                                   c["service_item_code"], c["provider_office_number"])
    return _table3_call(request, plan, form, lambda: services.weekly_activity_add(
        plan=plan, lock_version=c["lock_version"], by=request.membership, weekdays=c["weekdays"], values=values),
        "週間サービスを追加しました。", add_form=form)


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
    values = services.WeeklyValues(c["start_time"], c["end_time"], c["content"], c["service_type_code"],
                                   c["service_item_code"], c["provider_office_number"])
    return _table3_call(request, plan, form, lambda: services.weekly_activity_update(
        activity=activity, lock_version=c["lock_version"], by=request.membership, weekday=c["weekday"],
        values=values), "週間サービスを保存しました。", **shown)


@editor_required
@require_POST
def weekly_delete(request, activity_id):
    activity = _load_activity(activity_id)
    return _table3_delete(request, activity.plan, lambda **kw: services.weekly_activity_delete(activity=activity, **kw),
                          "週間サービスを削除しました。")


@editor_required
@require_POST
@single_submit
def daily_add(request, plan_id):
    plan = _load_plan(plan_id)
    form = DailyForm(request.POST)
    if not form.is_valid():
        return _table3_invalid(request, plan, daily_form=form)
    c = form.cleaned_data
    return _table3_call(request, plan, form, lambda: services.daily_activity_add(
        plan=plan, lock_version=c["lock_version"], by=request.membership, start_time=c["start_time"],
        end_time=c["end_time"], content=c["content"]), "主な日常生活上の活動を追加しました。", daily_form=form)


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
    return _table3_call(request, plan, form, lambda: services.daily_activity_update(
        activity=activity, lock_version=c["lock_version"], by=request.membership, start_time=c["start_time"],
        end_time=c["end_time"], content=c["content"]), "主な日常生活上の活動を保存しました。", **shown)


@editor_required
@require_POST
def daily_delete(request, daily_id):
    activity = _load_daily(daily_id)
    return _table3_delete(request, activity.plan, lambda **kw: services.daily_activity_delete(activity=activity, **kw),
                          "主な日常生活上の活動を削除しました。")


@editor_required
@require_POST
def non_weekly_save(request, plan_id):
    plan = _load_plan(plan_id)
    form = NonWeeklyForm(request.POST)
    if not form.is_valid():
        return _table3_response(request, plan, non_weekly_form=form)
    c = form.cleaned_data
    return _table3_call(request, plan, form, lambda: services.plan_update_non_weekly(
        plan=plan, lock_version=c["lock_version"], by=request.membership, text=c["non_weekly_services"]),
        "週単位以外のサービスを保存しました。", non_weekly_form=form)

