"""同意 pages: list, record, detail, revoke and the stored consent document."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.offices.permissions import office_required
from portal.partners import services
from portal.partners.forms import ConsentFilterForm, ConsentForm, ConsentRevokeForm
from portal.partners.models import AuditAction, Consent, Partnership


@office_required
def consent_list(request):
    office = request.office
    form = ConsentFilterForm(request.GET or None, office=office)
    consents = Consent.objects.filter(office=office).select_related("client", "partnership__partner_office")
    selected_client = None
    if form.is_valid():
        data = form.cleaned_data
        if data.get("client"):
            selected_client = data["client"]
            consents = consents.filter(client=selected_client)
        if data.get("partnership"):
            consents = consents.filter(partnership=data["partnership"])
        today = timezone.localdate()
        if data.get("status") == "active":
            consents = consents.active(today)
        elif data.get("status") == "revoked":
            consents = consents.filter(revoked_on__lte=today)
    consents = consents.order_by(
        "client__family_name_kana", "client__given_name_kana", "partnership__partner_name", "-obtained_on", "-pk"
    )
    page = Paginator(consents, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/consent_list.html",
        {
            "form": form,
            "page": page,
            "selected_client": selected_client,
            "query": query.urlencode(),
        },
    )


@office_required
@single_submit
def consent_create(request):
    office = request.office
    initial = {"obtained_on": timezone.localdate(), "obtained_by": request.membership.pk}
    for key in ("client", "partnership"):
        value = request.GET.get(key, "")
        if value.isdigit():
            initial[key] = int(value)
    form = ConsentForm(request.POST or None, request.FILES or None, office=office, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_record(
                office=office,
                membership=request.membership,
                client=data["client"],
                partnership=data["partnership"],
                obtained_on=data["obtained_on"],
                obtained_by=data["obtained_by"],
                method=data["method"],
                scopes=data["scopes"],
                document=data.get("document") or None,
                note=data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, f"{consent.client.full_name}さんの{consent.partnership.display_name}への同意を記録しました。"
            )
            return redirect("partners:consent_detail", consent_id=consent.pk)
    has_partners = Partnership.objects.filter(office=office, ended_at__isnull=True).exists()
    return render(
        request,
        "partners/consent_form.html",
        {"form": form, "has_partners": has_partners},
        status=400 if form.is_bound and form.errors else 200,
    )


@office_required
def consent_detail(request, consent_id):
    return _render_consent(request, consent_id)


def _render_consent(request, consent_id, revoke_form=None):
    consent = get_object_or_404(
        Consent.objects.select_related("client", "partnership__partner_office", "obtained_by__user"), pk=consent_id
    )
    return render(
        request,
        "partners/consent_detail.html",
        {
            "consent": consent,
            "revoke_form": revoke_form or ConsentRevokeForm(),
            "today": timezone.localdate(),
        },
        status=400 if revoke_form is not None else 200,
    )


@office_required
@require_POST
@single_submit
def consent_revoke(request, consent_id):
    consent = get_object_or_404(Consent.objects.select_related("client", "partnership"), pk=consent_id)
    form = ConsentRevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(
                consent=consent,
                membership=request.membership,
                revoked_on=form.cleaned_data["revoked_on"],
                reason=form.cleaned_data["revocation_reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                f"{consent.client.full_name}さんの{consent.partnership.display_name}への同意を撤回しました。"
                "撤回日以降、この連携先にはこの利用者の情報を送信できません。",
            )
            return redirect("partners:consent_detail", consent_id=consent.pk)
    return _render_consent(request, consent_id, revoke_form=form)


@office_required
def consent_document(request, consent_id):
    consent = get_object_or_404(Consent.objects.select_related("partnership"), pk=consent_id)
    if not consent.document:
        raise Http404("この同意には同意書のスキャンがありません。")
    try:
        handle = consent.document.open("rb")
    except FileNotFoundError:
        raise Http404("同意書のファイルが見つかりません。")
    services.audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.DOCUMENT_VIEWED,
        client=consent.client_id,
        partner_office_number=consent.partnership.partner_office_number,
        detail={"consent_id": consent.pk},
    )
    extension = ".pdf" if consent.document_type == "application/pdf" else ".jpg"
    response = FileResponse(
        handle,
        content_type=consent.document_type or "application/octet-stream",
        as_attachment=request.GET.get("download") == "1",
        filename=f"consent-{consent.pk}{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
