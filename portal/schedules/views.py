"""サービス利用票 (第6表) pages: the month list, creating a month, the day grid with its 第7表,
drafts and copy/fill helpers. The standard-CSV download is ``linkage.exchange.views.downloads``
(a form does not know how it is sent); the edit page links to it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.clients.models import Certification, Client
from portal.core.codes import service_kind_name
from portal.core.forms import single_submit
from portal.core.wareki import wareki_month
from portal.offices.permissions import office_required
from portal.schedules import services
from portal.schedules.grid import (
    PayloadDict,
    over_mode_from,
    rows_from_lines,
    rows_from_post,
    short_stay_before_from,
    weekday_header,
)
from portal.schedules.grid_html import row_html
from portal.schedules.models import OverMode, ScheduleDraft, ServiceSchedule
from portal.schedules.selectors import load_schedule, sheet_state
from portal.schedules.short_stay import SHORT_STAY_KINDS

NEW_ROWS = 1  # blank lines at the end of the grid (typed into without JavaScript; more are added in place)
MAX_VERSION = 2**31 - 1
BAD_VERSION = (
    "この画面の更新番号（version）が正しくないため保存していません。入力内容は下書きとして残してあります。"
    "「サービス利用票」から開き直してください。"
)


def _posted_version(request) -> int | None:
    """The ``version`` the page posted, or None when it is not a plausible number (never a 500)."""
    raw = request.POST.get("version", "").strip()
    if not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_VERSION:
        return None
    return int(raw)


def _month_from(request):
    return services.parse_month(request.GET.get("month") or request.POST.get("month")) or timezone.localdate().replace(
        day=1
    )


def _month_nav(month):
    prev = services.previous_month(month)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return prev, nxt


@office_required
def schedule_list(request):
    month = _month_from(request)
    clients = list(
        Client.objects.filter(is_active=True)
        .select_related("care_manager__user")
        .prefetch_related(Prefetch("certifications", queryset=Certification.objects.order_by("-valid_from")))
    )
    schedules = {
        s.client_id: s for s in ServiceSchedule.objects.filter(month=month).annotate(line_count=Count("lines"))
    }
    rows = []
    for c in clients:
        last = month.replace(day=28)
        cert = next((x for x in c.certifications.all() if x.valid_from <= last and x.valid_to >= month), None)
        rows.append({"client": c, "cert": cert, "schedule": schedules.get(c.pk)})
    prev, nxt = _month_nav(month)
    return render(
        request,
        "schedules/list.html",
        {
            "month": month,
            "rows": rows,
            "prev": prev,
            "next": nxt,
            "done": sum(1 for r in rows if r["schedule"]),
        },
    )


@office_required
@single_submit
def schedule_open(request, client_id):
    """The client's month: go to it if it exists, else offer to create it (empty / copy / from 第3表)."""
    client = get_object_or_404(Client.objects.prefetch_related("certifications", "services"), pk=client_id)
    month = _month_from(request)
    existing = ServiceSchedule.objects.filter(client=client, month=month).first()
    if existing is not None:
        return redirect("schedules:edit", schedule_id=existing.pk)
    has_previous = ServiceSchedule.objects.filter(client=client, month=services.previous_month(month)).exists()
    plan = services.latest_plan_with_weekly(client)
    if request.method == "POST":
        how = request.POST.get("fill", "")
        fill = None
        try:
            if how == "previous":
                fill = services.rows_from_previous_month(client=client, month=month)
            elif how == "weekly":
                fill = services.rows_from_weekly_pattern(client=client, month=month)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            schedule = services.schedule_create(client=client, month=month, author=request.membership)
            if fill is not None:
                _store_fill(request, schedule, fill)
            return redirect("schedules:edit", schedule_id=schedule.pk)
    prev, nxt = _month_nav(month)
    return render(
        request,
        "schedules/open.html",
        {
            "client": client,
            "month": month,
            "has_previous": has_previous,
            "plan": plan,
            "prev": prev,
            "next": nxt,
            "previous_month": services.previous_month(month),
        },
    )


def _store_fill(request, schedule, fill):
    """A copy/fill result becomes the member's draft: they see it, check it and save it."""
    services.schedule_draft_save(
        schedule=schedule, author=request.membership, rows=fill.rows, base_version=schedule.version
    )
    text = f"{len(fill.rows)}行を入力しました。内容を確認して「保存する」を押してください（まだ保存していません）。"
    if fill.skipped_days:
        text += f" 認定有効期間の外の{fill.skipped_days}日分は入れていません。"
    if fill.note:
        text += " " + fill.note
    messages.info(request, text)


