"""The documents app's background job kind (see portal.jobs.registry)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from portal.jobs.registry import JobFailed, register


def _failed(job) -> None:
    from portal.documents.batch import discard_parts
    from portal.documents.models import DocumentJob, JobStatus

    DocumentJob.objects.filter(pk=job.subject_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=job.error, finished_at=timezone.now()
    )
    batch = DocumentJob.objects.filter(pk=job.subject_id).first()
    if batch is not None:
        discard_parts(batch)  # nothing half-made stays on the disk; 「もう一度」 starts afresh


def _retry(job) -> None:
    from portal.documents.models import DocumentJob, JobStatus

    DocumentJob.objects.filter(pk=job.subject_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.QUEUED, error="", done=0, finished_at=None
    )


def _url(job) -> str:
    return reverse("documents:job_detail", kwargs={"job_id": job.subject_id})


@register(
    "documents.batch",
    label="サービス提供票の一括作成",
    deadline=120,
    on_failed=_failed,
    on_retry=_retry,
    detail_url=_url,
)
def render_batch(job) -> None:
    from portal.documents.models import DocumentJob, JobStatus
    from portal.documents.services import document_job_run

    document_job_run(job_id=job.subject_id, reclaim=True, raise_errors=True)
    batch = DocumentJob.objects.filter(pk=job.subject_id).only("status", "error").first()
    if batch is not None and batch.status == JobStatus.FAILED:
        raise JobFailed(batch.error)
