"""利用者のタイムライン: every kind of record in date order, period filter, one PDF; a fixed number of queries;
known events go to the 支援経過 only on a click, once."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linkage.exchange.models import Package, ReceivedPackage
from portal.careplans.models import CarePlan
from portal.casework.models import Assessment, Monitoring, ServiceMeeting, SupportLogEntry
from portal.offices.tenancy import office_scope
from portal.partners.models import Consent
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, text_of
from tests.forms import form_data, parse_forms, read_form
from tests.isolation_objects import _documents_client, _partners_partnership

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
_SEQ = itertools.count(10)


def _day(days_ago):
    return TODAY - dt.timedelta(days=days_ago)


def _records(office, client, *, shift=0):
    """One record of every kind, ``shift`` days earlier than the first set."""
    Assessment.objects.create(
        office=office, client=client, assessed_on=_day(40 + shift), choices={"9": {"reason": "first"}}
    )
    CarePlan.objects.create(
        client=client,
        plan_date=_day(35 + shift),
        status="delivered",
        delivered_on=_day(30 + shift),
        delivered_to="本人",
    )
    ServiceMeeting.objects.create(
        office=office,
        client=client,
        held_on=_day(33 + shift),
        place="利用者宅",
        topics="原案の検討",
        start_time=dt.time(14, 0),
    )
    SupportLogEntry.objects.create(
        office=office,
        client=client,
        occurred_on=_day(20 + shift),
        kind="phone",
        content="長女と電話。体調に変わりなし。",
    )
    month = _day(10 + shift).replace(day=1)
    if not Monitoring.objects.filter(client=client, month=month).exists():
        Monitoring.objects.create(
            office=office,
            client=client,
            month=month,
            visited_on=_day(10 + shift),
            place="home",
            policy="現行計画を継続。",
        )
    sent = timezone.make_aware(dt.datetime.combine(_day(25 + shift), dt.time(9, 30)))
    Package.objects.create(
        office=office,
        package_id=uuid.uuid4(),
        unit_kind="schedule",
        month=_day(25 + shift).replace(day=1),
        sender_kind="43",
        recipient_office_number="1370000011",
        recipient_kind="11",
        recipient_name="ひまわり訪問介護",
        sequence=f"2026102510{next(_SEQ):04d}",
        client_ids=[client.pk],
        content=b"",
        status="imported",
        sent_at=sent,
    )
    received = ReceivedPackage.objects.create(
        office=office,
        package_id=uuid.uuid4(),
        sender_office_number="1370000011",
        sender_name="ひまわり訪問介護",
        unit_kind="actual",
        month=_day(15 + shift).replace(day=1),
        content=b"",
        status="imported",
        client_ids=[client.pk],
    )
    ReceivedPackage.objects.filter(pk=received.pk).update(
        received_at=timezone.make_aware(dt.datetime.combine(_day(15 + shift), dt.time(11, 0)))
    )
    Consent.objects.create(
        office=office,
        client=client,
        partnership=_partners_partnership(office),
        obtained_on=_day(36 + shift),
        method="written",
    )


@pytest.fixture
def recorded(office):
    with office_scope(office):
        client = _documents_client(office)
        other = _documents_client(office)
        _records(office, client)
        _records(office, other)  # another 利用者's records never show
        return client


def test_every_kind_of_record_in_date_order(owner_client, recorded):
    url = reverse("casework:timeline", kwargs={"client_id": recorded.pk})
    response = owner_client.get(url + "?order=asc")
    assert response.status_code == 200
    html = response.content.decode()
    kinds = [part.split('"')[0] for part in html.split('data-kind="')[1:]]
    assert kinds == ["assessment", "consent", "plan", "meeting", "plan", "send", "log", "receipt", "monitoring"]
    for expected in (
        "アセスメント（初回）",
        "居宅サービス計画 第1版",
        "を交付",
        "サービス担当者会議（第4表）",
        "サービス提供票をひまわり訪問介護へ送信",
        "長女と電話。",
        "サービス提供実績をひまわり訪問介護から受信",
        "外部の訪問介護との情報共有に同意",
        "のモニタリング（利用者の居宅（訪問））",
    ):
        assert expected in html, expected
    newest_first = owner_client.get(url).content.decode()
    assert [p.split('"')[0] for p in newest_first.split('data-kind="')[1:]] == list(reversed(kinds))


def test_a_period_and_kinds_and_a_bad_period(owner_client, recorded):
    url = reverse("casework:timeline", kwargs={"client_id": recorded.pk})
    form = read_form(owner_client, url, form="timeline-filters")
    from portal.core.wareki import wareki_date

    response = owner_client.get(
        url,
        form.data(
            {"date_from": wareki_date(_day(26)), "date_to": wareki_date(_day(12)), "kinds": ["log", "send", "receipt"]}
        ),
    )
    kinds = [p.split('"')[0] for p in response.content.decode().split('data-kind="')[1:]]
    assert sorted(kinds) == ["log", "receipt", "send"]
    bad = owner_client.get(url, form.data({"date_from": wareki_date(_day(1)), "date_to": wareki_date(_day(5))}))
    assert "期間の「から」が「まで」より後になっています" in bad.content.decode()


def test_the_query_count_does_not_grow_with_the_records(owner_client, office, recorded):
    url = reverse("casework:timeline", kwargs={"client_id": recorded.pk})
    owner_client.get(url)  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url).status_code == 200
        return len(queries)

    few = count()
    with office_scope(office):
        for shift in (60, 120, 180):
            _records(office, recorded, shift=shift)
    assert owner_client.get(url).content.decode().count('data-testid="timeline-event"') == 4 * 9
    assert count() == few


def test_one_pdf_for_a_chosen_period(owner_client, recorded):
    from portal.core.wareki import wareki_date

    url = reverse("casework:timeline_pdf", kwargs={"client_id": recorded.pk})
    response = owner_client.get(url, {"date_from": wareki_date(_day(34)), "date_to": wareki_date(TODAY)})
    assert response.status_code == 200 and "帳票" not in response["Content-Disposition"]
    text = text_of(response.content)
    for expected in (
        "利用者の記録（タイムライン）",
        "帳票太郎",
        "殿",
        "サービス担当者会議",
        "長女と電話。",
        "サービス提供実績",
        "モニタリング",
        "（6件）",
    ):
        assert expected in text, expected
    assert "アセスメント（初回）" not in text  # before the period
    assert_only_japanese_font_embedded(response.content)
    empty = owner_client.get(url, {"date_from": wareki_date(TODAY), "date_to": wareki_date(TODAY)})
    assert empty.status_code == 422 and "この期間の記録はありません" in empty.content.decode()


def test_known_events_go_to_the_log_only_on_a_click_and_once(owner_client, office, recorded):
    log_url = reverse("casework:support_log", kwargs={"client_id": recorded.pk})
    with office_scope(office):
        assert not SupportLogEntry.objects.filter(client=recorded).exclude(source="").exists()  # never silently
    page = owner_client.get(log_url).content.decode()
    assert "Renkeiの記録から追加できる出来事" in page and "を交付" in page
    forms = [
        f
        for f in parse_forms(page)
        if any(c.name == "source" and c.value.startswith("plan_delivered:") for c in f.controls)
    ]
    assert len(forms) == 1
    data = form_data(forms[0], button="支援経過に記録")
    response = owner_client.post(reverse("casework:log_event", kwargs={"client_id": recorded.pk}), data)
    assert response.status_code == 302
    with office_scope(office):
        entry = SupportLogEntry.objects.get(client=recorded, source__startswith="plan_delivered:")
    assert entry.occurred_on == _day(30) and "を交付" in entry.content and "交付先: 本人" in entry.content
    page = owner_client.get(log_url).content.decode()
    assert "支援経過に記録済み" in page
    # the same event a second time (another tab): not added again
    data["form_token"] = "another-tab"
    owner_client.post(reverse("casework:log_event", kwargs={"client_id": recorded.pk}), data)
    with office_scope(office):
        assert SupportLogEntry.objects.filter(client=recorded, source=entry.source).count() == 1
    # an event of another 利用者 cannot be added to this one (forged source)
    with office_scope(office):
        other_plan = CarePlan.objects.exclude(client=recorded).get()
    forged = dict(data, source=f"plan_delivered:{other_plan.pk}", form_token="forged")  # deliberate forgery
    owner_client.post(reverse("casework:log_event", kwargs={"client_id": recorded.pk}), forged)
    with office_scope(office):
        assert SupportLogEntry.objects.filter(client=recorded).exclude(source="").count() == 1
