"""The month's standard CSVs: one send unit per provider × kind, each passing the codec's validator."""

import datetime as dt
import io
import subprocess
import sys
import zipfile

import pytest
from django.urls import reverse

from linkage.standard import read_file, validate_files
from portal.offices.models import Office
from portal.offices.tenancy import office_scope, scopes_disabled
from portal.schedules.selectors import load_schedule, schedule_annex
from portal.schedules.standard import hosoku_rows, schedule_send_units
from tests.factories import OfficeFactory, make_consent, make_external_partnership, make_partnership

from .helpers import MONTH, days, make_client, make_schedule, weekdays_in

pytestmark = pytest.mark.django_db

MONDAYS = weekdays_in(MONTH, 0)
THURSDAYS = weekdays_in(MONTH, 3)


@pytest.fixture
def month_schedule(office):
    OfficeFactory(office_number="1370000011", name="ひまわり訪問介護", kinds=["11"], regional_grade="1")
    OfficeFactory(office_number="1370000012", name="あおぞらデイ", kinds=["15"], regional_grade="3")
    client = make_client(
        office,
        services=(
            ("1370000011", "ひまわり訪問介護", "11"),
            ("1370000012", "あおぞらデイ", "15"),
            ("2799000001", "外部の福祉用具", "17"),
        ),
    )
    schedule = make_schedule(
        office,
        client,
        [
            ("1370000011", "111211", "0900", "1000", days(*MONDAYS)),
            ("1370000011", "116275", "9999", "9999", [0] * 31),
            ("1370000012", "151511", "0930", "1700", days(*THURSDAYS)),
            ("1370000012", "155301", "0930", "1700", days(*THURSDAYS)),
            ("2799000001", "171007", "9999", "9999", days(1)),
        ],
    )
    with office_scope(office):
        line = schedule.lines.get(service_item_code="1007")
        line.units_entered, line.tais_code, line.equipment_name = 300, "00001-000010", "手すり（居室）"
        line.save()
    return schedule


def test_send_units_per_recipient_pass_the_validator(office, month_schedule):
    with office_scope(office):
        schedule = load_schedule(month_schedule.pk)
        units = schedule_send_units(schedule=schedule, sender_office=office, created_at=dt.datetime(2026, 4, 25, 10, 0))
    assert [(u.recipient_office, u.recipient_kind) for u in units] == [
        ("1370000011", "11"),
        ("1370000012", "15"),
        ("2799000001", "17"),
    ]
    files = []
    for unit in units:
        built = unit.build()
        assert built.ok, [f.message for f in built.findings if f.is_error]
        files.extend(built.files)
    assert not [f for f in validate_files(files) if f.is_error]
    names = [n for n, _ in files]
    assert "UPPLAN_202605_" + office.office_number + "_43_1370000011_11_20260425100000.CSV" in names
    assert any(n.startswith("UPSIKYU_202605_") for n in names) and any(n.startswith("UPHOSOKU_202605_") for n in names)

    plan = read_file(names[0], dict(files)[names[0]])
    assert plan.ok
    # every linked service of the client is in the file sent to each provider (§d-3): 4 Mondays + rate row
    # + 4 Thursdays × 2 + 1 rental day
    assert len(plan.rows) == 4 + 1 + 8 + 1
    codes = [r[14] for r in plan.rows]
    assert codes.count("111211") == 4 and codes.count("116275") == 1 and codes.count("171007") == 1
    rate_row = next(r for r in plan.rows if r[14] == "116275")
    # 処遇改善加算Ⅰ 24.5% of 387 × 4 = 1,548 → 379.26 → 379 units, on the group's last planned day
    assert rate_row[7] == "379" and rate_row[9] == "20260525"

    sikyu_name = next(n for n in names if n.startswith("UPSIKYU"))
    sikyu = read_file(sikyu_name, dict(files)[sikyu_name]).rows
    codes = [r[8] for r in sikyu]
    assert codes == ["111211", "116275", "11AAAA", "151511", "155301", "15AAAA", "171007", "999999"]
    total = sikyu[-1]
    assert total[6] == "9999999999" and total[12] == "0"
    subtotal_11 = sikyu[2]
    # 1,548 + 379 = 1,927 units × 11.40 = 21,967.8 → 21,967 yen; ×0.9 → 19,770; copay 2,197
    assert (subtotal_11[21], subtotal_11[22], subtotal_11[23], subtotal_11[25], subtotal_11[27]) == (
        "1927",
        "11.40",
        "21967",
        "19770",
        "2197",
    )
    rental = sikyu[6]
    assert (rental[9], rental[12], rental[22], rental[23]) == ("00001-000010", "300", "10.00", "3000")

    hosoku_name = next(n for n in names if n.startswith("UPHOSOKU"))
    hosoku = read_file(hosoku_name, dict(files)[hosoku_name]).rows[0]
    assert hosoku[3] == "00000000" and hosoku[62] == "202605"
    assert (hosoku[4], hosoku[5], hosoku[17], hosoku[18]) == ("ヤマダ\u3000タロウ", "山田\u3000太郎", "21", "16765")


