"""第4表 サービス担当者会議の要点: record with attendees (one absent, asked), warn after 交付, PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.casework.models import ServiceMeeting
from portal.offices.tenancy import office_scope
from tests.documents.conftest import make_plan
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, text_of
from tests.forms import submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(office):
    with office_scope(office):
        client = _documents_client(office)
        plan = make_plan(client, needs=1)
        return client, plan


def _meetings(office):
    with office_scope(office):
        return list(ServiceMeeting.objects.prefetch_related("attendees"))


MEETING = {
    "meeting-held_on": "R8.10.20",
    "meeting-start_time": "14:00",
    "meeting-end_time": "14:45",
    "meeting-place": "利用者宅",
    "meeting-sequence": "1",
    "att-0-affiliation": "長女",
    "att-0-name": "帳票 花子",
    "att-1-affiliation": "通所介護（生活相談員）",
    "att-1-name": "山本 次郎",
    "att-2-affiliation": "主治医",
    "att-2-name": "高橋 医師",
    "att-2-absent": True,
    "att-2-absent_view": "10月18日に電話で照会。入浴は見守りで可との意見。",
    "meeting-topics": "入浴の支援方法",
    "meeting-discussion": "週2回のデイでの入浴介助について検討。",
    "meeting-conclusion": "計画原案どおり実施する。",
    "meeting-remaining_issues": "自宅浴室の手すり。",
    "meeting-next_meeting": "令和9年1月（認定更新時）",
}


def test_record_a_meeting_for_a_plan_version_and_print_it(owner_client, office, planned):
    client, plan = planned
    url = reverse("casework:meeting_create", kwargs={"client_id": client.pk})
    response = submit(owner_client, url, MEETING, button="保存する")
    assert response.status_code == 302
    [meeting] = _meetings(office)
    assert meeting.plan_id == plan.pk and meeting.held_on == dt.date(2026, 10, 20)
    attendees = list(meeting.attendees.all())
    assert [(a.name, a.absent) for a in attendees] == [("帳票 花子", False), ("山本 次郎", False), ("高橋 医師", True)]

    response = owner_client.get(reverse("casework:meeting_pdf", kwargs={"meeting_id": meeting.pk}))
    assert response.status_code == 200 and "帳票" not in response["Content-Disposition"]
    text = text_of(response.content)
    for expected in (
        "第4表",
        "サービス担当者会議の要点",
        "帳票太郎",
        "殿",
        "令和8年10月20日",
        "利用者宅",
        "14:00〜14:45",
        "会議出席者",
        "所属（職種）",
        "山本次郎",
        "高橋医師（欠席）",
        "【欠席者への照会】",
        "入浴は見守りで可",
        "検討した項目",
        "計画原案どおり実施する。",
        "次回の開催時期:令和9年1月",
    ):
        assert expected in text, expected
    assert page_count(response.content) == 1
    assert_only_japanese_font_embedded(response.content)


def test_an_absentee_needs_how_their_view_was_taken_and_nothing_is_lost(owner_client, office, planned):
    client, _ = planned
    url = reverse("casework:meeting_create", kwargs={"client_id": client.pk})
    values = {**MEETING, "att-2-absent_view": ""}
    response = submit(owner_client, url, values, button="保存する")
    assert response.status_code == 422
    html = response.content.decode()
    assert "欠席者は、意見を照会した方法と内容を記入してください" in html
    assert "週2回のデイでの入浴介助について検討。" in html and 'value="山本 次郎"' in html
    assert _meetings(office) == []


def test_no_attendee_no_topics_future_date_are_refused(owner_client, office, planned):
    client, _ = planned
    url = reverse("casework:meeting_create", kwargs={"client_id": client.pk})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    html = submit(
        owner_client, url, {"meeting-held_on": tomorrow.isoformat(), "meeting-place": "事業所"}, button="保存する"
    ).content.decode()
    assert "開催日: 未来の日付は記録できません" in html and "検討した項目を入力してください" in html
    html = submit(
        owner_client, url, {"meeting-place": "事業所", "meeting-topics": "検討"}, button="保存する"
    ).content.decode()
    assert "会議出席者を1人以上入力してください" in html
    assert _meetings(office) == []


def test_a_meeting_after_the_plan_was_delivered_is_saved_with_a_warning(owner_client, office, planned):
    client, plan = planned
    with office_scope(office):
        plan.status, plan.delivered_on = "delivered", dt.date(2026, 10, 10)
        plan.save()
    url = reverse("casework:meeting_create", kwargs={"client_id": client.pk})
    response = submit(owner_client, url, MEETING, button="保存する", follow=True)
    assert "計画書の交付日（令和8年10月10日）より後に開かれています" in response.content.decode()
    assert len(_meetings(office)) == 1


def test_edit_keeps_the_attendees(owner_client, office, planned):
    client, _ = planned
    submit(
        owner_client, reverse("casework:meeting_create", kwargs={"client_id": client.pk}), MEETING, button="保存する"
    )
    [meeting] = _meetings(office)
    url = reverse("casework:meeting_edit", kwargs={"meeting_id": meeting.pk})
    assert submit(owner_client, url, {"meeting-conclusion": "修正した結論"}, button="保存する").status_code == 302
    [meeting] = _meetings(office)
    assert meeting.conclusion == "修正した結論" and meeting.attendees.count() == 3
