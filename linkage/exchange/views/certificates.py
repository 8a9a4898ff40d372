"""Certificate pages: upload (with its details) and 失効 of the office's electronic certificates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linkage.exchange import certificates
from linkage.exchange.forms import CertificateUploadForm
from linkage.exchange.models import OfficeCertificate
from portal.core.forms import apply_validation_error, single_submit
from portal.core.wareki import wareki_date
from portal.offices.permissions import admin_required


@admin_required
@single_submit
def certificate_list(request):
    form = CertificateUploadForm(request.POST, request.FILES) if request.method == "POST" else CertificateUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            record = certificates.certificate_upload(
                office=request.office,
                uploaded_by=request.user,
                data=form.cleaned_data["file"].read(),
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"電子証明書を登録しました（有効期限 {wareki_date(record.not_after)}）。")
            return redirect("exchange:certificates")
    records = OfficeCertificate.objects.filter(office=request.office).select_related("uploaded_by")
    return render(request, "exchange/certificates.html", {"form": form, "records": records})


@admin_required
@require_POST
@single_submit
def certificate_revoke(request, certificate_id):
    """失効: revoke one of the office's certificates at the hub and here (irreversible; needs the tick)."""
    record = get_object_or_404(OfficeCertificate, pk=certificate_id, office=request.office)
    if request.POST.get("confirm") != "1":
        messages.error(
            request,
            "失効させるには「この証明書を失効させます（元に戻せません）」にチェックを入れてください。何も変更していません。",
        )
        return redirect("exchange:certificates")
    try:
        certificates.certificate_revoke(office=request.office, record=record, actor=request.membership)
    except certificates.RevocationFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "電子証明書を失効させました。この証明書ではもう送信・受信できません。"
            + ("新しい証明書を登録してください。" if certificates.active_certificate(request.office) is None else ""),
        )
    return redirect("exchange:certificates")
