"""A single 提供票 PDF is rendered once per version of its content and then served from storage,
with its content hash as ETag; any change that shows on the form gives a new PDF."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.documents import cache
from portal.documents.models import SheetPDF
from tests.documents.conftest import HOME_HELP

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def renders(monkeypatch):
    calls = []
    real = cache.render_pdf_from_html

    def counting(html):
        calls.append(1)
        return real(html)

    monkeypatch.setattr(cache, "render_pdf_from_html", counting)
    return calls


def _get(client, schedule, **headers):
    url = reverse("documents:provision_pdf", kwargs={"schedule_id": schedule.pk})
    return client.get(url, {"provider": HOME_HELP[0]}, **headers)


def test_the_same_content_is_rendered_once_and_a_change_renders_again(
    member_client, schedule, media, renders, django_capture_on_commit_callbacks
):
    first = _get(member_client, schedule)
    assert first.status_code == 200 and first.content.startswith(b"%PDF") and len(renders) == 1
    second = _get(member_client, schedule)
    assert second.content == first.content and second["ETag"] == first["ETag"] and len(renders) == 1
    assert _get(member_client, schedule, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    stored = SheetPDF.objects.get()
    old_path = stored.file.path
    assert os.path.exists(old_path)

    line = schedule.lines.filter(provider_office_number=HOME_HELP[0]).first()
    line.planned_days = [1] * 28 + [0] * 3
    line.save()
    with django_capture_on_commit_callbacks(execute=True):
        third = _get(member_client, schedule, HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200 and third["ETag"] != first["ETag"] and len(renders) == 2
    assert SheetPDF.objects.count() == 1 and not os.path.exists(old_path)  # the old version is gone

    client = schedule.client
    client.family_name = "改姓"
    client.save()
    fourth = _get(member_client, schedule)
    assert fourth["ETag"] != third["ETag"] and len(renders) == 3  # the 利用者 changed: so did the form


def test_the_stored_pdf_goes_with_its_schedule(member_client, schedule, media, django_capture_on_commit_callbacks):
    _get(member_client, schedule)
    path = SheetPDF.objects.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        schedule.delete()
    assert not SheetPDF.objects.exists() and not os.path.exists(path)


def test_another_office_gets_no_stored_pdf(member_client, outsider_client, schedule, media):
    _get(member_client, schedule)
    assert _get(outsider_client, schedule).status_code == 404
