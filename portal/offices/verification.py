"""事業所の本人確認: the office's request page, the contest page and the operator's review pages.

Operator pages run with scopes disabled through ``operator_required`` (non-staff: 404).
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.offices import services
from portal.offices.forms import (
    ClaimDecisionForm,
    OfficeNumberClaimForm,
    VerificationDecisionForm,
    VerificationRequestForm,
)
from portal.offices.models import (
    ClaimStatus,
    Office,
    OfficeNumberClaim,
    VerificationEvent,
    VerificationStatus,
)
from portal.offices.permissions import admin_required, operator_required


@admin_required
@single_submit
def verification(request):
    """The office's own 本人確認: status, how to apply, and its trail."""
    office = request.office
    form = VerificationRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not office.is_verified and form.is_valid():
        try:
            services.office_verification_request(
                office=office,
                user=request.user,
                method=form.cleaned_data["method"],
                document=form.cleaned_data["document"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, "本人確認を申請しました。運営者が確認すると、メールでお知らせします（通常2営業日以内）。"
            )
            return redirect("offices:verification")
    events = VerificationEvent.objects.filter(office=office).select_related("actor")[:50]
    return render(request, "offices/verification.html", {"form": form, "events": events, "office": office})


@login_required
@single_submit
def claim(request):
    """Contest a 事業所番号 that someone else has registered: the operator decides."""
    initial = {"office_number": request.GET.get("number", "")[:10]}
    form = OfficeNumberClaimForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.office_number_claim_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                "異議の申立てを受け付けました。運営者が事業所に確認し、結果をメールでお知らせします。"
                "それまでこの事業所番号のデータ連携は止まりません。",
            )
            return redirect("dashboard")
    mine = OfficeNumberClaim.objects.filter(claimant=request.user).order_by("-created_at")[:20]
    return render(request, "offices/claim.html", {"form": form, "claims": mine})


# --------------------------------------------------------------------------- operator


@operator_required
def operator_list(request):
    waiting = Office.objects.exclude(verification_status=VerificationStatus.VERIFIED).order_by(
        "-verification_requested_at", "office_number"
    )
    claims = OfficeNumberClaim.objects.filter(status=ClaimStatus.PENDING).select_related("office", "claimant")
    return render(request, "offices/operator/verifications.html", {"waiting": waiting, "claims": claims})


@operator_required
@single_submit
def operator_office(request, office_id):
    office = get_object_or_404(Office.objects.prefetch_related("service_kinds", "memberships__user"), pk=office_id)
    form = VerificationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                services.office_verify(office=office, operator=request.user)
                office.refresh_from_db()
                from portal.offices.certificates import has_active_certificate

                issued = has_active_certificate(office)
                messages.success(
                    request,
                    f"{office.name}を本人確認済みにしました。"
                    + (
                        "電子証明書を発行しました。"
                        if issued
                        else "電子証明書は発行されていません（発行用認証局の設定を確認してください）。"
                    ),
                )
                return redirect("offices:operator_verifications")
            if decision == "reject":
                services.office_verification_reject(
                    office=office, operator=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"{office.name}の本人確認を却下しました。理由は事業所に表示されます。")
                return redirect("offices:operator_verifications")
            form.add_error(None, "「承認する」か「却下する」を押してください。")
        except ValidationError as error:
            apply_validation_error(form, error)
    events = VerificationEvent.objects.filter(office=office).select_related("actor")[:100]
    claims = OfficeNumberClaim.objects.filter(office=office)
    return render(
        request,
        "offices/operator/verification.html",
        {"office": office, "form": form, "events": events, "claims": claims},
    )


@operator_required
@single_submit
def operator_claim(request, claim_id):
    claim = get_object_or_404(OfficeNumberClaim.objects.select_related("office", "claimant"), pk=claim_id)
    form = ClaimDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.office_number_claim_decide(
                claim=claim,
                operator=request.user,
                uphold=request.POST.get("decision") == "uphold",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "異議について判断しました。申立人と事業所の記録に残りました。")
            return redirect("offices:operator_verifications")
    return render(request, "offices/operator/claim.html", {"claim": claim, "form": form})


def _file(field):
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@operator_required
def operator_office_document(request, office_id):
    return _file(get_object_or_404(Office, pk=office_id).verification_document)


@operator_required
def operator_claim_document(request, claim_id):
    return _file(get_object_or_404(OfficeNumberClaim, pk=claim_id).document)


__all__ = [
    "verification",
    "claim",
    "operator_list",
    "operator_office",
    "operator_claim",
    "operator_office_document",
    "operator_claim_document",
    "require_POST",
]
