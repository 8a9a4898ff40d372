"""A care manager registers a client, fills the month's 第6表 from the 第3表 weekly pattern, ticks
and adds lines, sees the 第7表 with the over-limit warning, and downloads CSVs that validate."""

import calendar
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linkage.standard import validate_files
from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, make_consent, make_partnership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def test_client_to_schedule_to_csv(new_page, live_server, screenshot):
    office = OfficeFactory(
        office_number="1310099001", name="みらい居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    visiting = OfficeFactory(office_number="1370099011", name="こすもす訪問介護", kinds=["11"], regional_grade="1")
    day_care = OfficeFactory(office_number="1370099012", name="ひなたデイサービス", kinds=["15"], regional_grade="3")
    partnerships = [make_partnership(office, visiting, ["11"])[0], make_partnership(office, day_care, ["15"])[0]]
    today = timezone.localdate()
    month = today.replace(day=1)
    days_in_month = calendar.monthrange(month.year, month.month)[1]

    page = new_page()
    login(page, live_server, cm.user.email, PASSWORD)

    # 1. register the client (with the current certification and two providers)
    page.goto(f"{live_server.url}/clients/new/")
    page.fill("input[name='client-family_name']", "青木")
    page.fill("input[name='client-given_name']", "良子")
    page.fill("input[name='client-family_name_kana']", "あおき")  # hiragana is converted
    page.fill("input[name='client-given_name_kana']", "ヨシコ")
    page.check("input[name='client-sex'][value='2']")
    page.fill("input[name='client-birth_date']", "1939-09-09")
    page.fill("input[name='client-insurer_number']", "131011")
    page.fill("input[name='client-insured_number']", "123456789")  # 9 digits: wrong on purpose
    page.select_option("select[name='cert-care_level']", "21")
    page.fill("input[name='cert-valid_from']", str(month - dt.timedelta(days=90)))
    page.fill("input[name='cert-valid_to']", str(month + dt.timedelta(days=300)))
    page.fill("input[name='svc-0-provider_office_number']", "1370099011")
    page.select_option("select[name='svc-0-service_type_code']", "11")
    page.click("button[data-add-row='svc']")
    page.fill("input[name='svc-1-provider_office_number']", "1370099012")
    page.select_option("select[name='svc-1-service_type_code']", "15")
    page.click("form[data-testid=client-form] button[type=submit]")
    page.wait_for_load_state()
    assert "被保険者番号は半角数字10桁で入力してください" in page.content()
    assert page.input_value("input[name='client-family_name']") == "青木"  # nothing lost
    screenshot(page, "schedules-client-form-error")
    page.fill("input[name='client-insured_number']", "0001234567")
    page.click("form[data-testid=client-form] button[type=submit]")
    page.wait_for_load_state()
    assert "青木　良子さん" in page.content() and "こすもす訪問介護" in page.content()
    screenshot(page, "schedules-client-detail")

    # the 第3表 weekly pattern (written by the care-plan pages; here straight into the models)
    from portal.careplans.models import CarePlan, WeeklyActivity
    from portal.clients.models import Client

    with office_scope(office):
        client = Client.objects.get(insured_number="0001234567")
        plan = CarePlan.objects.create(
            client=client, plan_date=month - dt.timedelta(days=5), certification_status="2", care_level="21"
        )
        for weekday in range(1, 8):  # 身体介護３ every day
            WeeklyActivity.objects.create(
                plan=plan,
                weekday=weekday,
                start_time=dt.time(8),
                end_time=dt.time(9, 30),
                content="身体介護（入浴・排泄）",
                service_type_code="11",
                service_item_code="1311",
                provider_office_number="1370099011",
            )
        WeeklyActivity.objects.create(
            plan=plan,
            weekday=3,
            start_time=dt.time(9, 30),
            end_time=dt.time(16, 45),
            content="通所介護",
            service_type_code="15",
            service_item_code="1511",
            provider_office_number="1370099012",
        )

    # 2. this month's 第6表 from the weekly pattern
    page.click("text=のサービス利用票（第6表・第7表）")
    page.wait_for_load_state()
    page.click("text=第3表から作成")
    page.wait_for_load_state()
    assert "2行を入力しました" in page.content()
    expect(page.locator("[data-testid=draft-banner]")).to_be_visible()
    grid = page.locator("[data-testid=grid]")
    assert grid.locator("tr.line:not(.blank)").count() == 2
    wednesdays = [d for d in range(1, days_in_month + 1) if month.replace(day=d).weekday() == 2]
    assert page.input_value(f"input[name='line-1-d{wednesdays[0]}']") == "1"

    # tick one more day service day (a Friday) and add 入浴介助加算 on Wednesdays as its own line
    friday = next(d for d in range(1, days_in_month + 1) if month.replace(day=d).weekday() == 4)
    page.click(f"input[name='line-1-d{friday}']")
    assert page.input_value(f"input[name='line-1-d{friday}']") == "1"
    page.click("#add-row")
    new_row = grid.locator("tr.line:not(.blank)").nth(2)
    assert new_row.locator("input[name$='-provider']").input_value() == "1370099012"  # same provider as above
    new_row.locator("input[name$='-code']").fill("155301")
    new_row.locator("input[name$='-start']").fill("09:30")
    new_row.locator("input[name$='-end']").fill("16:45")
    new_row.locator("select.weekfill").select_option("2")  # every Wednesday…
    new_row.locator("button.weekfill-apply").click()  # …applied when confirmed
    screenshot(page, "schedules-grid-before-save")
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    assert "のサービス利用票を保存しました（3行）" in page.content()

    # 3. the 第7表 with the over-limit warning (身体介護３ 567 × every day alone exceeds 16,765 units)
    units = 567 * days_in_month + 658 * (len(wednesdays) + 1) + 40 * len(wednesdays)
    over = units - 16765
    banner = page.locator("[data-testid=over-limit]")
    expect(banner).to_be_visible()
    assert f"{over:,}単位" in banner.inner_text()
    assert page.locator("[data-testid=over-units]").inner_text() == f"{over:,}"
    expect(page.locator("[data-testid=annex-total]")).to_be_visible()
    screenshot(page, "schedules-annex-over-limit")

    # 4. the standard CSVs: one send unit per provider × kind, validated by linkage.standard
    #    (only once the 利用者 has consented to sharing with both providers)
    with office_scope(office):
        client = Client.objects.get(family_name="青木")
    for partnership in partnerships:
        make_consent(office, client, partnership)
    with page.expect_download() as info:
        page.click("[data-testid=download]")
    data = open(info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = [(name, zf.read(name)) for name in zf.namelist()]
    names = sorted(n for n, _ in files)
    assert len(names) == 6
    assert any(n.startswith(f"UPPLAN_{month:%Y%m}_1310099001_43_1370099011_11_") for n in names)
    assert any(n.startswith(f"UPSIKYU_{month:%Y%m}_1310099001_43_1370099012_15_") for n in names)
    findings = validate_files(files)
    assert not [f for f in findings if f.is_error], [f.message for f in findings if f.is_error]