def _page_context(request, schedule, state, *, version, draft=None, conflict=None):
    month = schedule.month
    client = schedule.client
    prev, nxt = _month_nav(month)
    kinds = sorted({s.service_type_code for s in client.services.all()} | {r.service_type_code for r in state.rows})
    code_options = sorted(state.masters.codes.values(), key=lambda c: c.code)
    over_rows = [r for r in state.annex.rows if r.over]
    header = weekday_header(month)
    for row in state.rows:
        row.html = row_html(row, header, str(row.index))
    new_rows = [row_html(None, header, f"new{n}", blank=True) for n in range(NEW_ROWS)]
    return {
        "schedule": schedule,
        "client": client,
        "month": month,
        "rows": state.rows,
        "state": state,
        "annex": state.annex,
        "header": header,
        "version": version,
        "draft": draft,
        "conflict": conflict,
        "prev": prev,
        "next": nxt,
        "days_in_month": schedule.days_in_month,
        "provider_options": [
            (s.provider_office_number, s.provider_name, s.service_type_code, service_kind_name(s.service_type_code))
            for s in client.services.all()
        ],
        "code_options": code_options,
        "kinds": kinds,
        "over_rows": over_rows,
        "certifications": [
            c for c in client.certifications.all() if c.valid_from <= schedule.last_day and c.valid_to >= month
        ],
        "blank_row": row_html(None, header, "__i__"),
        "new_rows": new_rows,
        "has_weekly": services.weekly_activity_model() is not None,
        "over_mode": state.over_mode,
        "over_modes": OverMode.choices,
        "show_short_stay": bool(set(kinds) & SHORT_STAY_KINDS) or state.short_stay.entered,
    }


@office_required
def schedule_edit(request, schedule_id):
    schedule = get_object_or_404(ServiceSchedule, pk=schedule_id)
    schedule = load_schedule(schedule.pk)
    if request.method == "POST":
        return _schedule_save(request, schedule)
    draft = ScheduleDraft.objects.filter(schedule=schedule, author=request.membership).first()
    if draft is not None:
        payload = PayloadDict(draft.payload)
        rows = rows_from_post(payload)
        over_mode = over_mode_from(payload, schedule.over_mode)
        version = draft.base_version
    else:
        payload = {}
        rows = rows_from_lines(schedule.lines.all())
        over_mode = schedule.over_mode
        version = schedule.version
    state = _state_with_stay(request, schedule, rows, over_mode, payload)
    return render(request, "schedules/edit.html", _page_context(request, schedule, state, version=version, draft=draft))


def _posted_state(request, schedule):
    rows = rows_from_post(request.POST)
    over_mode = over_mode_from(request.POST, schedule.over_mode)
    return rows, over_mode, _state_with_stay(request, schedule, rows, over_mode, request.POST)


def _state_with_stay(request, schedule, rows, over_mode, data):
    """sheet_state with the 前月までの短期入所利用日数 the page holds (typed text kept on the state)."""
    raw, before, error = short_stay_before_from(data, schedule.short_stay_days_before)
    state = sheet_state(
        client=schedule.client,
        month=schedule.month,
        rows=rows,
        care_office=request.office,
        over_mode=over_mode,
        short_stay_before=before,
    )
    state.short_stay_raw = raw
    if error:
        state.sheet_errors.append(error)
    return state