def test_hosoku_carries_kind_limits_and_over_units(office, month_schedule):
    from portal.clients.models import KindLimit

    with office_scope(office):
        KindLimit.objects.create(client=month_schedule.client, service_type_code="15", units=2000)
        schedule = load_schedule(month_schedule.pk)
        annex = schedule_annex(schedule)
        (rec,) = hosoku_rows(schedule.client, month=MONTH, office_number=office.office_number, annex=annex)
    # 通所介護 (658 + 40) × 4 = 2,792 units, kind limit 2,000 → 792 over
    assert (rec[20], rec[21], rec[22], rec[23]) == ("15", 2000, 2792, 792)
    assert rec[56] == 792 and rec[4] == "00000000" and rec[63] == "202605"


def share_with_every_provider(office, client):
    """Partnerships and the 利用者's consent for the three providers of ``month_schedule``."""
    with scopes_disabled():
        providers = {o.office_number: o for o in Office.objects.filter(office_number__in=["1370000011", "1370000012"])}
    for number, kind in (("1370000011", "11"), ("1370000012", "15")):
        partnership, _ = make_partnership(office, providers[number], [kind])
        make_consent(office, client, partnership)
    make_consent(office, client, make_external_partnership(office, "2799000001", "外部の福祉用具", ["17"]))


