"""Pages of the exchange: certificates, the CSV check, sending, inbox (thin views; writes in services)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from linkage.exchange import certificates
from linkage.exchange.forms import CertificateUploadForm, CsvFilesForm
from linkage.exchange.models import OfficeCertificate
from portal.core.forms import single_submit
from portal.offices.permissions import admin_required, office_required


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)


# --------------------------------------------------------------------------- certificates


@admin_required
@single_submit
def certificate_list(request):
    form = CertificateUploadForm(request.POST, request.FILES) if request.method == "POST" else CertificateUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            record = certificates.certificate_upload(
                office=request.office, uploaded_by=request.user,
                data=form.cleaned_data["file"].read(), password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"電子証明書を登録しました（有効期限 {record.not_after:%Y年%m月%d日}）。")
            return redirect("exchange:certificates")
    records = OfficeCertificate.objects.filter(office=request.office).select_related("uploaded_by")
    return render(request, "exchange/certificates.html", {"form": form, "records": records})


# --------------------------------------------------------------------------- CSV check


@office_required
def csv_check(request):
    """標準仕様CSVチェック: validate dropped files and show the findings; nothing is stored."""
    from linkage.exchange.checking import check_uploaded

    form = CsvFilesForm(request.POST, request.FILES) if request.method == "POST" else CsvFilesForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = check_uploaded([(f.name, f.read()) for f in form.cleaned_data["files"]])
    return render(request, "exchange/check.html", {"form": form, "result": result})
