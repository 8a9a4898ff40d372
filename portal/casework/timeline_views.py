"""利用者のタイムライン (page and PDF) and adding a known event to the 支援経過 with one click."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.casework import timeline
from portal.clients.models import Client
from portal.core.forms import WarekiDateField, single_submit
from portal.offices.permissions import care_office_required


class TimelineFilterForm(forms.Form):
    date_from = WarekiDateField(label="期間（から）", required=False)
    date_to = WarekiDateField(label="期間（まで）", required=False)
    kinds = forms.MultipleChoiceField(
        label="記録の種類", required=False, choices=list(timeline.KINDS.items()), widget=forms.CheckboxSelectMultiple
    )
    order = forms.ChoiceField(label="並び順", required=False, choices=[("desc", "新しい順"), ("asc", "古い順")])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("期間の「から」が「まで」より後になっています。")
        return data


def _filtered(request, client):
    form = TimelineFilterForm(request.GET or None)
    values = {}
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
    events = timeline.client_events(
        client=client,
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        kinds=set(values.get("kinds") or []) or None,
    )
    return form, values, events


@care_office_required
def client_timeline(request, client_id: int):
    client = get_object_or_404(Client, pk=client_id)
    form, values, events = _filtered(request, client)
    logged = timeline.logged_sources(client=client)
    for event in events:
        event.logged = event.source in logged
    if values.get("order") != "asc":
        events.reverse()
    return render(
        request,
        "casework/timeline.html",
        {
            "client": client,
            "form": form,
            "events": events,
            "query": request.GET.urlencode(),
            "filtered": any(values.get(k) for k in ("date_from", "date_to", "kinds")),
        },
    )


@care_office_required
def client_timeline_pdf(request, client_id: int):
    from portal.documents.render import JapaneseFontMissing, render_pdf
    from portal.documents.services import pdf_export_record
    from portal.documents.views import _pdf_response, _unavailable

    client = get_object_or_404(Client.objects.select_related("care_manager__user"), pk=client_id)
    form, values, events = _filtered(request, client)
    back = reverse("casework:timeline", kwargs={"client_id": client.pk}) + f"?{request.GET.urlencode()}"
    if form.is_bound and not form.is_valid():
        return _unavailable(request, "期間の指定に誤りがあります。タイムラインの画面で直してください。", back=back)
    if not events:
        return _unavailable(request, "この期間の記録はありません。", back=back)
    author = client.care_manager.name if client.care_manager else request.membership.name
    try:
        pdf = render_pdf(
            "casework/timeline_pdf.html",
            {
                "client": client,
                "events": events,
                "author_name": author,
                "created_on": timezone.localdate(),
                "period": (values.get("date_from"), values.get("date_to")),
                "kinds": [timeline.KINDS[k] for k in values.get("kinds") or []],
            },
        )
    except JapaneseFontMissing as error:
        return _unavailable(request, str(error), back=back, status=503)
    pdf_export_record(
        office=request.office, actor=request.membership, kind="timeline", client=client, detail={"events": len(events)}
    )
    return _pdf_response(
        pdf, f"timeline-{client.pk}-{timezone.localdate():%Y%m%d}.pdf", inline=request.GET.get("inline") == "1"
    )


@care_office_required
@require_POST
@single_submit
def log_event(request, client_id: int):
    """Add one known event to the 支援経過 (only on the care manager's click; each event once)."""
    from portal.casework.models import SupportLogEntry

    client = get_object_or_404(Client, pk=client_id)
    source = request.POST.get("source", "")
    event = timeline.event_by_source(client=client, source=source)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("casework:support_log", kwargs={"client_id": client.pk})
    if event is None:
        messages.error(
            request,
            "この出来事は見つかりませんでした（1年以上前のもの、または削除されたもの）。支援経過には記録していません。",
        )
        return redirect(target)
    try:
        with transaction.atomic():
            SupportLogEntry.objects.create(
                office=request.office,
                client=client,
                occurred_on=event.day,
                occurred_time=event.at.time().replace(second=0, microsecond=0) if event.at else None,
                kind=event.log_kind or "other",
                counterpart="",
                content=event.log_text,
                source=event.source,
                written_by=request.membership,
                updated_by_name=request.membership.name,
            )
    except IntegrityError:
        messages.info(request, "この出来事はすでに支援経過に記録されています。")
    else:
        messages.success(request, f"支援経過に記録しました: {event.title}")
    return redirect(target)


@care_office_required
@require_POST
def draft(request, client_id: int, kind: str):
    """Autosave of a half-written 支援経過 entry or モニタリング (the page's script retries until it arrives)."""
    from django.http import Http404, JsonResponse

    from portal.casework import drafts

    if kind not in drafts.KINDS:
        raise Http404
    client = get_object_or_404(Client, pk=client_id)
    data = {k: request.POST.getlist(k) for k in request.POST if k not in drafts.SKIP}
    saved = drafts.draft_save(office=request.office, author=request.user, client=client, kind=kind, data=data)
    return JsonResponse({"saved_at": timezone.localtime(saved.saved_at).strftime("%H:%M:%S")})
