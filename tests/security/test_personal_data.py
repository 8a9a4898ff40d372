"""Item 11: nothing personal where it does not belong — drafts, URLs, file names, caches."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.clients.models import ClientDraft
from portal.core.tasks import purge_expired
from portal.offices.tenancy import office_scope, scopes_disabled
from tests.conftest import login_client
from tests.factories import MembershipFactory
from tests.forms import submit
from tests.partners.conftest import make_client

HALF = {
    "client-family_name": "秘密山",
    "client-insured_number": "0000777777",
    "svc-TOTAL_FORMS": "1",
    "svc-INITIAL_FORMS": "0",
}


def _session_texts():
    return [str(s.get_decoded()) for s in Session.objects.all()]


def test_a_client_draft_is_not_in_the_session_and_is_encrypted(owner_client, office):
    owner_client.post(reverse("clients:draft"), HALF)
    assert not any("秘密山" in text or "0000777777" in text for text in _session_texts())
    with office_scope(office):
        draft = ClientDraft.objects.get()
    assert "秘密山" not in draft.encrypted_data and "0000777777" not in draft.encrypted_data
    page = owner_client.get(reverse("clients:create")).content.decode()
    assert 'value="秘密山"' in page and 'value="0000777777"' in page


def test_a_draft_is_the_author_s_and_the_office_s_only(owner_client, office, outsider_client):
    owner_client.post(reverse("clients:draft"), HALF)
    colleague = login_client(MembershipFactory(office=office))
    assert 'value="秘密山"' not in colleague.get(reverse("clients:create")).content.decode()
    assert 'value="秘密山"' not in outsider_client.get(reverse("clients:create")).content.decode()


def test_expired_drafts_and_sessions_are_purged(owner_client, office):
    owner_client.post(reverse("clients:draft"), HALF)
    with scopes_disabled():
        ClientDraft.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert 'value="秘密山"' not in owner_client.get(reverse("clients:create")).content.decode()
    Session.objects.create(session_key="x" * 32, session_data="e30=", expire_date=timezone.now() - dt.timedelta(days=1))
    purge_expired()
    with scopes_disabled():
        assert not ClientDraft.objects.exists()
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_purge_is_scheduled(settings):
    assert any(entry["task"] == "core.purge_expired" for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_searching_clients_puts_no_name_in_the_url(owner_client, office):
    make_client(office, family_name="検索太")
    make_client(office, family_name="別人")
    response = submit(owner_client, reverse("clients:list"), {"q": "検索太"}, button="検索")
    assert response.status_code == 302
    location = response["Location"]
    assert "検索太" not in location and "%E6%A4%9C" not in location
    page = owner_client.get(location).content.decode()
    assert "検索太" in page and "別人" not in page
    assert "検索太" not in page.split("<table")[0].split('name="q"')[0]  # not echoed in links before the form


def test_searching_care_plans_puts_no_name_in_the_url(owner_client, office):
    response = submit(owner_client, reverse("careplans:list"), {"q": "0000123456"}, button="絞り込む")
    assert response.status_code == 302 and "0000123456" not in response["Location"]
    assert 'value="0000123456"' in owner_client.get(response["Location"]).content.decode()


def test_signed_in_pages_and_downloads_are_not_cached(owner_client, office, client):
    for url in (reverse("clients:list"), reverse("partners:audit_export"), reverse("dashboard")):
        assert "no-store" in owner_client.get(url)["Cache-Control"], url
    assert "no-store" not in client.get("/").get("Cache-Control", "")
