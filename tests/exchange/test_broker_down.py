"""A broker that is down at send time loses nothing: the package and the job stay in the database,
the page answers normally, and says honestly that sending waits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linkage.exchange.models import Package, PackageStatus, SendBatch
from portal.jobs import services as job_services
from portal.jobs.models import Job, JobStatus
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.world import make_world
from tests.forms import page_url, submit
from tests.hub.process import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    from config.celery import app

    old = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.task_always_eager = old
    app._pool = None
    app.amqp._producer_pool = None


def test_sending_while_the_broker_is_down_keeps_the_packages_and_says_they_wait(
    trusted_ca, broker_down, django_capture_on_commit_callbacks
):
    cm, providers = make_world(trusted_ca, clients=1)
    web = login_client(cm.admin)
    with django_capture_on_commit_callbacks(execute=True):
        preview = submit(web, "/exchange/send/month/?month=2026-04", button="送信内容を確認")
        response = submit(web, page_url(preview), button="連携基盤で送信する", response=preview)
    assert response.status_code == 302
    with office_scope(cm.office):
        batch = SendBatch.objects.get()
        assert {p.status for p in Package.objects.filter(batch=batch)} == {PackageStatus.QUEUED}
        Package.objects.filter(batch=batch).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    page = web.get(response["Location"]).content.decode()
    assert "送信待ちのまま5分たっています" in page and "処理が再開すると自動で送られます" in page


def test_a_job_queued_while_the_broker_is_down_stays_queued_for_the_sweep(office, django_capture_on_commit_callbacks):
    with office_scope(office), django_capture_on_commit_callbacks(execute=True):
        job = job_services.job_create(office=office, kind="exchange.inbox_sync")
    with office_scope(office):
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
