"""The plan lists, a new plan, the printed view (all three tables) and the plan's life: 確定, 再開,
交付 and deletion (versions)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.careplans import selectors, services, standard
from portal.careplans.forms import DeliverForm, PlanCreateForm
from portal.careplans.models import CarePlan, PlanStatus
from portal.careplans.views.common import (
    EXPIRY_DAYS,
    _can_edit,
    _error_text,
    _load_plan,
    _plan_context,
    care_required,
    editor_required,
)
from portal.clients.models import Client
from portal.core.forms import apply_validation_error, single_submit
from portal.core.search import search_data, search_redirect
from portal.offices.models import Role

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
            Q(client__family_name__contains=q)
            | Q(client__given_name__contains=q)
            | Q(client__family_name_kana__contains=q)
            | Q(client__given_name_kana__contains=q)
            | Q(client__insured_number__contains=q)
        )
    plans = plans.order_by("cert_valid_to", "client__family_name_kana", "client__given_name_kana", "-plan_date")
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    authors = request.office.memberships.filter(role__in=(Role.CARE_MANAGER, Role.ADMIN)).select_related("user")
    return render(
        request,
        "careplans/list.html",
        {
            "page": page,
            "plans": page.object_list,
            "status": status,
            "author": author,
            "expiry": expiry,
            "latest_only": latest_only,
            "q": q,
            "statuses": PlanStatus.choices,
            "authors": authors,
            "search_token": request.GET.get("s", ""),
            "today": today,
            "soon": today + dt.timedelta(days=EXPIRY_DAYS),
        },
    )


@care_required
def client_plans(request, client_id):
    """A client's plans: every version, newest first, and the way to start or change one."""
    client = get_object_or_404(Client.objects.prefetch_related("certifications"), pk=client_id)
    plans = list(CarePlan.objects.filter(client=client).order_by("-plan_date", "-pk"))
    draft = next((p for p in plans if p.is_draft), None)
    for number, plan in enumerate(reversed(plans), 1):
        plan.version_no = number
    return render(
        request,
        "careplans/client_plans.html",
        {
            "client": client,
            "plans": plans,
            "draft": draft,
            "latest": plans[0] if plans else None,
            "create_form": PlanCreateForm(initial={"plan_date": timezone.localdate()}),
            "can_edit": _can_edit(request),
            "certification": client.certification_on(timezone.localdate()),
        },
    )


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
                messages.success(
                    request,
                    "前の版の内容を写した新しい版（下書き）を作りました。変更する箇所を直してください。"
                    "前の版はそのまま保存されています。",
                )
            else:
                messages.success(request, "計画書の下書きを作りました。利用者の認定情報を写してあります。")
            return redirect("careplans:plan_table1", plan_id=plan.pk)
    else:
        messages.error(request, _error_text(ValidationError(form.errors)))
    return redirect("careplans:client_plans", client_id=client.pk)


@care_required
def plan_detail(request, plan_id):
    """The three tables as printed (read-only), with status, 交付 and history."""
    plan = _load_plan(plan_id)
    needs = selectors.needs_tree(plan)
    activities = list(plan.weekly_activities.all())
    daily = list(plan.daily_activities.all())
    days, life = selectors.weekly_grid(plan, activities, daily)
    context = _plan_context(request, plan, "detail")
    context.update(
        {
            "header": selectors.plan_header(plan),
            "rows": selectors.table2_rows(needs),
            "days": days,
            "life": life,
            "hours": selectors.hour_marks(),
            "bands": selectors.band_marks(),
            "problems": services.confirmation_problems(plan) if plan.is_draft else [],
            "recipients": standard.plan_recipients(plan, needs) if standard.plan_can_be_sent(plan) else [],
            "non_weekly_lines": [s for s in plan.non_weekly_services.splitlines() if s.strip()],
        }
    )
    return render(request, "careplans/plan_detail.html", context)


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
        messages.success(
            request, "計画書を確定しました。利用者（家族）に説明して同意を得たら、交付を記録してください。"
        )
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
                    plan=plan,
                    lock_version=c["lock_version"],
                    by=request.membership,
                    delivered_on=c["delivered_on"],
                    explained_on=c["explained_on"],
                    delivered_to=c["delivered_to"],
                    delivered_by=c["delivered_by"],
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
        form = DeliverForm(
            office=request.office,
            initial={
                "lock_version": plan.lock_version,
                "delivered_on": today,
                "explained_on": today,
                "delivered_to": f"{plan.client.full_name}（本人）",
                "delivered_by": request.membership.pk,
            },
        )
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
