"""帳票PDF pages: choose month / 利用者 / 事業所, download single PDFs, run and download batches."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.core.forms import single_submit
from portal.core.wareki import wareki_month
from portal.documents import services, sheets
from portal.documents.models import DocumentJob, DocumentKind
from portal.documents.render import JapaneseFontMissing
from portal.offices.permissions import care_office_required, office_required

KIND_CHOICES = [
    ("provision", "サービス提供票・別表（第6表・第7表／事業所向け）"),
    ("usage", "サービス利用票・別表（第6表・第7表／利用者向け）"),
    ("careplan", "居宅サービス計画書（第1表・第2表・第3表）"),
]


def _parse_month(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        year, month = value.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


def _pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _unavailable(request, message: str, *, back: str, status: int = 422) -> HttpResponse:
    """No PDF: a page saying why (422 for missing data, 503 when the server lacks the fonts)."""
    return render(request, "documents/unavailable.html", {"message": message, "back": back}, status=status)


def _list_url(month: dt.date | None = None, client_id: int | None = None) -> str:
    url = reverse("documents:list")
    params = []
    if month:
        params.append(f"month={month:%Y-%m}")
    if client_id:
        params.append(f"client={client_id}")
    return url + ("?" + "&".join(params) if params else "")


@office_required
def document_list(request):
    """Landing page: pick a month (and optionally a 利用者 / 事業所 / kinds) and download."""
    from portal.careplans.models import CarePlan
    from portal.clients.models import Client

    today = timezone.localdate()
    month_param = request.GET.get("month")
    month = _parse_month(month_param)
    if month_param and month is None:
        messages.error(request, f"対象年月「{month_param}」を読み取れません。年月を選び直してください（例: 2026-11）。")
    month = month or today.replace(day=1)
    client_id = request.GET.get("client") or ""
    provider = request.GET.get("provider") or ""
    kinds = [k for k in request.GET.getlist("kinds") if k in dict(KIND_CHOICES)]
    if not kinds and not request.GET.get("chosen"):
        kinds = [k for k, _ in KIND_CHOICES]  # the first visit shows every kind; an unticked filter shows none

    clients = list(
        Client.objects.filter(is_active=True).only(
            "pk", "family_name", "given_name", "family_name_kana", "given_name_kana"
        )
    )
    providers = services.month_providers(month=month)
    schedules = (
        sheets.schedule_queryset()
        .filter(month=month)
        .order_by("client__family_name_kana", "client__given_name_kana", "pk")
    )
    if client_id.isdigit():
        schedules = schedules.filter(client_id=int(client_id))
    if provider:
        schedules = schedules.filter(lines__provider_office_number=provider).distinct()
    schedules = list(schedules)
    client_ids = {s.client_id for s in schedules}
    if client_id.isdigit():
        client_ids.add(int(client_id))
    last_day = sheets.month_days(month)
    month_end = month.replace(day=max(d["day"] for d in last_day if d["day"]))
    latest_plan: dict[int, CarePlan] = {}
    newest_any: dict[int, CarePlan] = {}
    for plan in CarePlan.objects.filter(client_id__in=client_ids, plan_date__lte=month_end).order_by(
        "client_id", "-plan_date", "-pk"
    ):
        newest_any.setdefault(plan.client_id, plan)
        if plan.is_delivered:  # the latest delivered version by default; a draft only when none was delivered
            latest_plan.setdefault(plan.client_id, plan)
    for cid, plan in newest_any.items():
        latest_plan.setdefault(cid, plan)
    rows = []
    for schedule in schedules:
        schedule_providers = sheets.schedule_providers(schedule)
        if provider:
            schedule_providers = [p for p in schedule_providers if p[0] == provider]
        rows.append(
            {
                "schedule": schedule,
                "client": schedule.client,
                "providers": schedule_providers,
                "certified": sheets.schedule_certification(schedule) is not None,
                "plan": latest_plan.get(schedule.client_id),
            }
        )
    selected_client = next((c for c in clients if str(c.pk) == client_id), None)
    jobs = list(DocumentJob.objects.select_related("created_by")[:10])
    return render(
        request,
        "documents/list.html",
        {
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "month_label": wareki_month(month),
            "clients": clients,
            "client_id": client_id,
            "selected_client": selected_client,
            "selected_plan": latest_plan.get(selected_client.pk) if selected_client else None,
            "providers": providers,
            "provider": provider,
            "kind_choices": KIND_CHOICES,
            "kinds": kinds,
            "rows": rows,
            "jobs": jobs,
        },
    )


def _schedule_pdf(request, schedule_id: int, kind: str):
    from portal.documents.sheets import schedule_queryset

    schedule = get_object_or_404(schedule_queryset(), pk=schedule_id)
    provider = request.GET.get("provider", "").strip()
    try:
        pdf, sheet, etag = services.schedule_pdf_tagged(schedule=schedule, kind=kind, provider_number=provider)
    except sheets.DocumentUnavailable as error:
        return _unavailable(request, error.message, back=_list_url(schedule.month, schedule.client_id))
    except JapaneseFontMissing as error:
        return _unavailable(request, str(error), back=_list_url(schedule.month, schedule.client_id), status=503)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)  # the browser has this very PDF already
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response
    services.pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind=kind,
        client=schedule.client,
        partner_office_number=provider,
        detail={"schedule_id": schedule.pk, "month": f"{schedule.month:%Y-%m}"},
    )
    response = _pdf_response(pdf, services.schedule_pdf_filename(sheet), inline=request.GET.get("inline") == "1")
    response["ETag"] = etag
    return response


@office_required
def provision_pdf(request, schedule_id: int):
    """サービス提供票・別表 (?provider=事業所番号 for one provider's lines)."""
    return _schedule_pdf(request, schedule_id, "provision")


@office_required
def usage_pdf(request, schedule_id: int):
    """サービス利用票・別表 (the 利用者's copy)."""
    return _schedule_pdf(request, schedule_id, "usage")


@care_office_required
def careplan_pdf(request, plan_id: int):
    """居宅サービス計画書 第1表〜第3表 (?tables=1,2 to choose)."""
    plan = get_object_or_404(sheets.plan_queryset(), pk=plan_id)
    wanted = request.GET.get("tables", "")
    tables = tuple(sorted({int(t) for t in wanted.split(",") if t.strip() in {"1", "2", "3"}})) or services.PLAN_TABLES
    try:
        pdf, sheet = services.careplan_pdf(plan=plan, tables=tables)
    except sheets.DocumentUnavailable as error:
        return _unavailable(request, error.message, back=_list_url(client_id=plan.client_id))
    except JapaneseFontMissing as error:
        return _unavailable(request, str(error), back=_list_url(client_id=plan.client_id), status=503)
    services.pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind=DocumentKind.CAREPLAN,
        client=plan.client,
        detail={"plan_id": plan.pk, "tables": list(tables)},
    )
    return _pdf_response(pdf, services.careplan_pdf_filename(sheet), inline=request.GET.get("inline") == "1")