def _schedule_save(request, schedule):
    rows, over_mode, state = _posted_state(request, schedule)
    version = _posted_version(request)
    conflict = None
    if version is None:
        draft = services.schedule_draft_save(
            schedule=schedule,
            author=request.membership,
            rows=rows,
            base_version=schedule.version,
            over_mode=over_mode,
            short_stay_before=state.short_stay_raw,
        )
        messages.error(request, BAD_VERSION)
        return render(
            request,
            "schedules/edit.html",
            _page_context(request, schedule, state, version=draft.base_version, draft=draft),
            status=400,
        )
    if state.has_errors:
        draft = services.schedule_draft_save(
            schedule=schedule,
            author=request.membership,
            rows=rows,
            base_version=version,
            over_mode=over_mode,
            short_stay_before=state.short_stay_raw,
        )
        messages.error(
            request,
            f"{state.error_count}件の誤りがあるため保存していません。赤字の箇所を直してから保存してください"
            "（入力した内容は下書きとして残してあります）。",
        )
        return render(
            request,
            "schedules/edit.html",
            _page_context(request, schedule, state, version=version, draft=draft),
            status=200,
        )
    try:
        services.schedule_save(
            schedule=schedule,
            rows=rows,
            version=version,
            author=request.membership,
            provider_names=state.provider_names,
            over_mode=over_mode,
            short_stay_before=short_stay_before_from(request.POST, schedule.short_stay_days_before)[1],
        )
    except services.ScheduleConflict as exc:
        draft = services.schedule_draft_save(
            schedule=schedule,
            author=request.membership,
            rows=rows,
            base_version=version,
            over_mode=over_mode,
            short_stay_before=state.short_stay_raw,
        )
        conflict = str(exc)
        messages.error(request, conflict)
        schedule.refresh_from_db()
        return render(
            request,
            "schedules/edit.html",
            _page_context(request, schedule, state, version=version, draft=draft, conflict=conflict),
            status=409,
        )
    annex = state.annex
    text = f"{wareki_month(schedule.month)}のサービス利用票を保存しました（{len(rows)}行）。"
    if annex.is_over:
        messages.warning(request, text + f" 区分支給限度基準額を{annex.over_units:,}単位超えています。")
    else:
        messages.success(request, text)
    return redirect("schedules:edit", schedule_id=schedule.pk)


@office_required
@require_POST
def schedule_draft(request, schedule_id):
    """Autosave of the page (every few seconds while typing): keeps half-filled input."""
    schedule = get_object_or_404(ServiceSchedule, pk=schedule_id)
    rows = rows_from_post(request.POST)
    version = _posted_version(request)
    draft = services.schedule_draft_save(
        schedule=schedule,
        author=request.membership,
        rows=rows,
        base_version=schedule.version if version is None else version,
        over_mode=over_mode_from(request.POST, schedule.over_mode),
        short_stay_before=short_stay_before_from(request.POST, schedule.short_stay_days_before)[0],
    )
    return JsonResponse({"saved_at": timezone.localtime(draft.saved_at).strftime("%H:%M:%S")})


@office_required
@require_POST
def schedule_recalc(request, schedule_id):
    """htmx partial: the 第7表 (and the over-limit notice) of what the page holds right now, from the same
    server-side check and calculation as saving — the browser keeps no copy of the arithmetic."""
    schedule = get_object_or_404(ServiceSchedule, pk=schedule_id)
    schedule = load_schedule(schedule.pk)
    _, _, state = _posted_state(request, schedule)
    return render(
        request,
        "schedules/_recalc.html",
        {
            "schedule": schedule,
            "month": schedule.month,
            "annex": state.annex,
            "state": state,
            "over_rows": [r for r in state.annex.rows if r.over],
            "over_mode": state.over_mode,
            "row_overs": [(row.index, row.over_units, row.default_over) for row in state.rows],
        },
    )


@office_required
@require_POST
def schedule_draft_discard(request, schedule_id):
    schedule = get_object_or_404(ServiceSchedule, pk=schedule_id)
    services.schedule_draft_discard(schedule=schedule, author=request.membership)
    messages.info(request, "下書きを破棄し、保存済みの内容を表示しています。")
    return redirect("schedules:edit", schedule_id=schedule.pk)


@office_required
@require_POST
def schedule_fill(request, schedule_id):
    """先月からコピー / 第3表の週間パターンから作成 on an existing month (shown as a draft to check)."""
    schedule = get_object_or_404(ServiceSchedule.objects.select_related("client"), pk=schedule_id)
    client = Client.objects.prefetch_related("certifications", "services").get(pk=schedule.client_id)
    how = request.POST.get("fill")
    try:
        if how == "previous":
            fill = services.rows_from_previous_month(client=client, month=schedule.month)
        elif how == "weekly":
            fill = services.rows_from_weekly_pattern(client=client, month=schedule.month)
        else:
            raise ValidationError("作成方法を選んでください。")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _store_fill(request, schedule, fill)
    return redirect("schedules:edit", schedule_id=schedule.pk)


@office_required
def alive(request):
    """A trivial page: the portal layout (header, menu, context processors) around one line of
    text, behind the same login and office-scope middleware. The baseline of bench/schedule_page.py."""
    return render(request, "schedules/alive.html")
