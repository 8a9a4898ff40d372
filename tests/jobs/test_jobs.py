"""The shared job mechanism: retries with a reason, the sweep, honest waiting, 「もう一度」,
the health banner and /healthz."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.documents.models import DocumentJob
from portal.documents.models import JobStatus as BatchStatus
from portal.jobs import services
from portal.jobs.models import Job, JobStatus, ProcessHeartbeat
from portal.jobs.registry import JobFailed, register
from portal.offices.tenancy import office_scope
from tests.forms import submit

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


@register("tests.flaky", label="テスト処理", deadline=60)
def _flaky(job):
    CALLS.append(job.attempts)
    if job.total == 99:
        raise JobFailed("テストの理由で作成できません。")
    if job.attempts <= job.done:  # ``done`` doubles as "fail this many times" in these tests
        raise ConnectionError("temporary")


@pytest.fixture
def eager():
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    CALLS.clear()
    yield
    app.conf.task_always_eager = previous


def _job(office, **values) -> Job:
    with office_scope(office):
        return Job.objects.create(office=office, kind="tests.flaky", **values)


def _reload(job) -> Job:
    with office_scope(job.office_id):
        return Job.objects.get(pk=job.pk)


def test_a_temporary_error_is_retried_and_then_succeeds(office, eager, django_capture_on_commit_callbacks):
    with office_scope(office), django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(office=office, kind="tests.flaky")
        Job.objects.filter(pk=job.pk).update(done=1)  # fail once
    job = _reload(job)
    assert CALLS == [1, 2] and job.status == JobStatus.DONE and job.attempts == 2 and not job.error


def test_a_job_that_fails_three_times_stops_and_says_why(office, eager):
    job = _job(office, done=5)
    with office_scope(office):
        services.job_run(job_id=job.pk)
    job = _reload(job)
    assert CALLS == [1, 2, 3]  # three attempts, then no more
    assert job.status == JobStatus.FAILED and "3回試しても完了しませんでした" in job.error and "もう一度" in job.error


def test_a_failure_with_a_reason_is_not_retried(office, eager):
    job = _job(office, total=99)
    with office_scope(office):
        services.job_run(job_id=job.pk)
    job = _reload(job)
    assert CALLS == [1] and job.status == JobStatus.FAILED and job.error == "テストの理由で作成できません。"


def test_the_sweep_sends_a_lost_message_again(office, eager):
    lost = _job(office, due_at=timezone.now() - dt.timedelta(minutes=5))
    fresh = _job(office)
    with office_scope(office):
        assert services.jobs_sweep(office=office) == 1
    assert _reload(lost).status == JobStatus.DONE and _reload(lost).requeued == 1
    assert _reload(fresh).status == JobStatus.QUEUED  # just queued: its message is still on its way


def test_the_sweep_takes_over_a_job_whose_worker_died(office, eager):
    old = timezone.now() - dt.timedelta(minutes=5)
    dead = _job(office, status=JobStatus.RUNNING, attempts=1, started_at=old, heartbeat_at=old)
    alive = _job(office, status=JobStatus.RUNNING, attempts=1, started_at=old, heartbeat_at=timezone.now())
    with office_scope(office):
        services.jobs_sweep(office=office)
    assert _reload(dead).status == JobStatus.DONE and _reload(dead).attempts == 2
    assert _reload(alive).status == JobStatus.RUNNING  # its worker is still beating: left alone
    # a fresh heartbeat also stops a second worker from taking it (the message was sent twice)
    with office_scope(office):
        assert services.job_run(job_id=alive.pk) == "skipped"


def _failed_batch(office, owner, *, attempts=3):
    with office_scope(office):
        batch = DocumentJob.objects.create(
            office=office,
            created_by=owner.user,
            month=dt.date(2026, 11, 1),
            status=BatchStatus.RUNNING,
            total=4,
            done=2,
        )
        old = timezone.now() - dt.timedelta(minutes=5)
        job = Job.objects.create(
            office=office,
            kind="documents.batch",
            subject_id=batch.pk,
            status=JobStatus.RUNNING,
            attempts=attempts,
            started_at=old,
            heartbeat_at=old,
            total=4,
        )
        services.jobs_sweep(office=office)
        batch.refresh_from_db()
    return batch, _reload(job)


def test_a_batch_whose_worker_died_three_times_fails_with_a_retry_button(
    office, owner, owner_client, django_capture_on_commit_callbacks
):
    batch, job = _failed_batch(office, owner)
    assert job.status == JobStatus.FAILED and batch.status == BatchStatus.FAILED
    url = reverse("documents:job_detail", kwargs={"job_id": batch.pk})
    page = owner_client.get(url).content.decode()
    assert "3回続けて止まったため、中止しました" in page and "もう一度" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = submit(owner_client, url, button="もう一度")
    assert response.status_code == 302 and response["Location"] == url and len(queued) == 1
    batch.refresh_from_db()
    job = _reload(job)
    assert job.status == JobStatus.QUEUED and job.attempts == 0 and not job.error
    assert batch.status == BatchStatus.QUEUED and batch.done == 0
    assert "もう一度始めました" in owner_client.get(url).content.decode()


def test_a_job_still_queued_after_its_deadline_says_so(office, owner, owner_client):
    with office_scope(office):
        batch = DocumentJob.objects.create(office=office, created_by=owner.user, month=dt.date(2026, 11, 1), total=4)
        job = Job.objects.create(office=office, kind="documents.batch", subject_id=batch.pk, total=4)
    url = reverse("documents:job_detail", kwargs={"job_id": batch.pk})
    assert "予定の時刻を過ぎても" not in owner_client.get(url).content.decode()
    with office_scope(office):
        Job.objects.filter(pk=job.pk).update(due_at=timezone.now() - dt.timedelta(minutes=10))
    page = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()  # the polled fragment
    assert "予定の時刻を過ぎても処理が始まっていません（10分待っています）" in page


BANNER = "バックグラウンド処理が止まっています。運営者に連絡してください"


def test_worker_pages_show_the_banner_until_a_worker_is_seen(owner_client):
    documents = reverse("documents:list")
    assert BANNER in owner_client.get(documents).content.decode()
    assert BANNER not in owner_client.get(reverse("clients:list")).content.decode()  # needs no worker
    ProcessHeartbeat.objects.create(name="worker test:1", role="worker")
    assert BANNER not in owner_client.get(documents).content.decode()
    ProcessHeartbeat.objects.filter(role="worker").update(last_seen=timezone.now() - dt.timedelta(seconds=61))
    assert BANNER in owner_client.get(documents).content.decode()
    fragment = owner_client.get(reverse("jobs:health_banner")).content.decode()
    assert BANNER in fragment


def test_healthz_reports_each_part_without_login_or_personal_data(client, office, owner):
    body = client.get("/healthz").json()
    assert body["checks"]["database"] == "ok" and body["checks"]["worker"] == "down" and body["status"] == "degraded"
    assert client.get("/healthz?strict=1").status_code == 503
    ProcessHeartbeat.objects.create(name="worker test:1", role="worker")
    ProcessHeartbeat.objects.create(name="beat test:2", role="beat")
    body = client.get("/healthz").json()
    assert body["checks"]["worker"] == "ok" and body["checks"]["beat"] == "ok"
    text = client.get("/healthz").content.decode()
    assert office.name not in text and owner.user.email not in text and "test:1" not in text


def test_operator_dashboard_shows_queue_oldest_failures_and_heartbeats(operator_client, office):
    url = reverse("billing:operator_dashboard")
    page = operator_client.get(url).content.decode()
    assert "ワーカーが1分以上応答していません" in page and "定期実行（beat）が応答していません" in page
    with office_scope(office):
        Job.objects.create(office=office, kind="documents.batch", due_at=timezone.now() - dt.timedelta(minutes=7))
        Job.objects.create(office=office, kind="documents.batch")
        Job.objects.create(office=office, kind="documents.batch", status=JobStatus.FAILED, finished_at=timezone.now())
        Job.objects.create(
            office=office,
            kind="documents.batch",
            status=JobStatus.FAILED,
            finished_at=timezone.now() - dt.timedelta(days=2),
        )
    ProcessHeartbeat.objects.create(name="worker host:10", role="worker")
    ProcessHeartbeat.objects.create(
        name="beat host:11", role="beat", last_seen=timezone.now() - dt.timedelta(minutes=5)
    )
    page = operator_client.get(url).content.decode()
    assert "2件（処理中 0件）" in page
    assert f"サービス提供票の一括作成（事業所番号 {office.office_number}）" in page and "7分待ち" in page
    assert '24時間以内の失敗</dt><dd data-testid="failed-24h">1件' in page
    assert "worker host:10" in page and "beat host:11" in page
    assert "ワーカーが1分以上応答していません" not in page and "定期実行（beat）が応答していません" in page


def test_receiving_now_twice_makes_one_job_and_a_missing_certificate_says_why(
    owner_client, office, eager, django_capture_on_commit_callbacks
):
    inbox = reverse("exchange:inbox")
    from config.celery import app

    app.conf.task_always_eager = False
    with django_capture_on_commit_callbacks(execute=False):
        submit(owner_client, inbox, button="今すぐ受信する")
        submit(owner_client, inbox, button="今すぐ受信する")
    with office_scope(office):
        assert Job.objects.filter(kind="exchange.inbox_sync").count() == 1  # asked twice: one job
        job = Job.objects.get(kind="exchange.inbox_sync")
    assert "受信の確認を待っています" in owner_client.get(inbox).content.decode()
    app.conf.task_always_eager = True
    with office_scope(office):
        services.job_run(job_id=job.pk)
    page = owner_client.get(inbox).content.decode()
    assert "電子証明書が登録されていないため受信できません" in page and "もう一度" in page
    assert _reload(job).attempts == 1  # a reason that retrying cannot fix: not retried
