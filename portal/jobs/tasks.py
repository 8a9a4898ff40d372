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
