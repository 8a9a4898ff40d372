"""Today's hang, reproduced with real processes (PostgreSQL + a dedicated redis-server + Celery
worker and beat): a PDF batch is queued, the worker is SIGKILLed while rendering it, another
worker starts — and the batch must finish on its own, while the health checks see the worker
go and come back.

Before portal.jobs the batch stayed 「作成中」 (its row was "running" and only a 15-minute
staleness rule could free it; the broker message was unacked until Redis' visibility timeout of
an hour), and nothing told the user or the operator that no worker was running.
"""

from __future__ import annotations

import pytest

from portal.documents import services
from portal.documents.models import DocumentJob, JobStatus
from portal.jobs import services as job_services
from portal.jobs.models import Job
from portal.offices.tenancy import office_scope
from tests.documents.conftest import MONTH, make_client, make_schedule
from tests.jobs.live import live_worker, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live(settings, tmp_path):
    with live_worker(settings, tmp_path) as live:
        yield live


def _batch(office_id, pk):
    with office_scope(office_id):
        return DocumentJob.objects.get(pk=pk)


def test_batch_finishes_after_the_worker_is_killed_mid_render(live, office, member):
    with office_scope(office):
        for i in range(24):
            make_schedule(
                make_client(office, care_manager=member, insured=f"{i + 1:010d}", kana=("ヤマダ", f"タロウ{i:02d}"))
            )
        batch = services.document_job_create(office=office, user=member.user, month=MONTH)
    assert job_services.background_stopped()  # no worker has ever been seen: the banner says so

    live.worker.start()
    wait_until(job_services.workers_alive, 60)
    assert not job_services.background_stopped()
    wait_until(lambda: _batch(office.pk, batch.pk).done >= 2, 120)
    live.worker.kill()
    killed_at = _batch(office.pk, batch.pk)
    assert killed_at.status == JobStatus.RUNNING and killed_at.done < killed_at.total  # killed mid-render

    wait_until(job_services.background_stopped, 30)  # the worker's heartbeat stopped: banner
    live.worker.start()
    wait_until(lambda: _batch(office.pk, batch.pk).status == JobStatus.DONE, 240, 0.5)
    done = _batch(office.pk, batch.pk)
    with office_scope(office):
        job = Job.objects.get(subject_id=batch.pk)
    assert done.file and done.total == 48 and done.page_count == 2 * 48  # 24 利用者 × 2 providers, 提供票 + 別表
    assert job.status == "done" and job.attempts == 2 and job.requeued >= 1  # taken over after the kill
    assert not job_services.background_stopped()
