"""The paper of a kept transmission file, rendered by the worker and stored with the file.

A kept ``TransmissionFile`` never changes, so its PDF (介護給付費請求書 + 居宅介護支援介護給付費明細書
for 711, the 給付管理票 it carries for 821) is rendered once in the worker through the shared job
mechanism (``portal.jobs``: heartbeat, deadline, sweep, 「もう一度」) and served again as is. It is
rendered again only if it is missing. The stored PDF goes when its file is deleted.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from portal.claims.models import ActualConfirmation, CareManagerNumber, TransmissionFile

logger = logging.getLogger(__name__)

FILE_PDF_JOB_KIND = "claims.file_pdf"


def file_pdf_render(file: TransmissionFile) -> bytes:
    """The PDF of ``file`` (what the page used to render inside the request)."""
    from portal.claims.views import _statement_context
    from portal.clients.models import CareLevel
    from portal.documents.render import render_pdf

    if file.data_type == "711":
        from portal.claims.paper import claim_paper

        return render_pdf(
            "claims/claim_pdf.html",
            {
                "file": file,
                "paper": claim_paper(file),
                "office": file.office,
                "care_levels": [(c.value, c.label) for c in CareLevel if c.value.startswith("2")],
            },
        )
    confirmations = (
        ActualConfirmation.objects.filter(office=file.office, file=file)
        .select_related("client__care_manager", "file", "office")
        .order_by("client__insurer_number", "client__insured_number")
    )
    numbers = dict(CareManagerNumber.objects.filter(office=file.office).values_list("membership_id", "number"))
    return render_pdf(
        "claims/statements_pdf.html", {"sheets": [_statement_context(c, numbers) for c in confirmations], "file": file}
    )


def file_pdf_name(file: TransmissionFile) -> str:
    """The download name: month and id only, no personal data."""
    stem = "kyufuhi-seikyu" if file.data_type == "711" else "kyufukanri"
    return f"{stem}-{file.month:%Y%m}-{file.pk}.pdf"


def file_pdf_ready(file: TransmissionFile) -> bool:
    return bool(file.pdf) and file.pdf.storage.exists(file.pdf.name)


def file_pdf_job(file: TransmissionFile):
    """The newest job that renders this file's PDF (current office scope), or None."""
    from portal.jobs.services import job_for

    return job_for(kind=FILE_PDF_JOB_KIND, subject_id=file.pk)


def file_pdf_jobs_attach(files: list[TransmissionFile]) -> list[TransmissionFile]:
    """Set ``pdf_job`` (the newest rendering job, or None) on each file, in one query."""
    from portal.jobs.models import Job

    newest = {}
    for job in Job.objects.filter(kind=FILE_PDF_JOB_KIND, subject_id__in=[f.pk for f in files]).order_by("pk"):
        newest[job.subject_id] = job
    for f in files:
        f.pdf_job = newest.get(f.pk)
    return files


def file_pdf_request(*, file: TransmissionFile, user=None):
    """Queue the rendering of ``file``'s PDF unless it is stored already; asking twice makes one job.
    Returns the job (None if the PDF is there)."""
    from portal.jobs.services import job_create

    if file_pdf_ready(file):
        return None
    return job_create(
        office=file.office, kind=FILE_PDF_JOB_KIND, subject_id=file.pk, user=user, total=file.client_count, unique=True
    )


def file_pdf_store(*, file_id: int, job=None) -> None:
    """The worker's part: render and store the PDF of one kept file (skipped if it is there)."""
    from portal.jobs.services import job_progress

    file = TransmissionFile.objects.select_related("office").filter(pk=file_id).first()
    if file is None or file_pdf_ready(file):
        return
    if job is not None:
        job_progress(job, done=0, total=file.client_count)
    pdf = file_pdf_render(file)
    old = file.pdf.name if file.pdf else ""
    file.pdf.save(f"file-{file.pk}.pdf", ContentFile(pdf), save=False)
    TransmissionFile.objects.filter(pk=file.pk).update(pdf=file.pdf.name)
    if old and old != file.pdf.name:
        file.pdf.storage.delete(old)
    if job is not None:
        job_progress(job, done=file.client_count)
    logger.info("transmission file %s: PDF stored (%s bytes)", file.pk, len(pdf))


@receiver(post_delete, sender=TransmissionFile, dispatch_uid="claims-file-pdf-delete")
def _delete_stored_pdf(sender, instance: TransmissionFile, **kwargs) -> None:
    """A deleted file (or month, or office) takes its stored PDF with it, once the deletion commits."""
    if instance.pdf:
        name, storage = instance.pdf.name, instance.pdf.storage
        transaction.on_commit(lambda: storage.delete(name))
