"""Views of the care manager's own records: thin, services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from portal.casework import services
from portal.casework.forms import MonitoringForm, SupportLogEntryForm, SupportLogFilterForm
from portal.casework.models import Monitoring, SupportLogEntry
from portal.clients.models import Client
from portal.core.forms import single_submit
from portal.offices.permissions import care_office_required


def _filters(request):
    form = SupportLogFilterForm(request.GET or None)
    values = {}
    if form.is_bound and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v}
    return form, values


def _shown(value) -> str:
    import datetime as dt

    from portal.core.wareki import wareki_date

    if value is None or value == "":
        return "（空欄）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dt.date):
        return wareki_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _rebase(form, conflict) -> None:
    """After a conflict the page keeps the user's input, lists the fields where the other member's saved version
    differs from it, and carries the current version: saving again, having looked, is deliberate."""
    data = form.data.copy()
    data[form.add_prefix("lock_version")] = str(conflict.fresh.lock_version)
    form.data = data
    fresh, rows = conflict.fresh, []
    for name in getattr(form._meta, "fields", ()):
        field = form.fields[name]
        mine = form.cleaned_data.get(name)
        theirs = getattr(fresh, name)
        if hasattr(mine, "pk") or hasattr(theirs, "pk"):
            same = getattr(mine, "pk", None) == getattr(theirs, "pk", None)
        else:
            same = (mine or "") == (theirs or "") if not isinstance(theirs, bool) else bool(mine) == theirs
        if not same:
            choices = dict(getattr(field, "choices", []) or [])
            rows.append((field.label, _shown(choices.get(theirs, theirs)), _shown(choices.get(mine, mine))))
    conflict.differences = rows


@care_office_required
@single_submit
def support_log(request, client_id: int):
    """第5表 居宅介護支援経過 of one 利用者: the entry form on top, the log (filtered) below."""
    from portal.casework import drafts
    from portal.casework.timeline import loggable_events

    client = get_object_or_404(Client, pk=client_id)
    draft_state, draft_data = drafts.draft_state(office=request.office, author=request.user, client=client, kind="log")
    form = SupportLogEntryForm(request.POST or None, prefix="log", initial=drafts.as_initial(draft_data, prefix="log"))
    if request.method == "POST" and form.is_valid():
        services.support_log_create(
            office=request.office, client=client, author=request.membership, data=form.cleaned_data
        )
        drafts.draft_done(office=request.office, author=request.user, client=client, kind="log")
        messages.success(request, "支援経過を記録しました。")
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = request.get_full_path()
        return redirect(target)
    filter_form, values = _filters(request)
    entries = list(services.support_log_filter(client=client, **values).reverse())
    return render(
        request,
        "casework/support_log.html",
        {
            "client": client,
            "form": form,
            "filter_form": filter_form,
            "entries": entries,
            "known_events": loggable_events(client=client, days=60),
            "filtered": bool(values),
            "query": request.GET.urlencode(),
            "draft_url": reverse("casework:log_draft", kwargs={"client_id": client.pk}),
            "draft_state": draft_state,
        },
        status=422 if request.method == "POST" else 200,
    )


@care_office_required
@single_submit
def support_log_edit(request, entry_id: int):
    from portal.casework.forms import SupportLogEditForm
    from portal.casework.locking import RecordConflict

    entry = get_object_or_404(SupportLogEntry.objects.select_related("client"), pk=entry_id)
    form = SupportLogEditForm(request.POST or None, instance=entry, prefix="log")
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.support_log_update(
                entry=entry,
                data=form.record_data(),
                by=request.membership,
                lock_version=form.cleaned_data["lock_version"],
            )
        except RecordConflict as exc:
            conflict = exc
            _rebase(form, exc)
        else:
            messages.success(request, "支援経過を更新しました。")
            return redirect("casework:support_log", client_id=entry.client_id)
    return render(
        request,
        "casework/support_log_edit.html",
        {
            "entry": entry,
            "client": entry.client,
            "form": form,
            "conflict": conflict,
        },
        status=409 if conflict else 422 if request.method == "POST" else 200,
    )


@care_office_required
def support_log_pdf(request, client_id: int):
    """第5表 for the period of the list's filters (all entries without one)."""
    from portal.documents.render import JapaneseFontMissing
    from portal.documents.services import pdf_export_record
    from portal.documents.views import _pdf_response, _unavailable

    client = get_object_or_404(Client.objects.select_related("care_manager__user"), pk=client_id)
    filter_form, values = _filters(request)
    entries = services.support_log_filter(client=client, **values)
    back = reverse("casework:support_log", kwargs={"client_id": client.pk}) + f"?{request.GET.urlencode()}"
    if not entries.exists():
        return _unavailable(request, "この期間の支援経過はまだ記録されていません。", back=back)
    author = client.care_manager.name if client.care_manager else request.membership.name
    try:
        pdf = services.support_log_pdf(
            client=client,
            entries=entries,
            author_name=author,
            created_on=timezone.localdate(),
            period=(values.get("date_from"), values.get("date_to")),
        )
    except JapaneseFontMissing as error:
        return _unavailable(request, str(error), back=back, status=503)
    pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind="support_log",
        client=client,
        detail={"entries": entries.count()},
    )
    return _pdf_response(
        pdf, f"support-log-{client.pk}-{timezone.localdate():%Y%m%d}.pdf", inline=request.GET.get("inline") == "1"
    )


