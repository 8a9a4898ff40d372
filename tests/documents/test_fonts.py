"""A machine without the Japanese fonts refuses to print (never a PDF of tofu boxes)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.documents import render, services
from portal.documents.models import JobStatus
from tests.documents.conftest import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_japanese_fonts(monkeypatch):
    render._fonts_checked.cache_clear()
    monkeypatch.setattr(render, "_installed_families", lambda: {"DejaVu Sans"})
    yield
    render._fonts_checked.cache_clear()


def test_a_single_pdf_is_refused_with_the_reason(member_client, schedule, no_japanese_fonts):
    response = member_client.get(reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}))
    assert response.status_code == 503
    body = response.content.decode()
    assert "日本語フォント" in body and "fonts-ipaexfont" in body
    assert b"%PDF" not in response.content


def test_a_batch_fails_with_the_reason(schedule, in_office, no_japanese_fonts):
    job = services.document_job_create(office=in_office, user=None, month=MONTH)
    services.document_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "日本語フォント" in job.error and not job.file


def test_with_the_fonts_installed_the_check_passes():
    render._fonts_checked.cache_clear()
    render.ensure_japanese_fonts()
