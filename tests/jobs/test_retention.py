"""Retention: old batch PDFs and undownloaded exports are deleted by a periodic task; an office whose
contract ended is deleted after the retention period, only with the operator's confirmation."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from portal.documents.models import DocumentJob, JobStatus
from portal.exports.models import DataExport
from portal.jobs.tasks import cleanup_files
from portal.offices.models import Office, OfficeDeletion
from portal.offices.services import office_delete_after_retention, office_suspend
from portal.offices.tenancy import office_scope
from tests.forms import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _batch(office, owner, *, days_ago):
    with office_scope(office):
        job = DocumentJob.objects.create(
            office=office,
            created_by=owner.user,
            month=dt.date(2026, 11, 1),
            status=JobStatus.DONE,
            total=1,
            done=1,
            page_count=2,
            finished_at=timezone.now() - dt.timedelta(days=days_ago),
        )
        job.file.save("job.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    return job


def test_old_batch_pdfs_and_undownloaded_exports_are_deleted(office, owner, owner_client, media):
    old, recent = _batch(office, owner, days_ago=40), _batch(office, owner, days_ago=3)
    with office_scope(office):
        export = DataExport.objects.create(office=office, ready_at=timezone.now() - dt.timedelta(days=10))
        export.file.save("export.zip", ContentFile(b"PK"))
    old_path, recent_path, export_path = old.file.path, recent.file.path, export.file.path

    totals = cleanup_files.run()
    assert totals["batch_pdfs"] == 1 and totals["exports"] == 1
    assert not os.path.exists(old_path) and not os.path.exists(export_path) and os.path.exists(recent_path)
    page = owner_client.get(reverse("documents:job_detail", kwargs={"job_id": old.pk})).content.decode()
    assert "保存期間を過ぎたため削除しました" in page
    assert owner_client.get(reverse("documents:job_download", kwargs={"job_id": old.pk})).status_code == 404


def test_an_office_is_deleted_after_retention_only_when_the_operator_confirms(
    office, owner, operator_client, media, django_capture_on_commit_callbacks
):
    batch = _batch(office, owner, days_ago=1)
    folder = media / "documents" / str(office.pk)
    assert folder.exists() and batch.file
    url = reverse("billing:operator_office", kwargs={"office_id": office.pk})
    submit(
        operator_client,
        url,
        {"ended_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat()},
        button="契約終了日を記録する",
    )
    office.refresh_from_db()
    with pytest.raises(ValidationError, match="保存期間（.*まで）が終わっていない"):
        office_delete_after_retention(office=office, confirm_number=office.office_number)

    Office.objects.filter(pk=office.pk).update(contract_ended_on=timezone.localdate() - dt.timedelta(days=6 * 366))
    assert f">{office.office_number}</a>" in operator_client.get(reverse("billing:operator_dashboard")).content.decode()
    page = submit(
        operator_client,
        url,
        {"confirm_number": office.office_number},
        button="この事業所のデータを削除する",
        follow=True,
    ).content.decode()
    assert "先に利用停止にしてください" in page and Office.objects.filter(pk=office.pk).exists()
    office_suspend(office=office, reason="契約終了")
    page = submit(
        operator_client, url, {"confirm_number": "9999999999"}, button="この事業所のデータを削除する", follow=True
    ).content.decode()
    assert "事業所番号（10桁）を入力してください" in page and Office.objects.filter(pk=office.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        submit(operator_client, url, {"confirm_number": office.office_number}, button="この事業所のデータを削除する")
    assert not Office.objects.filter(pk=office.pk).exists()
    assert OfficeDeletion.objects.get().office_number == office.office_number
    assert not folder.exists()  # the batch PDFs went with it