@office_required
@single_submit
def job_create(request):
    """Start a batch of all サービス提供票 of a month (one provider or all). A GET (e.g. after a
    double click was caught by ``single_submit``) goes back to the list, where the message shows."""
    if request.method != "POST":
        return redirect("documents:list")
    month = _parse_month(request.POST.get("month"))
    provider = request.POST.get("provider", "").strip()
    if month is None:
        messages.error(request, "一括作成する対象年月を選んでください（例: 2026-11）。")
        return redirect(_list_url())
    try:
        job = services.document_job_create(
            office=request.office, user=request.user, month=month, provider_number=provider
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_list_url(month) + (f"&provider={provider}" if provider else ""))
    messages.success(
        request,
        f"{wareki_month(month)}分のサービス提供票（{job.provider_label}）の作成を始めました。完了するとダウンロードできます。",
    )
    return redirect("documents:job_detail", job_id=job.pk)


@office_required
def job_detail(request, job_id: int):
    """The progress of a batch; htmx polls the ``progress`` fragment until it is finished."""
    job = get_object_or_404(DocumentJob.objects.select_related("created_by"), pk=job_id)
    from portal.jobs.services import job_for

    template = "documents/job_progress.html" if request.headers.get("HX-Request") else "documents/job_detail.html"
    bg_job = job_for(kind=services.BATCH_JOB_KIND, subject_id=job.pk)
    return render(request, template, {"job": job, "bg_job": bg_job, "month_label": wareki_month(job.month)})


@office_required
def job_download(request, job_id: int):
    job = get_object_or_404(DocumentJob, pk=job_id)
    if not job.file or job.status != "done":
        raise Http404("PDFはまだできていません。")
    services.pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind=job.kind,
        partner_office_number=job.provider_office_number,
        detail={"job_id": job.pk, "month": f"{job.month:%Y-%m}", "pages": job.page_count},
    )
    response = FileResponse(
        job.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=job.download_name
    )
    response["Cache-Control"] = "private, no-store"
    return response
