"""記録の保存期間: per office, a periodic task deletes month records older than the period after their
service month and 利用者 whose contract ended more than the period ago, with all their records and
files. Month boundaries are Asia/Tokyo's: with 5 years, 令和3年11月 goes at 2026-12-01 00:00 JST
(2026-11-30 15:00 UTC), 令和3年12月 stays."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal.offices.models import Office, RetentionRun
from portal.offices.retention import retention_purge
from portal.offices.tasks import retention
from portal.offices.tenancy import office_scope
from tests.factories import make_consent, make_partnership

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
LAST_MINUTE = dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=JST)  # 令和3年11月 is still inside 5 years
NEXT_MONTH = dt.datetime(2026, 12, 1, 0, 0, tzinfo=JST)  # = 2026-11-30 15:00 UTC: 令和3年11月 is past
PAST = dt.date(2021, 11, 30)  # the last day of the month that goes at NEXT_MONTH
INSIDE = dt.date(2021, 12, 1)  # the first day of the month that stays


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def at(monkeypatch):
    """Run what follows at a given moment (django.utils.timezone.now is what localdate() reads)."""

    def move(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))

    return move


_seq = iter(range(10**6))


def _client(office, *, insured=None, **values):
    from portal.clients.models import Client

    with office_scope(office):
        return Client.objects.create(
            office=office,
            family_name="保存",
            given_name="花子",
            family_name_kana="ホゾン",
            given_name_kana="ハナコ",
            sex="2",
            birth_date=dt.date(1938, 5, 1),
            insurer_number="131011",
            insured_number=insured or f"{next(_seq) + 1:010d}",
            **values,
        )


def _at(day: dt.date) -> dt.datetime:
    """The moment a record of ``day`` was made: its last second when the day is PAST, else its first."""
    return dt.datetime.combine(day, dt.time(23, 59, 59) if day == PAST else dt.time(0, 0), tzinfo=JST)


# One maker per kind of month record: (office, client, partnership, day) → the row.
def _schedule(o, c, p, day):
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    s = ServiceSchedule.objects.create(client=c, month=day.replace(day=1), created_on=day)
    ServiceScheduleLine.objects.create(
        schedule=s,
        provider_office_number="1370000001",
        service_type_code="11",
        service_item_code="1211",
        planned_days=[1] + [0] * 30,
        actual_days=[1] + [0] * 30,
    )
    return s


def _package(o, c, p, day, *, month=True):
    from linkage.exchange.models import Package

    pkg = Package.objects.create(
        office=o,
        package_id=uuid.uuid4(),
        unit_kind="schedule",
        sender_kind="43",
        recipient_office_number="1370000001",
        recipient_kind="11",
        sequence=f"{next(_seq):014d}",
        content=b"PK",
        client_ids=[c.pk],
        month=day.replace(day=1) if month else None,
    )
    Package.objects.filter(pk=pkg.pk).update(created_at=_at(day))
    return pkg


def _received(o, c, p, day, *, month=True):
    from linkage.exchange.models import ReceivedPackage

    pkg = ReceivedPackage.objects.create(
        office=o,
        package_id=uuid.uuid4(),
        sender_office_number="1370000001",
        content=b"PK",
        client_ids=[c.pk],
        month=day.replace(day=1) if month else None,
    )
    ReceivedPackage.objects.filter(pk=pkg.pk).update(received_at=_at(day))
    return pkg


def _batch_pdf(o, c, p, day):
    from portal.documents.models import DocumentJob

    job = DocumentJob.objects.create(office=o, month=day.replace(day=1))
    job.file.save("batch.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    return job


MAKERS = {
    "schedules": _schedule,
    "received_schedules": lambda o, c, p, day: apps.get_model("exchange.ReceivedSchedule").objects.create(
        office=o, client=c, month=day.replace(day=1), sender_office_number="1370000001", sequence="1"
    ),
    "actual_sources": lambda o, c, p, day: apps.get_model("exchange.ActualSource").objects.create(
        office=o,
        client=c,
        month=day.replace(day=1),
        provider_office_number="1370000001",
        service_type_code="11",
        sequence="1",
    ),
    "sent_packages": _package,
    "sent_plan_packages": lambda o, c, p, day: _package(o, c, p, day, month=False),
    "received_packages": _received,
    "received_plan_packages": lambda o, c, p, day: _received(o, c, p, day, month=False),
    "paper_links": lambda o, c, p, day: apps.get_model("paperlinks.PaperLink").objects.create(
        office=o,
        partnership=p,
        partner_office_number="1370000001",
        month=day.replace(day=1),
        token_hash=uuid.uuid4().hex,
        code_hash="x",
        expires_at=_at(day),
    ),
    "confirmations": lambda o, c, p, day: apps.get_model("claims.ActualConfirmation").objects.create(
        office=o, client=c, month=day.replace(day=1), version=1
    ),
    "kyotaku": lambda o, c, p, day: apps.get_model("claims.KyotakuEntry").objects.create(
        office=o, client=c, month=day.replace(day=1)
    ),
    "rejections": lambda o, c, p, day: apps.get_model("claims.Rejection").objects.create(
        office=o, client=c, month=day.replace(day=1), kind="returned", target="benefit", note="テスト"
    ),
    "transmission_files": lambda o, c, p, day: apps.get_model("claims.TransmissionFile").objects.create(
        office=o,
        month=day.replace(day=1),
        process_month=day.replace(day=1),
        data_type="821",
        name="f.csv",
        content=b"x",
        record_count=1,
        client_count=1,
    ),
    "support_log": lambda o, c, p, day: apps.get_model("casework.SupportLogEntry").objects.create(
        office=o, client=c, occurred_on=day, kind="visit", content="訪問した"
    ),
    "monitorings": lambda o, c, p, day: apps.get_model("casework.Monitoring").objects.create(
        office=o, client=c, month=day.replace(day=1), visited_on=day
    ),
    "meetings": lambda o, c, p, day: apps.get_model("casework.ServiceMeeting").objects.create(
        office=o, client=c, held_on=day, place="自宅", topics="計画"
    ),
    "assessments": lambda o, c, p, day: apps.get_model("casework.Assessment").objects.create(
        office=o, client=c, assessed_on=day
    ),
    "batch_pdfs": _batch_pdf,
}


def _exists(row) -> bool:
    with office_scope(row.office_id if hasattr(row, "office_id") else row.client.office_id):
        return type(row)._base_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_month_record_just_past_the_period_is_deleted_and_one_just_inside_is_kept(
    kind, office, outsider_office, media, at, django_capture_on_commit_callbacks
):
    make = MAKERS[kind]
    Office.objects.filter(pk=outsider_office.pk).update(retention_years=10)  # keeps both of its rows
    pa, pb = make_partnership(office, outsider_office, ["43"])
    rows = {}
    for o, p in ((office, pa), (outsider_office, pb)):
        client = _client(o)
        with office_scope(o):
            rows[o.pk] = (make(o, client, p, PAST), make(o, client, p, INSIDE))
    past, inside = rows[office.pk]
    files = [r.file.path for r in (past, inside) if getattr(r, "file", None)]

    at(LAST_MINUTE)  # 2026-11-30 23:59:59 JST (14:59 UTC): 令和3年11月 is the last month still kept
    retention.run()
    assert _exists(past) and _exists(inside)

    at(NEXT_MONTH)  # 2026-12-01 00:00 JST, still 30 November in UTC
    with django_capture_on_commit_callbacks(execute=True):
        totals = retention.run()
    assert not _exists(past) and _exists(inside)
    assert totals[past._meta.label] == 1
    assert all(_exists(r) for r in rows[outsider_office.pk])  # another office (10 years) is untouched
    if files:  # the stored PDF went with its row
        assert not os.path.exists(files[0]) and os.path.exists(files[1])
    with office_scope(office):
        run = RetentionRun.objects.get()
    assert run.counts[past._meta.label] == 1 and run.years == 5 and run.month_cutoff == dt.date(2021, 12, 1)
    assert retention.run() == {}  # idempotent: a second run finds nothing more
    with office_scope(office):
        assert RetentionRun.objects.count() == 1


def test_a_client_whose_contract_ended_more_than_the_period_ago_goes_with_all_records_and_files(
    office, outsider_office, media, at, django_capture_on_commit_callbacks
):
    from linkage.exchange.models import Package
    from portal.careplans.models import CarePlan
    from portal.clients.models import Certification, Client
    from portal.partners.models import Consent
    from portal.prevention.models import BasicInfo
    from portal.schedules.models import ServiceSchedule

    pa, pb = make_partnership(office, outsider_office, ["43"])
    ended = _client(office, is_active=False, ended_on=dt.date(2021, 11, 30))  # 5 years end on 2026-11-30
    kept = _client(office, is_active=False, ended_on=dt.date(2021, 12, 1))
    active = _client(office)
    Office.objects.filter(pk=outsider_office.pk).update(retention_years=10)
    elsewhere = _client(outsider_office, is_active=False, ended_on=dt.date(2018, 1, 31))
    with office_scope(office):
        CarePlan.objects.create(client=ended, plan_date=dt.date(2021, 4, 1))
        Certification.objects.create(
            client=ended, care_level="21", valid_from=dt.date(2021, 4, 1), valid_to=dt.date(2022, 3, 31)
        )
        BasicInfo.objects.create(client=ended, consultation_date=dt.date(2021, 4, 1), family_image=b"\xff\xd8JPEG")
        ServiceSchedule.objects.create(client=ended, month=dt.date(2026, 10, 1), created_on=dt.date(2026, 9, 25))
        own_plan_package = _package(office, ended, pa, dt.date(2026, 5, 1), month=False)
        shared_plan_package = _package(office, ended, pa, dt.date(2026, 5, 1), month=False)
        Package.objects.filter(pk=shared_plan_package.pk).update(client_ids=[ended.pk, active.pk])
    consent = make_consent(office, ended, pa)
    with office_scope(office):
        consent.document.save("scan.pdf", ContentFile(b"%PDF-1.7 consent"))
    scan = consent.document.path
    assert os.path.exists(scan)

    at(LAST_MINUTE)
    retention.run()
    with office_scope(office):
        assert Client.objects.filter(pk=ended.pk).exists()  # still inside its five years

    at(NEXT_MONTH)
    with django_capture_on_commit_callbacks(execute=True):
        totals = retention.run()
    with office_scope(office):
        assert set(Client.objects.values_list("pk", flat=True)) == {kept.pk, active.pk}
        for model in (CarePlan, Certification, BasicInfo, ServiceSchedule, Consent):
            assert not model.objects.filter(client_id=ended.pk).exists(), model
        assert not Package.objects.filter(pk=own_plan_package.pk).exists()
        assert Package.objects.filter(pk=shared_plan_package.pk).exists()  # it concerns another 利用者 too
        run = RetentionRun.objects.get()
    assert not os.path.exists(scan)  # the consent scan is gone from the disk
    assert totals["clients.Client"] == 1 and run.counts["prevention.BasicInfo"] == 1
    assert run.ended_cutoff == dt.date(2021, 12, 1)
    with office_scope(outsider_office):
        assert Client.objects.filter(pk=elsewhere.pk).exists()  # the other office is not touched


def test_the_period_is_the_offices_own(office, outsider_office, at):
    Office.objects.filter(pk=office.pk).update(retention_years=2)
    rows = {}
    for o in (office, outsider_office):
        client = _client(o)
        with office_scope(o):
            rows[o.pk] = MAKERS["support_log"](o, client, None, dt.date(2024, 11, 30))
    at(NEXT_MONTH)
    retention.run()
    assert not _exists(rows[office.pk])  # 2 years: 令和6年11月 is past on 2026-12-01
    assert _exists(rows[outsider_office.pk])  # 5 years (the default)


def test_a_run_while_another_holds_the_office_skips_it(office, at):
    """A second run at the same time does not wait for or repeat the first (SKIP LOCKED)."""
    client = _client(office)
    with office_scope(office):
        row = MAKERS["monitorings"](office, client, None, PAST)
    at(NEXT_MONTH)
    result = {}
    with transaction.atomic():
        Office.objects.select_for_update().get(pk=office.pk)  # the first run holds the office

        def second():
            try:
                result["run"] = retention_purge(office.pk)
            finally:
                connection.close()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(30)
        assert not thread.is_alive() and result["run"] is None
    assert _exists(row)
    assert retention_purge(office.pk).counts == {"casework.Monitoring": 1}
    assert not _exists(row)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_delete_once(office, at):
    client = _client(office)
    with office_scope(office):
        for n in range(30):
            MAKERS["support_log"](office, client, None, PAST - dt.timedelta(days=n))
    at(NEXT_MONTH)
    start, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            start.wait(10)
            results.append(retention.run())
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(r.get("casework.SupportLogEntry", 0) for r in results) == [0, 30]
    with office_scope(office):
        assert RetentionRun.objects.count() == 1
        assert apps.get_model("casework.SupportLogEntry").objects.count() == 0


# --------------------------------------------------------------------------- the setting and the preview


def test_the_admin_sets_the_period_and_a_value_below_two_years_gets_a_japanese_error(office, owner_client):
    from tests.forms import submit

    url = reverse("offices:settings")
    page = owner_client.get(url).content.decode()
    assert "記録の保存期間（年）" in page and 'value="5"' in page
    response = submit(owner_client, url, {"retention_years": "1年"}, button="保存する")
    assert response.status_code == 200
    assert "記録の保存期間は2年以上10年以下で入力してください" in response.content.decode()
    office.refresh_from_db()
    assert office.retention_years == 5
    response = submit(owner_client, url, {"retention_years": "７年"}, button="保存する")
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.retention_years == 7


def test_the_settings_page_shows_what_the_next_run_deletes_per_kind_and_month(office, owner_client):
    today = timezone.localdate()
    past_month = dt.date(today.year - 5, today.month, 1) - dt.timedelta(days=1)  # the month before the cut-off
    client = _client(office)
    ended = _client(office, is_active=False, ended_on=past_month)
    _client(office, is_active=False)  # 利用終了 without a date: kept, and the page says so
    with office_scope(office):
        for _ in range(2):
            MAKERS["support_log"](office, client, None, past_month)
        MAKERS["schedules"](office, client, None, past_month.replace(day=1) + dt.timedelta(days=40))  # inside
        apps.get_model("careplans.CarePlan").objects.create(client=ended, plan_date=past_month)
    page = owner_client.get(reverse("offices:settings")).content.decode()
    assert "保存期間を過ぎる記録" in page
    from portal.core.wareki import wareki_month

    month = wareki_month(past_month)
    assert f'<td>支援経過（第5表）</td><td>{month}</td><td class="num">2件</td>' in page
    assert "サービス利用票・提供票" not in page  # inside the period: not listed
    assert f'{month}</td><td class="num">1人</td>' in page
    assert "その方の記録 1件" in page  # the plan
    assert "利用終了日が入っていない利用終了の利用者が1人います" in page
    retention.run()
    page = owner_client.get(reverse("offices:settings")).content.decode()
    assert "いま保存期間を過ぎている記録はありません" in page and "これまでの削除" in page


def test_unticking_in_use_records_the_end_of_the_contract(office, owner, owner_client):
    from portal.clients.models import Client
    from tests.forms import submit

    client = _client(office)
    url = reverse("clients:edit", kwargs={"client_id": client.pk})
    submit(owner_client, url, {"client-is_active": False}, button="保存する")
    with office_scope(office):
        client = Client.objects.get(pk=client.pk)
    assert not client.is_active and client.ended_on == timezone.localdate()
    response = submit(owner_client, url, {"client-is_active": True}, button="保存する")
    assert "利用終了日を入れる場合は「利用中」のチェックを外してください" in response.content.decode()


def test_the_export_page_says_the_period_and_links_to_what_goes_next(office, owner_client):
    Office.objects.filter(pk=office.pk).update(retention_years=7)
    page = owner_client.get(reverse("exports:page")).content.decode()
    assert "記録の保存期間は7年です" in page and f"{reverse('offices:settings')}#retention" in page