# --------------------------------------------------------------------------- モニタリング


def _monitoring_page(request, client, form, monitoring=None, plan=None, status=200, conflict=None, draft_state=None):
    return render(
        request,
        "casework/monitoring_form.html",
        {
            "client": client,
            "form": form,
            "monitoring": monitoring,
            "plan": plan,
            "rule": services.MONITORING_RULE,
            "conflict": conflict,
            "draft_state": draft_state,
            "draft_url": None if monitoring else reverse("casework:monitoring_draft", kwargs={"client_id": client.pk}),
        },
        status=409 if conflict else status,
    )


@care_office_required
def monitoring_list(request, client_id: int):
    client = get_object_or_404(Client, pk=client_id)
    today = timezone.localdate()
    monitorings = list(Monitoring.objects.filter(client=client).select_related("written_by__user").order_by("-month"))
    by_month = {m.month: m for m in monitorings}
    rows = [(m, services.monitoring_counts(m, by_month.get(services.previous_month(m.month)))) for m in monitorings]
    missing = services.monitoring_missing(today=today, clients=[client])
    return render(
        request,
        "casework/monitoring_list.html",
        {
            "client": client,
            "rows": rows,
            "missing": missing[0] if missing else None,
            "this_month": services.month_start(today),
            "this_month_done": services.month_start(today) in by_month,
            "rule": services.MONITORING_RULE,
        },
    )


@care_office_required
@single_submit
def monitoring_create(request, client_id: int):
    from portal.casework import drafts

    client = get_object_or_404(Client, pk=client_id)
    plan = services.plan_in_effect(client=client, on=timezone.localdate())
    draft_state, draft_data = drafts.draft_state(
        office=request.office, author=request.user, client=client, kind="monitoring"
    )
    form = MonitoringForm(
        request.POST or None,
        client=client,
        short_goals=services.plan_short_goals(plan),
        initial=drafts.as_initial(draft_data),
    )
    if request.method == "POST" and form.is_valid():
        services.monitoring_save(
            office=request.office,
            client=client,
            author=request.membership,
            plan=plan,
            data=form.record_data(),
            evaluations=form.evaluations(),
        )
        drafts.draft_done(office=request.office, author=request.user, client=client, kind="monitoring")
        messages.success(request, "モニタリングを記録しました。")
        return redirect("casework:monitoring_list", client_id=client.pk)
    return _monitoring_page(
        request, client, form, plan=plan, status=422 if request.method == "POST" else 200, draft_state=draft_state
    )