def test_download_is_refused_without_consent(owner_client, office, month_schedule):
    response = owner_client.get(
        reverse("exchange:schedule_download", kwargs={"schedule_id": month_schedule.pk}), follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert "送信できる利用者がいません" in response.content.decode()


def test_download_zip_validates_with_the_cli(owner_client, office, month_schedule, tmp_path):
    share_with_every_provider(office, month_schedule.client)
    response = owner_client.get(reverse("exchange:schedule_download", kwargs={"schedule_id": month_schedule.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path)
    assert len(names) == 9  # 3 recipients × (UPPLAN, UPSIKYU, UPHOSOKU)
    result = subprocess.run(
        [sys.executable, "-m", "linkage.standard", "validate", *[str(tmp_path / n) for n in names]],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_download_refused_while_the_sheet_has_errors(owner_client, office):
    client = make_client(office)
    schedule = make_schedule(office, client, [("1370000011", "119999", "0900", "1000", days(4))])
    response = owner_client.get(reverse("exchange:schedule_download", kwargs={"schedule_id": schedule.pk}))
    assert response.status_code == 302
    page = owner_client.get(response["Location"]).content.decode()
    assert "誤りがあるため、CSVを作成できません" in page


def test_daily_prorated_line_carries_its_days_in_upplan(office):
    client = make_client(office, services=(("1370000073", "小多機すみれ", "73"),))
    planned = days(*range(10, 32))
    schedule = make_schedule(office, client, [("1370000073", "731121", "9999", "9999", planned)])
    with office_scope(office):
        line = schedule.lines.get()
        line.prorated_days = "".join("1" if n else "0" for n in planned)
        line.save()
        schedule = load_schedule(schedule.pk)
        (unit,) = schedule_send_units(schedule=schedule, sender_office=office, created_at=dt.datetime(2026, 4, 25, 9))
    built = unit.build()
    assert built.ok, [f.message for f in built.findings if f.is_error]
    name, data = next((n, d) for n, d in built.files if n.startswith("UPPLAN"))
    rows = read_file(name, data).rows
    assert len(rows) == 22  # one record per day from the 10th
    assert rows[0][10] == "0" * 9 + "1" * 22 and rows[0][7] == "344"
    sikyu = read_file(*next((n, d) for n, d in built.files if n.startswith("UPSIKYU"))).rows
    # 344 × 22 = 7,568 units × 11.10 (1級地, 55%) = 84,004.8 → 84,004 yen
    assert (sikyu[0][15], sikyu[0][16], sikyu[0][23]) == ("22", "7568", "84004")


def test_identical_equipment_lines_are_numbered_in_the_detail_code(office):
    """明細判別コード (第6表 No.19): two 手すり 171007 of 300 units (居室分・廊下分) are 1 and 2; a single
    rental line and other services stay Null."""
    client = make_client(office, services=(("2799000001", "外部の福祉用具", "17"), ("1370000011", "ひまわり", "11")))
    schedule = make_schedule(
        office,
        client,
        [
            ("2799000001", "171007", "9999", "9999", days(1)),
            ("2799000001", "171007", "9999", "9999", days(1)),
            ("2799000001", "171003", "9999", "9999", days(1)),
            ("1370000011", "111211", "0900", "1000", days(*MONDAYS)),
        ],
    )
    with office_scope(office):
        for line, (tais, name, units) in zip(
            schedule.lines.order_by("sort_order"),
            [
                ("00001-000010", "手すり（居室）", 300),
                ("00001-000010", "手すり（廊下）", 300),
                ("00150-000021", "特殊寝台", 1000),
            ],
        ):
            line.units_entered, line.tais_code, line.equipment_name = units, tais, name
            line.save()
        schedule = load_schedule(schedule.pk)
        units = schedule_send_units(schedule=schedule, sender_office=office, created_at=dt.datetime(2026, 4, 25, 9))
    built = next(u for u in units if u.recipient_kind == "17").build()
    assert built.ok, [f.message for f in built.findings if f.is_error]
    name, data = next((n, d) for n, d in built.files if n.startswith("UPPLAN"))
    got = sorted((r[14], r[17], r[18]) for r in read_file(name, data).rows if r[14].startswith("17"))
    assert got == [("171003", "特殊寝台", ""), ("171007", "手すり（居室）", "1"), ("171007", "手すり（廊下）", "2")]
    assert {r[18] for r in read_file(name, data).rows if r[14].startswith("11")} == {""}


def test_satellite_branch_of_the_service_goes_to_table6_and_table7(office, month_schedule):
    """サテライト枝番 (第6表 No.22, 第7表 No.8) comes from the 利用者's service entry; others stay Null."""
    from portal.clients.models import ClientService

    with office_scope(office):
        ClientService.objects.filter(client=month_schedule.client, provider_office_number="1370000011").update(
            satellite_branch="2"
        )
        schedule = load_schedule(month_schedule.pk)
        units = schedule_send_units(schedule=schedule, sender_office=office, created_at=dt.datetime(2026, 4, 25, 9))
    built = units[0].build()
    assert built.ok, [f.message for f in built.findings if f.is_error]
    files = dict(built.files)
    plan = read_file(*next((n, d) for n, d in files.items() if n.startswith("UPPLAN"))).rows
    assert {(r[19], r[21]) for r in plan} == {("1370000011", "2"), ("1370000012", ""), ("2799000001", "")}
    annex = read_file(*next((n, d) for n, d in files.items() if n.startswith("UPSIKYU"))).rows
    assert {(r[6], r[7]) for r in annex if r[8] != "999999"} == {
        ("1370000011", "2"),
        ("1370000012", ""),
        ("2799000001", ""),
    }
