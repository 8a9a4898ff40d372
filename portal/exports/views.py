"""データの書き出し (office admin): start an export, watch it, download it once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.core.forms import single_submit
from portal.exports import services
from portal.exports.jobs import EXPORT_JOB_KIND
from portal.exports.models import DataExport
from portal.offices.permissions import admin_required


def _with_jobs(exports):
    from portal.jobs.models import Job

    jobs = {j.subject_id: j for j in Job.objects.filter(kind=EXPORT_JOB_KIND, subject_id__in=[e.pk for e in exports])}
    for export in exports:
        export.bg_job = jobs.get(export.pk)
    return exports


@admin_required
def export_page(request):
    exports = _with_jobs(list(DataExport.objects.select_related("requested_by", "downloaded_by")[:10]))
    busy = any(e.bg_job and not e.bg_job.is_finished for e in exports)
    template = "exports/_list.html" if request.headers.get("HX-Request") else "exports/page.html"
    return render(request, template, {"exports": exports, "busy": busy})


@admin_required
@require_POST
@single_submit
def export_start(request):
    export, created = services.export_request(office=request.office, user=request.user)
    if created:
        messages.success(
            request, "データの書き出しを始めました。できあがるとこのページからダウンロードできます（1回だけ）。"
        )
    else:
        messages.info(request, "書き出しはすでに作成中です。できあがるまでお待ちください。")
    return redirect("exports:page")


@admin_required
def export_download(request, export_id: int):
    export = get_object_or_404(DataExport.objects.select_related("office"), pk=export_id)
    if export.downloaded_at is not None:
        raise Http404("この書き出しはすでにダウンロードされています。もう一度書き出してください。")
    if not export.file or not services.export_download(export=export, user=request.user, membership=request.membership):
        raise Http404("書き出しはまだできていません。")
    with export.file.open("rb") as handle:
        data = handle.read()
    export.file.delete(save=False)  # downloadable once: nothing of it stays on the server
    DataExport.objects.filter(pk=export.pk).update(file="")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.download_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
