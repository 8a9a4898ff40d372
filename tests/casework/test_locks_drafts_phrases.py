"""Optimistic lock on the 支援経過・モニタリング・担当者会議 edits; autosaved drafts; the office's 定型文."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.casework.models import CaseworkDraft, Monitoring, PhraseTemplate, ServiceMeeting, SupportLogEntry
from portal.offices.tenancy import office_scope
from tests.forms import read_form, submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(office):
    with office_scope(office):
        return _documents_client(office)


def _repost(client, url, response, form_id):
    """Press 保存する again on the page the conflict answered with (what the user sees, their input kept)."""
    from tests.forms import find_form, form_data, parse_forms

    return client.post(
        url, form_data(find_form(parse_forms(response.content.decode()), form=form_id), button="保存する")
    )


def test_a_log_entry_changed_meanwhile_is_not_overwritten(owner_client, member_client, office, client_obj):
    with office_scope(office):
        entry = SupportLogEntry.objects.create(
            office=office, client=client_obj, occurred_on=timezone.localdate(), kind="phone", content="長女と電話。"
        )
    url = reverse("casework:support_log_edit", kwargs={"entry_id": entry.pk})
    mine = read_form(owner_client, url, form="support-log-edit")
    assert (
        submit(member_client, url, {"log-content": "長女と電話。通院日を確認。"}, button="保存する").status_code == 302
    )
    response = owner_client.post(url, mine.data({"log-content": "長女と電話。入浴の様子を聞いた。"}, button="保存する"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "鈴木 一郎さんが" in html and "通院日を確認。" in html and "入浴の様子を聞いた。" in html
    with office_scope(office):
        assert SupportLogEntry.objects.get().content == "長女と電話。通院日を確認。"
    assert _repost(owner_client, url, response, "support-log-edit").status_code == 302
    with office_scope(office):
        assert SupportLogEntry.objects.get().content == "長女と電話。入浴の様子を聞いた。"


def test_a_monitoring_and_a_meeting_changed_meanwhile_are_not_overwritten(
    owner_client, member_client, office, client_obj
):
    today = timezone.localdate()
    with office_scope(office):
        monitoring = Monitoring.objects.create(
            office=office, client=client_obj, month=today.replace(day=1), visited_on=today, place="home"
        )
        meeting = ServiceMeeting.objects.create(
            office=office, client=client_obj, held_on=today, place="利用者宅", topics="原案"
        )
        meeting.attendees.create(position=1, affiliation="長女", name="帳票 花子")
    url = reverse("casework:monitoring_edit", kwargs={"monitoring_id": monitoring.pk})
    mine = read_form(owner_client, url, form="monitoring-form")
    assert submit(member_client, url, {"policy": "継続。"}, button="保存する").status_code == 302
    response = owner_client.post(url, mine.data({"client_view": "入浴が楽になった。"}, button="保存する"))
    assert response.status_code == 409 and "鈴木 一郎さんが" in response.content.decode()
    assert "入浴が楽になった。" in response.content.decode()
    with office_scope(office):
        kept = Monitoring.objects.get()
        assert kept.policy == "継続。" and kept.client_view == ""

    url = reverse("casework:meeting_edit", kwargs={"meeting_id": meeting.pk})
    mine = read_form(owner_client, url, form="meeting-form")
    assert submit(member_client, url, {"meeting-conclusion": "原案どおり。"}, button="保存する").status_code == 302
    response = owner_client.post(url, mine.data({"meeting-remaining_issues": "手すり。"}, button="保存する"))
    html = response.content.decode()
    assert response.status_code == 409 and "鈴木 一郎さんが" in html
    # the page lists where the saved version and the user's input differ, with the other member's text
    assert "最新の内容とあなたの入力が違う項目" in html and "原案どおり。" in html and "手すり。" in html
    with office_scope(office):
        assert ServiceMeeting.objects.get().conclusion == "原案どおり。"
    # the user copies the other member's 結論 into the form and saves, having looked
    from tests.forms import find_form, form_data, parse_forms

    again = form_data(
        find_form(parse_forms(html), form="meeting-form"), {"meeting-conclusion": "原案どおり。"}, button="保存する"
    )
    assert owner_client.post(url, again).status_code == 302
    with office_scope(office):
        saved = ServiceMeeting.objects.get()
        assert saved.remaining_issues == "手すり。" and saved.conclusion == "原案どおり。"


def test_the_log_draft_is_kept_encrypted_restored_and_emptied_once_saved(
    owner_client, member_client, office, client_obj
):
    log_url = reverse("casework:support_log", kwargs={"client_id": client_obj.pk})
    form = read_form(owner_client, log_url, form="support-log-form")
    assert form.form.attrs.get("data-casework-draft") == reverse(
        "casework:log_draft", kwargs={"client_id": client_obj.pk}
    )
    data = form.data({"log-kind": "visit", "log-content": "訪問中。段差で"})
    response = owner_client.post(reverse("casework:log_draft", kwargs={"client_id": client_obj.pk}), data)
    assert response.status_code == 200 and "saved_at" in response.json()
    with office_scope(office):
        draft = CaseworkDraft.objects.get()
        assert "段差" not in draft.encrypted_data  # encrypted at rest
    again = read_form(owner_client, log_url, form="support-log-form")
    assert again.value("log-content").strip() == "訪問中。段差で" and again.value("log-kind") == "visit"
    assert again.form.attrs.get("data-draft-state") == "draft"
    # another staff member's page does not get it
    assert read_form(member_client, log_url, form="support-log-form").value("log-content").strip() == ""
    assert (
        submit(
            owner_client,
            log_url,
            {"log-content": "訪問中。段差でつまずきあり。"},
            button="記録する",
            form="support-log-form",
        ).status_code
        == 302
    )
    after = read_form(owner_client, log_url, form="support-log-form")
    assert after.value("log-content").strip() == "" and after.form.attrs.get("data-draft-state") == "saved"


def test_the_monitoring_draft_is_restored(owner_client, office, client_obj):
    url = reverse("casework:monitoring_create", kwargs={"client_id": client_obj.pk})
    form = read_form(owner_client, url, form="monitoring-form")
    draft_url = form.form.attrs.get("data-casework-draft")
    assert (
        owner_client.post(draft_url, form.data({"client_view": "本人: 体調は良い。", "place": "home"})).status_code
        == 200
    )
    again = read_form(owner_client, url, form="monitoring-form")
    assert again.value("client_view").strip() == "本人: 体調は良い。" and again.value("place") == "home"


def test_phrases_are_kept_by_the_office_and_offered_in_the_log_form(member_client, office, outsider_client, client_obj):
    url = reverse("casework:phrases")
    response = submit(
        member_client,
        url,
        {
            "phrase-0-text": "本人・家族と面談し、体調に変化がないことを確認した。",
            "phrase-1-text": "サービス提供事業所に電話で状況を確認した。",
        },
        button="保存する",
    )
    assert response.status_code == 302
    with office_scope(office):
        assert [p.text for p in PhraseTemplate.objects.all()] == [
            "本人・家族と面談し、体調に変化がないことを確認した。",
            "サービス提供事業所に電話で状況を確認した。",
        ]
    log = member_client.get(reverse("casework:support_log", kwargs={"client_id": client_obj.pk})).content.decode()
    assert "定型文を挿入" in log and "サービス提供事業所に電話で状況を確認した。" in log
    # another office sees none of them
    assert "サービス提供事業所に電話で" not in outsider_client.get(url).content.decode()
    form = read_form(member_client, url, form="phrases-form")
    response = member_client.post(
        url, form.data({"phrase-0-DELETE": True, "phrase-1-text": "x" * 201}, button="保存する")
    )
    assert response.status_code == 422 and "定型文は200文字までにしてください" in response.content.decode()
    with office_scope(office):
        assert PhraseTemplate.objects.count() == 2  # nothing written
    assert member_client.post(url, form.data({"phrase-0-DELETE": True}, button="保存する")).status_code == 302
    with office_scope(office):
        assert [p.text for p in PhraseTemplate.objects.all()] == ["サービス提供事業所に電話で状況を確認した。"]


def test_a_clerk_cannot_edit_the_phrases(office):
    from portal.offices.models import Role
    from tests.conftest import login_client
    from tests.factories import MembershipFactory

    clerk = login_client(MembershipFactory(office=office, role=Role.CLERK))
    assert clerk.get(reverse("casework:phrases")).status_code == 403


def test_an_expired_draft_is_not_offered(owner, office, client_obj):
    from portal.casework import drafts

    with office_scope(office):
        drafts.draft_save(
            office=office, author=owner.user, client=client_obj, kind="log", data={"log-content": ["古い"]}
        )
        assert drafts.draft_state(office=office, author=owner.user, client=client_obj, kind="log")[0] == "draft"
        CaseworkDraft.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        assert drafts.draft_state(office=office, author=owner.user, client=client_obj, kind="log") == ("", None)
    from portal.core.tasks import purge_expired

    purge_expired()
    with office_scope(office):
        assert not CaseworkDraft.objects.exists()
