"""The claims app's background job kind (see portal.jobs.registry)."""

from __future__ import annotations

from django.urls import reverse

from portal.jobs.registry import JobFailed, register


def _url(job) -> str:
    from portal.claims.models import TransmissionFile

    file = TransmissionFile.objects.filter(pk=job.subject_id).only("month", "data_type").first()
    if file is None:
        return reverse("claims:close")
    name = "claims:kyotaku" if file.data_type == "711" else "claims:close"
    return reverse(name) + f"?month={file.month:%Y-%m}"


@register("claims.file_pdf", label="請求書・明細書／給付管理票のPDF作成", deadline=120, detail_url=_url)
def render_file_pdf(job) -> None:
    from portal.claims.file_pdf import file_pdf_store
    from portal.claims.models import TransmissionFile

    if not TransmissionFile.objects.filter(pk=job.subject_id).exists():
        raise JobFailed("このファイルは削除されたため、PDFを作成できません。")
    file_pdf_store(file_id=job.subject_id, job=job)
