"""The sweep sends a waiting job's message again, but not every minute: while no worker runs, each
copy stays in the broker, and a sweep a minute used to pile up one more copy per job per minute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.jobs import services
from portal.jobs.models import Job, JobStatus
from portal.offices.tenancy import office_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_queue():
    """The real broker's default queue (Redis list ``celery``), emptied before the test."""
    from config.celery import app

    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("celery")
        yield lambda: client.llen("celery")
        client.delete("celery")


def _reload(job) -> Job:
    with office_scope(job.office_id):
        return Job.objects.get(pk=job.pk)


def test_a_waiting_job_is_sent_again_only_after_the_resend_interval(office, settings, broker_queue):
    settings.RENKEI_JOB_RESEND_SECONDS = 300
    with office_scope(office):
        job = Job.objects.create(
            office=office, kind="documents.batch", subject_id=1, due_at=timezone.now() - dt.timedelta(minutes=2)
        )
        assert broker_queue() == 0
        assert services.jobs_sweep(office=office) == 1  # never sent (the broker was down at first)
        sent_at = _reload(job).last_sent_at
        assert sent_at is not None and broker_queue() == 1
        for _ in range(5):  # five more sweeps, a minute apart, and still no worker
            assert services.jobs_sweep(office=office) == 0
        assert broker_queue() == 1 and _reload(job).requeued == 1

        Job.objects.filter(pk=job.pk).update(last_sent_at=sent_at - dt.timedelta(seconds=301))
        assert services.jobs_sweep(office=office) == 1  # five minutes on: perhaps it was lost, send again
        assert broker_queue() == 2 and _reload(job).requeued == 2 and _reload(job).status == JobStatus.QUEUED


def test_a_job_sent_when_created_is_not_sent_again_by_the_next_sweep(
    office, owner, broker_queue, django_capture_on_commit_callbacks
):
    with office_scope(office), django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(office=office, kind="documents.batch", subject_id=1, user=owner.user)
    assert broker_queue() == 1 and _reload(job).last_sent_at is not None
    with office_scope(office):
        Job.objects.filter(pk=job.pk).update(due_at=timezone.now() - dt.timedelta(minutes=2))
        assert services.jobs_sweep(office=office) == 0
    assert broker_queue() == 1
