"""A care manager records a provider's 割引 and a satellite on the 利用者's services, types the short
stays used before Renkei on the 第6表, and sees the 割引後単位数, the 30日超 day and the 短期入所 days on
the page's 第7表 and in the 提供票 PDF (screenshots under var/screenshots/)."""

import datetime as dt
import subprocess

import pytest
from playwright.sync_api import expect

from portal.clients.models import Certification, Client, ClientService
from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MONTH = dt.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def _days(days):
    out = [0] * 31
    for d in days:
        out[d - 1] = 1
    return out


def test_discount_short_stay_and_satellite_on_the_sheet_and_the_pdf(new_page, live_server, screenshot):
    office = OfficeFactory(
        office_number="1310099001", name="みらい居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    OfficeFactory(office_number="1370099011", name="こすもす訪問介護", kinds=["11"], regional_grade="1")
    OfficeFactory(office_number="1370099021", name="ひだまりショートステイ", kinds=["21"], regional_grade="3")
    with office_scope(office):
        client = Client.objects.create(
            office=office,
            family_name="青木",
            given_name="良子",
            family_name_kana="アオキ",
            given_name_kana="ヨシコ",
            sex="2",
            birth_date=dt.date(1939, 9, 9),
            insurer_number="131011",
            insured_number="0012345678",
            care_manager=cm,
        )
        Certification.objects.create(
            client=client,
            care_level="21",
            status="2",
            valid_from=dt.date(2026, 4, 1),
            valid_to=dt.date(2026, 9, 30),
            certified_on=dt.date(2026, 3, 25),
            benefit_limit_units=16765,
        )
        ClientService.objects.create(
            client=client, provider_office_number="1370099011", provider_name="こすもす訪問介護", service_type_code="11"
        )
        ClientService.objects.create(
            client=client,
            provider_office_number="1370099021",
            provider_name="ひだまりショートステイ",
            service_type_code="21",
        )
        april = ServiceSchedule.objects.create(
            client=client, month=dt.date(2026, 4, 1), created_on=dt.date(2026, 3, 25)
        )
        ServiceScheduleLine.objects.create(
            schedule=april,
            provider_office_number="1370099021",
            service_type_code="21",
            service_item_code="1111",
            planned_days=_days(range(11, 31)),
        )
        may = ServiceSchedule.objects.create(client=client, month=MONTH, created_on=dt.date(2026, 4, 25))
        ServiceScheduleLine.objects.create(
            schedule=may,
            provider_office_number="1370099011",
            provider_name="こすもす訪問介護",
            service_type_code="11",
            service_item_code="1211",
            start_time="0900",
            end_time="1000",
            planned_days=_days([18, 25]),
        )
        ServiceScheduleLine.objects.create(
            schedule=may,
            sort_order=1,
            provider_office_number="1370099021",
            provider_name="ひだまりショートステイ",
            service_type_code="21",
            service_item_code="1111",
            planned_days=_days(range(1, 15)),
        )

    page = new_page()
    login(page, live_server, cm.user.email, PASSWORD)
    # the 利用者's services: こすもす offers 5% off (割引後率 95), ひだまり is satellite 2
    page.goto(f"{live_server.url}/clients/{client.pk}/edit/")
    page.fill("input[name='svc-0-discount_rate']", "95")
    page.fill("input[name='svc-1-satellite_branch']", "2")
    screenshot(page, "interop-client-services")
    page.click("main form button[type=submit]:has-text('保存する')")
    expect(page.locator("main")).to_contain_text("95%")

    page.goto(f"{live_server.url}/schedules/{may.pk}/")
    annex = page.locator("[data-testid=annex]")
    # April 11–30 (20 days) and May 1–11 → May 11 is the 31st consecutive day
    expect(annex).to_contain_text("（30日超）")
    expect(annex).to_contain_text("保険給付の対象外・全額自己負担")
    expect(page.locator("[data-testid=short-stay-warning]").first).to_contain_text("11日は保険給付の対象外")
    expect(page.locator("[data-testid=short-stay-before]")).to_contain_text("20日")
    expect(annex).to_contain_text("368")  # 387 × 95% → 368
    # the care manager knows of 60 more days before April at another office: types the total
    page.fill("#short-stay-before", "80")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=short-stay-total]")).to_contain_text("94日")
    expect(page.locator("[data-testid=short-stay-warning]").last).to_contain_text("半数（91日）を超えています")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "interop-schedule-sheet")
    page.locator("#annex").screenshot(path=str(SCREENSHOTS / "interop-schedule-annex.png"))

    response = page.request.get(f"{live_server.url}/documents/schedules/{may.pk}/provision.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = SCREENSHOTS / "interop-provision.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(SCREENSHOTS / "interop-provision")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "368" in text and "30日超" in text
