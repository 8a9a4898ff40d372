"""Celery tasks of the job mechanism: thin — take ids, enter the office scope, call the service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scope


@shared_task(name="jobs.run", acks_late=True)
def run_job(office_id: int, job_id: int) -> str:
    from portal.jobs.services import job_run

    with office_scope(office_id):
        return job_run(job_id=job_id)


@shared_task(name="jobs.sweep")
def sweep_jobs() -> int:
    """Beat: re-queue lost jobs of every office; forget processes not seen for a week."""
    from portal.jobs.models import ProcessHeartbeat
    from portal.jobs.services import jobs_sweep

    count = 0
    for office_id in Office.objects.values_list("pk", flat=True):
        with office_scope(office_id):
            count += jobs_sweep(office=Office(pk=office_id))
    ProcessHeartbeat.objects.filter(last_seen__lt=timezone.now() - dt.timedelta(days=7)).delete()
    return count


@shared_task(name="jobs.cleanup")
def cleanup_files() -> dict:
    """Beat (every 6 h): old batch PDFs and undownloaded exports are deleted; finished jobs older
    than 90 days are forgotten. Nothing personal outlives its purpose on disk."""
    from django.conf import settings

    from portal.documents.cache import sheet_pdfs_cleanup
    from portal.documents.services import document_files_cleanup
    from portal.exports.services import export_files_cleanup
    from portal.jobs.models import Job, JobStatus

    totals = {"batch_pdfs": 0, "exports": 0, "jobs": 0, "sheet_pdfs": 0}
    for office_id in Office.objects.values_list("pk", flat=True):
        with office_scope(office_id):
            totals["batch_pdfs"] += document_files_cleanup(older_than=dt.timedelta(days=settings.RENKEI_BATCH_PDF_DAYS))
            totals["sheet_pdfs"] += sheet_pdfs_cleanup(unused_for=dt.timedelta(days=settings.RENKEI_PDF_CACHE_DAYS))
            totals["exports"] += export_files_cleanup(older_than=dt.timedelta(days=settings.RENKEI_EXPORT_KEEP_DAYS))
            totals["jobs"] += Job.objects.filter(
                status__in=(JobStatus.DONE, JobStatus.FAILED), finished_at__lt=timezone.now() - dt.timedelta(days=90)
            ).delete()[0]
    return totals
