"""Views of the アセスメント（課題分析）: thin, ``assessments`` does the work."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal.casework import assessments
from portal.casework.assessment_forms import AssessmentForm, PlanFromAssessmentForm
from portal.casework.locking import RecordConflict
from portal.casework.models import Assessment, PlanBasis
from portal.clients.models import Client
from portal.core.forms import single_submit
from portal.offices.models import Role
from portal.offices.permissions import care_office_required

plan_editor_required = care_office_required(roles=(Role.CARE_MANAGER,))


@care_office_required
def assessment_list(request, client_id: int):
    client = get_object_or_404(Client, pk=client_id)
    rows = list(
        Assessment.objects.filter(client=client).select_related("written_by__user").prefetch_related("problem_rows")
    )
    numbers = {a.pk: i for i, a in enumerate(reversed(rows), start=1)}
    plans = {}
    for basis in PlanBasis.objects.filter(assessment__client=client).select_related("plan"):
        plans.setdefault(basis.assessment_id, []).append(basis.plan)
    return render(
        request,
        "casework/assessment_list.html",
        {
            "client": client,
            "assessments": [(a, numbers[a.pk], plans.get(a.pk, [])) for a in rows],
        },
    )


def _form_page(request, client, form, *, assessment=None, latest=None, conflict=None, status=200):
    return render(
        request,
        "casework/assessment_form.html",
        {
            "client": client,
            "form": form,
            "assessment": assessment,
            "latest": latest,
            "conflict": conflict,
        },
        status=status,
    )


@care_office_required
@single_submit
def assessment_create(request, client_id: int):
    """前回から作成: a new version prefilled from the latest one (only what changed needs typing)."""
    client = get_object_or_404(Client, pk=client_id)
    latest = assessments.assessment_latest(client=client)
    form = AssessmentForm(
        request.POST or None, assessment=latest, problems=list(latest.problem_rows.all()) if latest else ()
    )
    if request.method == "POST" and form.is_valid():
        created = assessments.assessment_create(
            office=request.office,
            client=client,
            author=request.membership,
            data=form.record_data(),
            problems=form.problems(),
        )
        messages.success(request, "アセスメントを保存しました。")
        return redirect("casework:assessment_detail", assessment_id=created.pk)
    return _form_page(request, client, form, latest=latest, status=422 if request.method == "POST" else 200)


@care_office_required
@single_submit
def assessment_edit(request, assessment_id: int):
    """Correct a version (a new assessment is 「前回から作成」); the optimistic lock keeps two editors apart."""
    assessment = get_object_or_404(Assessment.objects.select_related("client"), pk=assessment_id)
    problems = list(assessment.problem_rows.all())
    form = AssessmentForm(
        request.POST or None,
        assessment=assessment,
        problems=problems,
        initial={"assessed_on": assessment.assessed_on, "lock_version": assessment.lock_version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            assessments.assessment_update(
                assessment=assessment,
                lock_version=form.cleaned_data["lock_version"],
                by=request.membership,
                data=form.record_data(),
                problems=form.problems(),
            )
        except RecordConflict as exc:
            conflict = exc
            data = form.data.copy()
            data["lock_version"] = exc.fresh.lock_version  # a second save, after looking, is deliberate
            form.data = data
        else:
            messages.success(request, "アセスメントを更新しました。")
            return redirect("casework:assessment_detail", assessment_id=assessment.pk)
    status = 409 if conflict else 422 if request.method == "POST" else 200
    return _form_page(request, assessment.client, form, assessment=assessment, conflict=conflict, status=status)


@care_office_required
def assessment_detail(request, assessment_id: int):
    assessment = get_object_or_404(
        Assessment.objects.select_related("client", "written_by__user", "previous"), pk=assessment_id
    )
    bases = list(PlanBasis.objects.filter(assessment=assessment).select_related("plan").order_by("-plan__plan_date"))
    return render(
        request,
        "casework/assessment_detail.html",
        {
            "client": assessment.client,
            "assessment": assessment,
            "problems": list(assessment.problem_rows.all()),
            "version_no": assessments.versions(client=assessment.client)[assessment.pk],
            "plans": [b.plan for b in bases],
            "can_plan": request.membership.is_admin or request.membership.role == Role.CARE_MANAGER,
        },
    )


@care_office_required
def assessment_pdf(request, assessment_id: int):
    from django.utils import timezone

    from portal.documents.render import JapaneseFontMissing
    from portal.documents.services import pdf_export_record
    from portal.documents.views import _pdf_response, _unavailable

    assessment = get_object_or_404(
        Assessment.objects.select_related("client__care_manager__user", "written_by__user"), pk=assessment_id
    )
    client = assessment.client
    author = (
        assessment.written_by.name
        if assessment.written_by
        else client.care_manager.name
        if client.care_manager
        else request.membership.name
    )
    try:
        pdf = assessments.assessment_pdf(
            assessment=assessment, author_name=author, version_no=assessments.versions(client=client)[assessment.pk]
        )
    except JapaneseFontMissing as error:
        return _unavailable(
            request,
            str(error),
            status=503,
            back=reverse("casework:assessment_detail", kwargs={"assessment_id": assessment.pk}),
        )
    pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind="assessment",
        client=client,
        detail={"assessment_id": assessment.pk},
    )
    return _pdf_response(
        pdf, f"assessment-{assessment.pk}-{timezone.localdate():%Y%m%d}.pdf", inline=request.GET.get("inline") == "1"
    )


def _latest_plan(client):
    from portal.careplans.models import CarePlan

    return CarePlan.objects.filter(client=client).order_by("-plan_date", "-pk").first()


@plan_editor_required
@single_submit
def assessment_plan(request, assessment_id: int):
    """「この課題から計画書（第2表）を作る」: the chosen 課題 become the 第2表 needs of the draft (or a new version)."""
    from portal.careplans import services as plan_services

    assessment = get_object_or_404(Assessment.objects.select_related("client"), pk=assessment_id)
    problems = list(assessment.problem_rows.all())
    draft = assessments.plan_target(client=assessment.client)
    form = PlanFromAssessmentForm(request.POST or None, problems=problems, draft=draft)
    if request.method == "POST" and form.is_valid():
        try:
            plan = assessments.plan_from_assessment(
                assessment=assessment,
                problem_ids=form.cleaned_data["problems"],
                by=request.membership,
                plan_date=form.cleaned_data.get("plan_date"),
                draft=draft,
                lock_version=form.cleaned_data.get("lock_version"),
            )
        except ValidationError as error:
            target = "plan_date" if "plan_date" in form.fields else None
            for message in error.messages:
                form.add_error(target, message)
        except (plan_services.PlanConflict, plan_services.PlanNotEditable) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"アセスメントの課題{len(form.cleaned_data['problems'])}件を第2表に入れました。"
                "長期目標・短期目標・サービス内容を続けて入力してください。",
            )
            return redirect("careplans:plan_table2", plan_id=plan.pk)
    return render(
        request,
        "casework/assessment_plan.html",
        {
            "client": assessment.client,
            "assessment": assessment,
            "form": form,
            "draft": draft,
            "problems": problems,
            "latest_plan": None if draft else _latest_plan(assessment.client),
        },
        status=422 if request.method == "POST" else 200,
    )
