"""Batch: all サービス提供票 of a month (one provider or all) rendered by the worker into one PDF."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from portal.documents import services
from portal.documents.models import DocumentJob, JobStatus
from tests.documents.conftest import DAY_CARE, HOME_HELP, MONTH, make_client, make_schedule
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, page_texts, squash

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    """Run queued tasks in-process (the real broker is exercised by tests/e2e/test_documents.py)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def month_of_clients(in_office, member):
    """Three 利用者 with both providers; one of them has no 認定 for the month."""
    clients = [
        make_client(
            in_office, care_manager=member, family="佐藤", given="花子", kana=("サトウ", "ハナコ"), insured="0000000003"
        ),
        make_client(
            in_office, care_manager=member, family="阿部", given="次郎", kana=("アベ", "ジロウ"), insured="0000000001"
        ),
        make_client(
            in_office,
            care_manager=member,
            family="田中",
            given="三郎",
            kana=("タナカ", "サブロウ"),
            insured="0000000002",
            certified=False,
        ),
    ]
    return [make_schedule(c) for c in clients]


def start_batch(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("documents:job_create"), {"month": "2026-11", "form_token": uuid.uuid4().hex, **data}
        )


def test_one_provider_batch_is_one_pdf_in_kana_order(
    member_client, month_of_clients, eager, django_capture_on_commit_callbacks
):
    response = start_batch(member_client, django_capture_on_commit_callbacks, provider=HOME_HELP[0])
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "documents:job_detail", kwargs={"job_id": job.pk}
    )
    assert job.status == JobStatus.DONE and job.total == 3 and job.provider_name == HOME_HELP[1]
    detail = member_client.get(response["Location"]).content.decode()
    assert "完了" in detail and reverse("documents:job_download", kwargs={"job_id": job.pk}) in detail
    assert "田中　三郎さんには令和8年11月に有効な認定" in detail  # skipped, and said why
    download = member_client.get(reverse("documents:job_download", kwargs={"job_id": job.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)
    assert page_count(pdf) == job.page_count == 4  # 2 利用者 × (提供票 + 別表)
    pages = [squash(p) for p in page_texts(pdf)]
    assert ["阿部次郎" in p for p in pages] == [True, True, False, False]
    assert ["佐藤花子" in p for p in pages] == [False, False, True, True]
    assert all(HOME_HELP[1] in p and DAY_CARE[1] not in p for p in pages)
    assert not any("田中三郎" in p for p in pages)
    assert_only_japanese_font_embedded(pdf)


def test_all_providers_batch_groups_by_provider(
    member_client, month_of_clients, eager, django_capture_on_commit_callbacks
):
    start_batch(member_client, django_capture_on_commit_callbacks, provider="")
    job = DocumentJob.objects.get()
    assert job.status == JobStatus.DONE and job.provider_label == "すべての事業所" and job.total == 6
    with job.file.open("rb") as f:
        pdf = f.read()
    tickets = [squash(p) for p in page_texts(pdf)][::2]
    order = [(HOME_HELP[1] in t, "阿部次郎" in t) for t in tickets]
    assert order == [(True, True), (True, False), (False, True), (False, False)]


def test_progress_is_shown_while_rendering_and_the_poll_stops_when_done(member_client, month_of_clients, monkeypatch):
    job = services.document_job_create(office=month_of_clients[0].client.office, user=None, month=MONTH)
    fragment = member_client.get(reverse("documents:job_detail", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="0"' in html and "待機中" in html
    assert "<html" not in html  # the fragment only

    from portal.documents import batch

    seen = []
    real = batch.render_in_process

    def watching(html):
        seen.append(DocumentJob.objects.get(pk=job.pk).done)
        return real(html)

    monkeypatch.setattr(batch, "render_in_process", watching)
    monkeypatch.setattr(batch, "processes_default", lambda: 1)  # render here, where the test watches
    services.document_job_run(job_id=job.pk, chunk_size=1)
    assert seen == sorted(seen) and len(set(seen)) > 1  # progress moved while the parts were rendered
    html = member_client.get(
        reverse("documents:job_detail", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-trigger" not in html and 'aria-valuenow="100"' in html and "PDFをダウンロード" in html


def test_running_the_task_twice_does_no_harm(month_of_clients, monkeypatch):
    job = services.document_job_create(
        office=month_of_clients[0].client.office, user=None, month=MONTH, provider_number=DAY_CARE[0]
    )
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    name, finished = job.file.name, job.finished_at
    calls = []
    monkeypatch.setattr(services, "_render_batch", lambda *a, **k: calls.append(1))
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert calls == [] and job.status == JobStatus.DONE and job.file.name == name and job.finished_at == finished


def test_a_job_lost_with_its_worker_is_taken_up_again(month_of_clients):
    from django.utils import timezone

    job = services.document_job_create(office=month_of_clients[0].client.office, user=None, month=MONTH)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - services.STALE_AFTER * 2
    )
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.page_count == 8


def test_a_month_without_schedules_is_refused_with_a_message(
    member_client, month_of_clients, eager, django_capture_on_commit_callbacks
):
    response = start_batch(member_client, django_capture_on_commit_callbacks, month="2026-12")
    assert response.status_code == 302 and not DocumentJob.objects.exists()
    page = member_client.get(response["Location"]).content.decode()
    assert "この月のサービス利用票にサービスの行がありません" in page


def test_a_provider_not_in_the_month_is_refused(
    member_client, month_of_clients, eager, django_capture_on_commit_callbacks
):
    response = start_batch(member_client, django_capture_on_commit_callbacks, provider="1399999999")
    assert not DocumentJob.objects.exists()
    assert (
        "事業所番号 1399999999 の事業所は、この月のサービス利用票にありません"
        in member_client.get(response["Location"]).content.decode()
    )


def test_an_unreadable_month_is_refused(member_client, month_of_clients):
    response = member_client.post(reverse("documents:job_create"), {"month": "11月"})
    assert not DocumentJob.objects.exists()
    assert "一括作成する対象年月を選んでください" in member_client.get(response["Location"]).content.decode()


def test_nothing_printable_fails_the_job_with_the_reasons(in_office, member):
    schedule = make_schedule(make_client(in_office, care_manager=member, certified=False))
    job = services.document_job_create(office=in_office, user=None, month=MONTH)
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file
    assert "作成できるサービス提供票がありませんでした" in job.error and len(job.skipped) == 2
    assert schedule.client.full_name in job.skipped[0]


def test_the_file_is_not_served_before_it_is_done_nor_to_another_office(
    member_client, outsider_client, month_of_clients
):
    job = services.document_job_create(office=month_of_clients[0].client.office, user=None, month=MONTH)
    url = reverse("documents:job_download", kwargs={"job_id": job.pk})
    assert member_client.get(url).status_code == 404
    services.document_job_run(job_id=job.pk)
    assert member_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.get(reverse("documents:job_detail", kwargs={"job_id": job.pk})).status_code == 404


def test_the_download_is_recorded_in_the_audit_trail(member_client, month_of_clients):
    from portal.partners.models import AuditEvent

    job = services.document_job_create(
        office=month_of_clients[0].client.office, user=None, month=MONTH, provider_number=HOME_HELP[0]
    )
    services.document_job_run(job_id=job.pk)
    member_client.get(reverse("documents:job_download", kwargs={"job_id": job.pk}))
    event = AuditEvent.objects.get(action="pdf_exported")
    assert event.partner_office_number == HOME_HELP[0] and event.detail["job_id"] == job.pk


def test_a_double_click_starts_one_batch(member_client, month_of_clients, eager, django_capture_on_commit_callbacks):
    data = {"month": "2026-11", "provider": DAY_CARE[0], "form_token": uuid.uuid4().hex}
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("documents:job_create"), data)
        second = member_client.post(reverse("documents:job_create"), data)
    assert DocumentJob.objects.count() == 1
    assert "二重送信を防ぐため" in member_client.get(second["Location"], follow=True).content.decode()


def test_an_unexpected_error_fails_the_job_without_logging_personal_data(month_of_clients, monkeypatch, caplog):
    job = services.document_job_create(office=month_of_clients[0].client.office, user=None, month=MONTH)

    def broken(*args, **kwargs):
        raise RuntimeError("阿部　次郎 0000000001")

    monkeypatch.setattr(services, "_render_batch", broken)
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "もう一度お試しください" in job.error
    assert (
        "阿部" not in caplog.text and "0000000001" not in caplog.text and f"document job {job.pk} failed" in caplog.text
    )


def test_the_task_runs_only_inside_the_jobs_office(month_of_clients, outsider_office):
    from portal.documents.tasks import render_document_job

    job = services.document_job_create(
        office=month_of_clients[0].client.office, user=None, month=MONTH, provider_number=DAY_CARE[0]
    )
    render_document_job.run(job.pk, outsider_office.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    render_document_job.run(job.pk, job.office_id)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_the_request_time_is_the_tokyo_time_in_wareki(member_client, month_of_clients):
    """A batch asked for at 00:30 on 14 December in Tokyo (15:30 UTC the day before) says so on both pages."""
    import datetime as dt

    job = services.document_job_create(office=month_of_clients[0].client.office, user=None, month=MONTH)
    DocumentJob.objects.filter(pk=job.pk).update(created_at=dt.datetime(2026, 12, 13, 15, 30, tzinfo=dt.UTC))
    detail = member_client.get(reverse("documents:job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert "令和8年12月14日 00:30" in detail and "12月13日" not in detail
    listing = member_client.get(reverse("documents:list"), {"month": "2026-11"}).content.decode()
    assert "令和8年12月14日 00:30" in listing
