"""Pages of 介護予防支援: 利用者基本情報 and 介護予防サービス・支援計画書 (care offices only)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.clients.models import Client
from portal.core.forms import single_submit
from portal.offices.permissions import care_office_required
from portal.prevention import forms as f
from portal.prevention import services
from portal.prevention.models import BasicInfo, PreventionPlan


def _client(client_id):
    return get_object_or_404(Client.objects.prefetch_related("certifications"), pk=client_id)


@care_office_required
def client_index(request, client_id):
    client = _client(client_id)
    return render(
        request,
        "prevention/index.html",
        {
            "client": client,
            "is_prevention": services.is_prevention_client(client),
            "infos": BasicInfo.objects.filter(client=client).order_by("-consultation_date"),
            "plans": PreventionPlan.objects.filter(client=client).order_by("-plan_date"),
        },
    )


def _basic_info_page(request, client, info: BasicInfo | None):
    initial_rows = ([], [])
    if info is not None:
        initial_rows = (
            [{k: getattr(r, k) for k in f.MedicalHistoryForm.base_fields} for r in info.medical_histories.all()],
            [{k: getattr(r, k) for k in f.DailyScheduleForm.base_fields} for r in info.daily_schedules.all()],
        )
    data = request.POST if request.method == "POST" else None
    form = f.BasicInfoForm(
        data,
        request.FILES or None,
        instance=info
        or BasicInfo(
            client=client, consultation_date=timezone.localdate(), author_name=request.membership.display_name
        ),
    )
    histories = f.MedicalHistoryFormSet(data, prefix="history", initial=initial_rows[0])
    schedules = f.DailyScheduleFormSet(data, prefix="schedule", initial=initial_rows[1])
    if data is not None and form.is_valid() and histories.is_valid() and schedules.is_valid():
        try:
            saved = services.basic_info_save(
                info=form.save(commit=False),
                histories=[{k: v for k, v in r.items() if k != "DELETE"} for r in f.formset_rows(histories)],
                schedules=[{k: v for k, v in r.items() if k != "DELETE"} for r in f.formset_rows(schedules)],
                image=form.cleaned_data.get("family_image_upload"),
                remove_image=form.cleaned_data.get("remove_family_image", False),
            )
        except ValidationError as error:
            f.apply_errors(form, error)
        else:
            messages.success(request, "利用者基本情報を保存しました。")
            return redirect("prevention:basic_info", basic_info_id=saved.pk)
    return render(
        request,
        "prevention/basic_info_form.html",
        {
            "client": client,
            "info": info,
            "form": form,
            "histories": histories,
            "schedules": schedules,
        },
    )


@care_office_required
@single_submit
def basic_info_create(request, client_id):
    return _basic_info_page(request, _client(client_id), None)


@care_office_required
@single_submit
def basic_info_edit(request, basic_info_id):
    info = get_object_or_404(BasicInfo.objects.select_related("client"), pk=basic_info_id)
    return _basic_info_page(request, info.client, info)


@care_office_required
def basic_info_image(request, basic_info_id):
    info = get_object_or_404(BasicInfo, pk=basic_info_id)
    if not info.family_image:
        raise Http404
    response = HttpResponse(bytes(info.family_image), content_type="image/jpeg")
    response["Content-Disposition"] = 'inline; filename="family.jpg"'
    response["Cache-Control"] = "private, no-store"
    return response


def _plan_page(request, client, plan: PreventionPlan | None):
    if plan is not None and plan.is_delivered:
        return render(
            request,
            "prevention/plan_delivered.html",
            {
                "client": client,
                "plan": plan,
                "snap": plan.snapshot,
                "consent_on": dt.date.fromisoformat(plan.snapshot["consent_on"])
                if plan.snapshot.get("consent_on")
                else None,
            },
        )
    data = request.POST if request.method == "POST" else None
    if plan is None:
        today = timezone.localdate()
        instance = PreventionPlan(
            client=client,
            plan_date=today,
            author_name=request.membership.display_name,
            **services.plan_defaults(client, today),
        )
        rows_initial = []
    else:
        instance = plan
        rows_initial = f.tree_to_rows(services.plan_tree(plan))
    form = f.PreventionPlanForm(data, instance=instance)
    rows = f.PlanRowFormSet(data, prefix="row", initial=rows_initial)
    if data is not None and form.is_valid() and rows.is_valid():
        try:
            saved = services.plan_save(plan=form.save(commit=False), issues=f.rows_to_tree(f.formset_rows(rows)))
        except ValidationError as error:
            f.apply_errors(form, error)
        else:
            messages.success(request, "介護予防サービス・支援計画書を保存しました。")
            return redirect("prevention:plan", prevention_plan_id=saved.pk)
    return render(
        request,
        "prevention/plan_form.html",
        {
            "client": client,
            "plan": plan,
            "form": form,
            "rows": rows,
            "deliver_form": f.DeliverForm(
                initial={"delivered_on": timezone.localdate(), "delivered_to": client.full_name}
            )
            if plan
            else None,
            "problems": services.delivery_problems(plan) if plan else [],
        },
    )


@care_office_required
@single_submit
def plan_create(request, client_id):
    return _plan_page(request, _client(client_id), None)


@care_office_required
@single_submit
def plan_edit(request, prevention_plan_id):
    plan = get_object_or_404(PreventionPlan.objects.select_related("client"), pk=prevention_plan_id)
    return _plan_page(request, plan.client, plan)


@care_office_required
@require_POST
@single_submit
def plan_deliver(request, prevention_plan_id):
    plan = get_object_or_404(PreventionPlan.objects.select_related("client", "client__office"), pk=prevention_plan_id)
    form = f.DeliverForm(request.POST)
    if form.is_valid():
        try:
            services.plan_deliver(
                plan=plan,
                delivered_on=form.cleaned_data["delivered_on"],
                delivered_to=form.cleaned_data["delivered_to"],
                by_name=request.membership.display_name,
            )
        except ValidationError as error:
            f.apply_errors(form, error)
        else:
            messages.success(request, "交付を記録しました。交付時の内容で保存されています。")
            return redirect("prevention:plan", prevention_plan_id=plan.pk)
    for e in [*form.non_field_errors(), *(m for errs in form.errors.values() for m in errs)]:
        messages.error(request, e)
    return redirect("prevention:plan", prevention_plan_id=plan.pk)