@care_office_required
@single_submit
def monitoring_edit(request, monitoring_id: int):
    from portal.casework.locking import RecordConflict

    monitoring = get_object_or_404(Monitoring.objects.select_related("client", "plan"), pk=monitoring_id)
    evaluations = {e.short_goal_id: e for e in monitoring.evaluations.all()}
    form = MonitoringForm(
        request.POST or None,
        instance=monitoring,
        client=monitoring.client,
        short_goals=services.plan_short_goals(monitoring.plan),
        evaluations=evaluations,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.monitoring_save(
                office=request.office,
                client=monitoring.client,
                author=request.membership,
                instance=monitoring,
                data=form.record_data(),
                evaluations=form.evaluations(),
                lock_version=form.cleaned_data.get("lock_version"),
            )
        except RecordConflict as exc:
            conflict = exc
            _rebase(form, exc)
        else:
            messages.success(request, "モニタリングを更新しました。")
            return redirect("casework:monitoring_list", client_id=monitoring.client_id)
    return _monitoring_page(
        request,
        monitoring.client,
        form,
        monitoring=monitoring,
        plan=monitoring.plan,
        status=422 if request.method == "POST" else 200,
        conflict=conflict,
    )


# --------------------------------------------------------------------------- 第4表 サービス担当者会議の要点


def _meeting_form(request, client, meeting=None):
    from portal.casework.forms import AttendeeFormSet, ServiceMeetingForm

    form = ServiceMeetingForm(request.POST or None, instance=meeting, client=client, prefix="meeting")
    initial = (
        [
            {"affiliation": a.affiliation, "name": a.name, "absent": a.absent, "absent_view": a.absent_view}
            for a in meeting.attendees.all()
        ]
        if meeting
        else []
    )
    formset = AttendeeFormSet(request.POST or None, initial=initial, prefix="att")
    return form, formset


def _meeting_save(request, client, meeting=None):
    from portal.casework.locking import RecordConflict

    conflict = None
    form, formset = _meeting_form(request, client, meeting)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            {k: f.cleaned_data[k] for k in ("affiliation", "name", "absent", "absent_view")}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if not rows:
            form.add_error(None, "会議出席者を1人以上入力してください。")
        else:
            try:
                saved = services.service_meeting_save(
                    office=request.office,
                    client=client,
                    author=request.membership,
                    data=form.record_data(),
                    attendees=rows,
                    instance=meeting,
                    lock_version=form.cleaned_data.get("lock_version"),
                )
            except RecordConflict as exc:
                conflict = exc
                _rebase(form, exc)
            else:
                messages.success(request, "サービス担当者会議の要点を保存しました。")
                for warning in services.service_meeting_warnings(saved):
                    messages.warning(request, warning)
                return redirect("casework:meeting_list", client_id=client.pk)
    return render(
        request,
        "casework/meeting_form.html",
        {
            "client": client,
            "form": form,
            "formset": formset,
            "meeting": meeting,
            "conflict": conflict,
        },
        status=409 if conflict else 422 if request.method == "POST" else 200,
    )


@care_office_required
def meeting_list(request, client_id: int):
    from portal.casework.models import ServiceMeeting

    client = get_object_or_404(Client, pk=client_id)
    meetings = list(ServiceMeeting.objects.filter(client=client).select_related("plan").prefetch_related("attendees"))
    return render(request, "casework/meeting_list.html", {"client": client, "meetings": meetings})


@care_office_required
@single_submit
def meeting_create(request, client_id: int):
    return _meeting_save(request, get_object_or_404(Client, pk=client_id))


@care_office_required
@single_submit
def meeting_edit(request, meeting_id: int):
    from portal.casework.models import ServiceMeeting

    meeting = get_object_or_404(ServiceMeeting.objects.select_related("client", "plan"), pk=meeting_id)
    return _meeting_save(request, meeting.client, meeting)


@care_office_required
def meeting_pdf(request, meeting_id: int):
    from portal.casework.models import ServiceMeeting
    from portal.documents.render import JapaneseFontMissing
    from portal.documents.services import pdf_export_record
    from portal.documents.views import _pdf_response, _unavailable

    meeting = get_object_or_404(
        ServiceMeeting.objects.select_related("client__care_manager__user", "plan"), pk=meeting_id
    )
    client = meeting.client
    author = (
        meeting.plan.author_name
        if meeting.plan and meeting.plan.author_name
        else client.care_manager.name
        if client.care_manager
        else request.membership.name
    )
    try:
        pdf = services.service_meeting_pdf(meeting=meeting, author_name=author)
    except JapaneseFontMissing as error:
        return _unavailable(
            request, str(error), status=503, back=reverse("casework:meeting_list", kwargs={"client_id": client.pk})
        )
    pdf_export_record(
        office=request.office,
        actor=request.membership,
        kind="service_meeting",
        client=client,
        detail={"meeting_id": meeting.pk},
    )
    return _pdf_response(
        pdf, f"service-meeting-{meeting.pk}-{meeting.held_on:%Y%m%d}.pdf", inline=request.GET.get("inline") == "1"
    )
