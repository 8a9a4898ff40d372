"""第5表 居宅介護支援経過: entry from the 利用者 page and the log page, filters, edit, PDF, tenancy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.casework.models import SupportLogEntry
from portal.offices.tenancy import office_scope
from portal.partners.models import AuditEvent
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, text_of
from tests.forms import read_form, submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(office):
    with office_scope(office):
        return _documents_client(office)


def _entries(office):
    with office_scope(office):
        return list(SupportLogEntry.objects.order_by("pk"))


def test_quick_entry_on_the_client_page_logs_and_returns_there(owner_client, office, owner, client_obj):
    detail = reverse("clients:detail", kwargs={"client_id": client_obj.pk})
    page = owner_client.get(detail).content.decode()
    assert "支援経過（第5表）" in page and "最近の経過" in page
    response = submit(
        owner_client,
        detail,
        {
            "log-occurred_on": "R8.11.20",
            "log-occurred_time": "10:15",
            "log-kind": "電話",
            "log-counterpart": "長女",
            "log-content": "退院後の様子を確認。デイの利用日を週2回に増やしたいとの希望。",
        },
        button="支援経過に記録",
    )
    assert response.status_code == 302 and response["Location"] == detail
    [entry] = _entries(office)
    assert (entry.occurred_on, entry.occurred_time, entry.kind, entry.counterpart) == (
        dt.date(2026, 11, 20),
        dt.time(10, 15),
        "phone",
        "長女",
    )
    assert entry.written_by == owner
    page = owner_client.get(detail).content.decode()
    assert "退院後の様子を確認" in page and "令和8年11月20日" in page


def test_the_form_starts_with_today_and_now(owner_client, client_obj):
    from portal.core.wareki import wareki_date

    form = read_form(
        owner_client, reverse("casework:support_log", kwargs={"client_id": client_obj.pk}), form="support-log-form"
    ).form
    values = {c.name: c.value for c in form.controls}
    assert values["log-occurred_on"] == wareki_date(timezone.localdate())
    assert values["log-occurred_time"]


def test_empty_content_is_refused_in_japanese_and_nothing_typed_is_lost(owner_client, office, client_obj):
    url = reverse("casework:support_log", kwargs={"client_id": client_obj.pk})
    response = submit(
        owner_client, url, {"log-kind": "訪問", "log-counterpart": "本人", "log-content": "   "}, button="記録する"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "内容を入力してください" in html
    assert 'value="本人"' in html
    assert _entries(office) == []


def test_future_date_and_bad_time_are_refused(owner_client, office, client_obj):
    url = reverse("casework:support_log", kwargs={"client_id": client_obj.pk})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = submit(
        owner_client,
        url,
        {
            "log-occurred_on": tomorrow.isoformat(),
            "log-occurred_time": "25:99",
            "log-kind": "電話",
            "log-content": "確認",
        },
        button="記録する",
    )
    html = response.content.decode()
    assert "未来の日付の経過は記録できません" in html
    assert "時刻は 14:30 のように入力してください" in html
    assert _entries(office) == []


def _log(office, client, day, kind, content, counterpart=""):
    with office_scope(office):
        return SupportLogEntry.objects.create(
            office=office, client=client, occurred_on=day, kind=kind, content=content, counterpart=counterpart
        )


def test_list_filters_by_period_kind_and_keyword(owner_client, office, client_obj):
    _log(office, client_obj, dt.date(2026, 9, 3), "visit", "九月の訪問。体調良好。")
    _log(office, client_obj, dt.date(2026, 10, 7), "phone", "十月の電話。福祉用具の相談。", "ひまわり訪問介護")
    _log(office, client_obj, dt.date(2026, 10, 20), "visit", "十月の訪問。転倒なし。")
    url = reverse("casework:support_log", kwargs={"client_id": client_obj.pk})

    def shown(values):
        response = submit(owner_client, url, values, form="support-log-filters", button="絞り込む")
        return response.content.decode()

    html = shown({"date_from": "R8.10.1", "date_to": "令和8年10月31日"})
    assert "十月の電話" in html and "十月の訪問" in html and "九月の訪問" not in html
    html = shown({"kind": "訪問"})
    assert "九月の訪問" in html and "十月の訪問" in html and "十月の電話" not in html
    html = shown({"q": "ひまわり"})
    assert "十月の電話" in html and "訪問。" not in html
    html = shown({"date_from": "R8.11.1", "date_to": "R8.10.1"})
    assert "期間の「から」が「まで」より後になっています" in html


def test_edit_an_entry(owner_client, office, client_obj):
    entry = _log(office, client_obj, dt.date(2026, 10, 7), "phone", "誤字あり")
    url = reverse("casework:support_log_edit", kwargs={"entry_id": entry.pk})
    response = submit(owner_client, url, {"log-content": "修正後の内容", "log-kind": "FAX"}, button="保存する")
    assert response.status_code == 302
    [entry] = _entries(office)
    assert (entry.content, entry.kind) == ("修正後の内容", "fax")


def test_pdf_in_the_official_layout_for_the_period(owner_client, office, client_obj):
    _log(office, client_obj, dt.date(2026, 9, 3), "visit", "九月の訪問。", "本人・長女")
    _log(office, client_obj, dt.date(2026, 10, 7), "phone", "十月の電話。", "ひまわり訪問介護")
    url = reverse("casework:support_log_pdf", kwargs={"client_id": client_obj.pk}) + "?date_from=R8.10.1"
    response = owner_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "帳票" not in response["Content-Disposition"]  # no name in the file name
    pdf = response.content
    text = text_of(pdf)
    for expected in (
        "第5表",
        "居宅介護支援経過",
        "利用者名",
        "帳票太郎",
        "殿",
        "居宅サービス計画作成者氏名",
        "年月日",
        "内容",
        "令和8年10月7日",
        "【電話】",
        "ひまわり訪問介護",
        "十月の電話",
    ):
        assert expected in text, expected
    assert "九月の訪問" not in text
    assert page_count(pdf) == 1
    assert_only_japanese_font_embedded(pdf)
    with office_scope(office):
        event = AuditEvent.objects.get(action="pdf_exported")
    assert event.detail["kind"] == "support_log" and event.client_id == client_obj.pk


def test_pdf_of_an_empty_period_says_so(owner_client, client_obj):
    response = owner_client.get(reverse("casework:support_log_pdf", kwargs={"client_id": client_obj.pk}))
    assert response.status_code == 422
    assert "この期間の支援経過はまだ記録されていません" in response.content.decode()


def test_provider_office_does_not_see_the_card(db):
    from portal.offices.models import Role
    from tests.conftest import login_client
    from tests.factories import MembershipFactory, OfficeFactory

    provider = OfficeFactory(kinds=["11"])
    member = MembershipFactory(office=provider, role=Role.ADMIN)
    with office_scope(provider):
        client = _documents_client(provider)
    response = login_client(member).get(reverse("clients:detail", kwargs={"client_id": client.pk}))
    assert response.status_code == 200
    assert "支援経過（第5表）" not in response.content.decode()


def test_the_return_address_stays_on_this_site(owner_client, client_obj):
    """A tampered "next" (what an attacker, not a browser, sends: hence the edited rendered form)."""
    from tests.forms import read_form

    url = reverse("casework:support_log", kwargs={"client_id": client_obj.pk})
    detail = reverse("clients:detail", kwargs={"client_id": client_obj.pk})
    rendered = read_form(owner_client, detail, form="support-log-form")
    data = {c.name: c.value for c in rendered.form.controls if c.name}
    data.update({"log-kind": "phone", "log-content": "確認", "next": "https://evil.example/"})
    response = owner_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
