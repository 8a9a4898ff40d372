"""Views of the care manager's own records: thin, services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.casework import services
from portal.casework.forms import SupportLogEntryForm, SupportLogFilterForm
from portal.casework.models import ContactKind, SupportLogEntry
from portal.clients.models import Client
from portal.core.forms import single_submit
from portal.offices.permissions import care_office_required


def _filters(request):
    form = SupportLogFilterForm(request.GET or None)
    values = {}
    if form.is_bound and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v}
    return form, values


@care_office_required
@single_submit
def support_log(request, client_id: int):
    """第5表 居宅介護支援経過 of one 利用者: the entry form on top, the log (filtered) below."""
    client = get_object_or_404(Client, pk=client_id)
    form = SupportLogEntryForm(request.POST or None, prefix="log")
    if request.method == "POST" and form.is_valid():
        services.support_log_create(office=request.office, client=client, author=request.membership,
                                    data=form.cleaned_data)
        messages.success(request, "支援経過を記録しました。")
        return redirect(request.POST.get("next") or request.get_full_path())
    filter_form, values = _filters(request)
    entries = list(services.support_log_filter(client=client, **values).reverse())
    return render(request, "casework/support_log.html", {
        "client": client, "form": form, "filter_form": filter_form, "entries": entries,
        "filtered": bool(values), "query": request.GET.urlencode(),
    }, status=422 if request.method == "POST" else 200)


@care_office_required
@single_submit
def support_log_edit(request, entry_id: int):
    entry = get_object_or_404(SupportLogEntry.objects.select_related("client"), pk=entry_id)
    form = SupportLogEntryForm(request.POST or None, instance=entry, prefix="log")
    if request.method == "POST" and form.is_valid():
        services.support_log_update(entry=entry, data=form.cleaned_data)
        messages.success(request, "支援経過を更新しました。")
        return redirect("casework:support_log", client_id=entry.client_id)
    return render(request, "casework/support_log_edit.html", {"entry": entry, "client": entry.client,
                                                               "form": form})


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
        pdf = services.support_log_pdf(client=client, entries=entries, author_name=author,
                                       created_on=timezone.localdate(),
                                       period=(values.get("date_from"), values.get("date_to")))
    except JapaneseFontMissing as error:
        return _unavailable(request, str(error), back=back, status=503)
    pdf_export_record(office=request.office, actor=request.membership, kind="support_log", client=client,
                      detail={"entries": entries.count()})
    return _pdf_response(pdf, f"support-log-{client.pk}-{timezone.localdate():%Y%m%d}.pdf",
                         inline=request.GET.get("inline") == "1")
