"""The backup commands of the README work: ``pg_dump -Fc`` of the portal database restored with
``pg_restore`` into a fresh database holds the same records (offices, 利用者, schedules, jobs,
certificates' encrypted keys), and the media tarball restores the stored batch PDFs."""

from __future__ import annotations

import os
import subprocess
import tarfile

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from portal.documents.models import DocumentJob, JobStatus
from portal.offices.tenancy import office_scope
from tests.documents.conftest import MONTH, make_client, make_schedule
from tests.hub.process import recreate_database, server_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TABLES = [
    "offices_office",
    "offices_membership",
    "clients_client",
    "schedules_serviceschedule",
    "schedules_servicescheduleline",
    "documents_documentjob",
    "jobs_job",
]


def _snapshot(url: str) -> dict:
    with psycopg.connect(url) as conn:
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
        rows["clients"] = conn.execute(
            "SELECT insured_number, family_name_kana, given_name_kana FROM clients_client ORDER BY id"
        ).fetchall()
        rows["migrations"] = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    return rows


def test_pg_dump_restores_into_a_fresh_database_with_the_same_records(office, member, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with office_scope(office):
        for i in range(3):
            make_schedule(
                make_client(office, care_manager=member, insured=f"{i + 1:010d}", kana=("ヤマダ", f"タロウ{i}"))
            )
        job = DocumentJob.objects.create(
            office=office, month=MONTH, status=JobStatus.DONE, total=3, done=3, page_count=6
        )
        job.file.save("job.pdf", ContentFile(b"%PDF-1.7\n% backup test\n%%EOF\n"))
    source = server_url(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    dump = tmp_path / "portal.dump"
    # the README's commands
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True)
    with tarfile.open(tmp_path / "media.tar.gz", "w:gz") as tar:
        tar.add(settings.MEDIA_ROOT, arcname="media")

    fresh = recreate_database(os.environ["DATABASE_URL"], f"{connection.settings_dict['NAME']}_restored")
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}", str(dump)], check=True)
        before, after = _snapshot(source), _snapshot(fresh)
        assert after == before and after["clients_client"] == 3 and after["documents_documentjob"] == 1
        restored = tmp_path / "restored"
        with tarfile.open(tmp_path / "media.tar.gz") as tar:
            tar.extractall(restored, filter="data")
        assert (restored / "media" / job.file.name).read_bytes() == b"%PDF-1.7\n% backup test\n%%EOF\n"
    finally:
        admin = server_url(os.environ["DATABASE_URL"], "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{connection.settings_dict["NAME"]}_restored" WITH (FORCE)')
