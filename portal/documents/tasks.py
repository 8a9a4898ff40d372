"""Celery tasks of the documents app: thin — take primary keys, enter the office scope, call the service."""

from __future__ import annotations

from celery import shared_task

from portal.offices.tenancy import office_scope


@shared_task(name="documents.render_document_job", acks_late=True)
def render_document_job(job_id: int, office_id: int) -> None:
    """Render a ``DocumentJob`` (idempotent: a job already running or finished is left alone)."""
    from portal.documents.services import document_job_run

    with office_scope(office_id):
        document_job_run(job_id=job_id)
