"""データの書き出し: an office admin exports everything as one ZIP made by the worker — standard
CSVs, JSON of every table, received units, PDFs — asked twice makes one job, downloadable once,
recorded in the audit trail."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from linkage.exchange import services as exchange
from linkage.exchange.models import Package, PackageStatus
from portal.exports.models import DataExport
from portal.jobs.models import Job
from portal.masters import loader as masters
from portal.offices.tenancy import office_scope
from portal.partners.models import AuditEvent
from tests.conftest import login_client
from tests.exchange.world import MONTH, make_world
from tests.forms import submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


@pytest.fixture
def eager():
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_admin_exports_everything_once(trusted_ca, eager, django_capture_on_commit_callbacks):
    cm, providers = make_world(trusted_ca, clients=2)
    with office_scope(cm.office):
        batch = exchange.units_send(
            office=cm.office,
            actor=cm.admin,
            units=exchange.month_send_plan(office=cm.office, month=MONTH),
            label="テスト",
        )
        Package.objects.filter(batch=batch).update(status=PackageStatus.SENT)
    web = login_client(cm.admin)
    page_url = reverse("exports:page")

    from config.celery import app

    app.conf.task_always_eager = False
    with django_capture_on_commit_callbacks(execute=False):
        submit(web, page_url, button="データを書き出す")
        again = submit(web, page_url, button="データを書き出す", follow=True)
    assert "すでに作成中です" in again.content.decode()
    with office_scope(cm.office):
        assert DataExport.objects.count() == 1 and Job.objects.filter(kind="exports.office_data").count() == 1
        job = Job.objects.get(kind="exports.office_data")
    app.conf.task_always_eager = True
    from portal.jobs.services import job_run

    with office_scope(cm.office):
        assert job_run(job_id=job.pk) == "done"

    page = web.get(page_url).content.decode()
    assert "完了" in page and "ZIPをダウンロード（1回だけ）" in page
    with office_scope(cm.office):
        export = DataExport.objects.get()
    download = web.get(reverse("exports:download", kwargs={"export_id": export.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    archive = zipfile.ZipFile(io.BytesIO(download.content))

    # the month as standard CSVs, one send unit per provider
    for provider in providers:
        csvs = [n for n in names if n.startswith(f"standard/schedules/{MONTH:%Y%m}/{provider.office.office_number}-")]
        assert csvs and all(n.upper().endswith(".CSV") for n in csvs)
    # every table as JSON, with the 利用者 the standard has no file for, and no secrets
    clients = json.loads(archive.read("data/clients.client.json"))
    assert {c["fields"]["insured_number"] for c in clients} == {c.insured_number for c in cm.clients}
    certificates = archive.read("data/exchange.officecertificate.json").decode()
    assert "encrypted_private_key" not in certificates
    # PDFs of the sent month, a README, and no names in file names
    assert any(n.startswith("pdf/provision/") and n.endswith(".pdf") for n in names)
    assert "説明.txt" in names
    assert not any(c.family_name in n for c in cm.clients for n in names)
    with office_scope(cm.office):
        assert AuditEvent.objects.filter(action="data_exported").count() == 1

    # downloadable once: then gone from the server, and the page says so
    assert web.get(reverse("exports:download", kwargs={"export_id": export.pk})).status_code == 404
    with office_scope(cm.office):
        export.refresh_from_db()
    assert not export.file and "ダウンロード済み" in web.get(page_url).content.decode()


def test_only_an_admin_exports(member_client):
    assert member_client.get(reverse("exports:page")).status_code == 403
