"""The PDF of a kept file: ask the worker to render it, watch it, download it (portal.claims.file_pdf)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.claims.file_pdf import file_pdf_job, file_pdf_name, file_pdf_ready, file_pdf_request
from portal.claims.models import TransmissionFile
from portal.offices.permissions import care_office_required


def _file(request, file_id: int) -> TransmissionFile:
    return get_object_or_404(TransmissionFile.objects.select_related("office"), pk=file_id, office=request.office)


def _page_url(file: TransmissionFile, back: str = "") -> str:
    """The page the link sits on: the one it was pressed on (月次の締め / 居宅介護支援費), else by data type."""
    if back not in ("close", "kyotaku"):
        back = "kyotaku" if file.data_type == "711" else "close"
    name = f"claims:{back}"
    return reverse(name) + f"?month={file.month:%Y-%m}#file-{file.pk}"


def _fragment(request, file: TransmissionFile):
    file.pdf_job = file_pdf_job(file)
    return render(request, "claims/_file_pdf.html", {"f": file})


@care_office_required
def file_pdf(request, file_id: int):
    """The stored PDF; if it is not there (yet), back to the page that can make it."""
    file = _file(request, file_id)
    if not file_pdf_ready(file):
        messages.info(request, "PDFはまだできていません。「PDFを作成」を押すと作成を始めます。")
        return redirect(_page_url(file))
    return FileResponse(
        file.pdf.open("rb"), content_type="application/pdf", as_attachment=True, filename=file_pdf_name(file)
    )


@care_office_required
@require_POST
def file_pdf_create(request, file_id: int):
    """Queue the rendering (one job however often it is asked for)."""
    file = _file(request, file_id)
    file_pdf_request(file=file, user=request.user)
    if request.headers.get("HX-Request"):
        return _fragment(request, file)
    return redirect(_page_url(file, request.POST.get("back", "")))


@care_office_required
def file_pdf_state(request, file_id: int):
    """The link's cell: 「PDFを作成中…」 and the job's progress, then the download (polled by htmx)."""
    return _fragment(request, _file(request, file_id))
