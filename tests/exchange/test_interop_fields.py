"""Fields a real office has values for — 割引, 短期入所 days and 30日超, サテライト枝番, 入力者コード —
written by the care office (strictly clean), kept by the provider that imports them, and written
back in its 実績, which the care office imports again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from linkage.exchange import services
from linkage.exchange.importer import service_codes_known
from linkage.standard import read_file, validate_files
from portal.claims.models import CareManagerNumber
from portal.clients.models import ClientService
from portal.documents.sheets import schedule_sheet
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine
from portal.schedules.selectors import load_schedule
from tests.conftest import login_client
from tests.exchange.test_interop import upload
from tests.exchange.world import MONTH, make_world

pytestmark = pytest.mark.django_db

SEQUENCE = dt.datetime(2026, 3, 28, 9, 0, 0)


@pytest.fixture
def world(trusted_ca):
    """さくら with one 利用者 using ひまわり訪問介護 (11, 5% 割引 → 割引後率 95) and a short stay (21,
    satellite 1) every day of April (30 days) after 20 days entered as used before April."""
    cm, (visit, stay) = make_world(trusted_ca, clients=1, providers=(("11", "1211"), ("21", "2121")))
    client = cm.clients[0]
    with office_scope(cm.office):
        ClientService.objects.create(
            client=client,
            provider_office_number=visit.office.office_number,
            provider_name=visit.office.name,
            service_type_code="11",
            discount_rate=95,
        )
        ClientService.objects.create(
            client=client,
            provider_office_number=stay.office.office_number,
            provider_name=stay.office.name,
            service_type_code="21",
            satellite_branch="1",
        )
        schedule = ServiceSchedule.objects.get(client=client, month=MONTH)
        line = schedule.lines.get(service_type_code="21")
        line.planned_days = [1] * 30 + [0]
        line.save()
        # March: the last 5 days at the short stay → April 26 is the 31st consecutive day
        march = ServiceSchedule.objects.create(
            client=client, month=dt.date(2026, 3, 1), created_on=dt.date(2026, 2, 25)
        )
        ServiceScheduleLine.objects.create(
            schedule=march,
            provider_office_number=stay.office.office_number,
            service_type_code="21",
            service_item_code="2121",
            planned_days=[0] * 26 + [1] * 5,
        )
        ServiceSchedule.objects.filter(pk=schedule.pk).update(short_stay_days_before=20, updated_by=cm.admin)
        type(client).objects.filter(pk=client.pk).update(
            care_manager=cm.admin, postal_code="160-0023", address="東京都新宿区西新宿2-8-1"
        )
        CareManagerNumber.objects.create(office=cm.office, membership=cm.admin, number="13012345")  # 8 digits
    return cm, visit, stay


def _built(office, units):
    files = {}
    with office_scope(office):
        for unit in units:
            files[unit.recipient_office_number] = unit.build(SEQUENCE, unit.clients).files
    return files


def _rows(files, prefix):
    name, data = next((n, d) for n, d in files if n.startswith(prefix))
    return read_file(name, data).rows


def test_written_strictly_clean_kept_on_import_and_written_back(world):
    cm, visit, stay = world
    with office_scope(cm.office):
        sent = _built(cm.office, services.month_send_plan(office=cm.office, month=MONTH))
    for files in sent.values():
        findings = validate_files(files, service_codes=service_codes_known)
        assert findings == [], sorted({(f.file[:8], f.field_name, f.code, f.message) for f in findings})

    files = sent[stay.office.office_number]
    plan = _rows(files, "UPPLAN")
    visits = [r for r in plan if r[14] == "111211"]
    # 第6表 No.8 is the 割引後単位数: 387 × 95% = 367.65 → 368
    assert {r[7] for r in visits} == {"368"} and {r[8] for r in visits} == {""} and {r[21] for r in visits} == {""}
    stays = {r[9]: r for r in plan if r[14] == "212121"}
    assert len(stays) == 30
    # No.9 前月までの短期入所利用日数 = the entered 20; No.22 サテライト枝番; No.23 ３０日超区分 on April 26
    assert {r[8] for r in stays.values()} == {"20"} and {r[21] for r in stays.values()} == {"1"}
    assert [d for d, r in stays.items() if r[22] == "1"] == ["20260426"]

    annex = _rows(files, "UPSIKYU")
    visit_row = next(r for r in annex if r[8] == "111211")
    # No.13 単位数, No.14 割引後率, No.15 割引後単位数, No.16 回数, No.17 サービス単位金額
    assert visit_row[12:17] == ["387", "95", "368", "4", "1472"]
    stay_rows = [r for r in annex if r[8] == "212121"]
    assert [(r[15], r[32]) for r in stay_rows] == [("29", "0"), ("1", "1")]  # the 30日超 day on a row of its own
    assert {r[7] for r in stay_rows} == {"1"}
    # Nos.30–32: 前月までの利用日数, 当月の計画利用日数, 累積利用日数
    assert {tuple(r[29:32]) for r in stay_rows} == {("20", "30", "50")}
    # No.35 入力者コード: 10 digits by the layout, and no member has such a code (介護支援専門員番号 is 8)
    assert {r[34] for r in annex} == {""}
    total = next(r for r in annex if r[8] == "999999")
    assert total[13] == "" and total[14] == ""  # 割引後率/割引後単位数 empty on the 全合計
    hosoku = _rows(files, "UPHOSOKU")[0]
    assert (hosoku[56], hosoku[57]) == ("20", "50")  # 入所前月迄利用日数 / 入所累積利用日数

    # the short-stay provider imports the unit: the values stay with its copy of the month
    stay_web = login_client(stay.admin)
    page = upload(stay_web, files)
    assert "1件の送信単位を取り込みました" in page
    with office_scope(stay.office):
        schedule = ServiceSchedule.objects.get(client=stay.clients[0], month=MONTH)
        assert schedule.short_stay_days_before == 20
        own = schedule.lines.get(service_type_code="21")
        other = schedule.lines.get(service_type_code="11")
        assert (own.satellite_branch, own.discount_rate) == ("1", None)
        assert (other.satellite_branch, other.discount_rate) == ("", 95)
        sheet = schedule_sheet(load_schedule(schedule.pk), kind="provision")  # the provider's 提供票 PDF
        own.actual_days = list(own.planned_days)
        own.save()
        back = services.actual_send_plan(office=stay.office, schedule=schedule)
        (actual_files,) = _built(stay.office, back).values()
    visit_print = next(r for r in sheet.annex.rows if r.service_code == "111211")
    assert (visit_print.discount_rate, visit_print.discounted_units) == (95, 368)
    assert [r.count for r in sheet.annex.rows if r.service_code == "212121"] == [29, 1]
    assert (sheet.short_stay_days_before, sheet.annex.short_stay_total) == (20, 50)
    provision = stay_web.get(reverse("exchange:provision", kwargs={"schedule_id": schedule.pk})).content.decode()
    assert "30日超（全額自己負担）" in provision and '<td class="num">95</td><td class="num">368</td>' in provision
    assert validate_files(actual_files, service_codes=service_codes_known) == []
    actual = {r[9]: r for r in _rows(actual_files, "UPJSK")}
    assert len(actual) == 30 and {r[21] for r in actual.values()} == {"1"} and {r[8] for r in actual.values()} == {"20"}
    assert [d for d, r in actual.items() if r[22] == "1"] == ["20260426"]

    # the visiting-care provider writes its 実績 with the 割引後単位数 it received
    visit_files = sent[visit.office.office_number]
    assert "1件の送信単位を取り込みました" in upload(login_client(visit.admin), visit_files)
    with office_scope(visit.office):
        schedule = ServiceSchedule.objects.get(client=visit.clients[0], month=MONTH)
        own = schedule.lines.get(service_type_code="11")
        own.actual_days = list(own.planned_days)
        own.save()
        (visit_actual,) = _built(
            visit.office, services.actual_send_plan(office=visit.office, schedule=schedule)
        ).values()
    assert validate_files(visit_actual, service_codes=service_codes_known) == []
    assert {r[7] for r in _rows(visit_actual, "UPJSK")} == {"368"}

    # the care office imports the short stay's 実績: the satellite number stays on its line
    assert "1件の送信単位を取り込みました" in upload(login_client(cm.admin), actual_files)
    with office_scope(cm.office):
        line = ServiceScheduleLine.objects.get(
            schedule__client=cm.clients[0], schedule__month=MONTH, service_type_code="21"
        )
        assert line.satellite_branch == "1" and line.actual_total == 30
