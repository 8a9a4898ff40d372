"""In the browser, at 1366 px: the 第6表 recalculates its 第7表 on the server while the care manager
types, the grid scrolls its days with the service and total columns kept in view, the care manager
moves the over-limit units to a chosen line; the provider's 実績 page never loses typed 実績."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.e2e.conftest import login
from tests.exchange.world import client as make_client
from tests.exchange.world import schedule as make_schedule
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCHED_SHOTS", "var/screenshots"))


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_schedule_sheet_recalculates_and_fits_1366(new_page, live_server):
    office = OfficeFactory(
        office_number="1310099001", name="みらい居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    visiting = OfficeFactory(office_number="1370099011", name="こすもす訪問介護", kinds=["11"], regional_grade="1")
    day_care = OfficeFactory(office_number="1370099012", name="ひなたデイサービス", kinds=["15"], regional_grade="3")
    client = make_client(office, 1)  # 要介護2: 19,705 units
    from portal.clients.models import ClientService

    with office_scope(office):
        for provider, kind in ((visiting, "11"), (day_care, "15")):
            ClientService.objects.create(
                client=client,
                provider_office_number=provider.office_number,
                provider_name=provider.name,
                service_type_code=kind,
            )
    # 身体介護３ (567) on 28 days = 15,876 units + 通所介護 要介護2 (777) on 4 days = 3,108: 18,984 units
    schedule = make_schedule(
        office,
        client,
        [(visiting, "111311", "0800", "0930", range(1, 29)), (day_care, "151521", "0930", "1645", [1, 8, 15, 22])],
    )
    page = new_page()
    login(page, live_server, cm.user.email, PASSWORD)
    page.goto(f"{live_server.url}/schedules/{schedule.pk}/")
    expect(page.locator("[data-testid=over-limit]")).to_have_count(0)
    total = page.locator("[data-testid=annex-total]")
    expect(total).to_contain_text("18,984")

    # The page fits 1366 px: nothing overflows the window; the grid scrolls its days inside itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    wrap = page.locator(".grid-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    shot(page, "schedule-sheet-1366")
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    code = page.locator("input[name='line-0-code']")
    box, view = code.bounding_box(), wrap.bounding_box()
    assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]  # sticky service column
    total_cell = page.locator("tr.line").first.locator("td.total")
    tbox = total_cell.bounding_box()
    assert tbox["x"] + tbox["width"] <= view["x"] + view["width"] + 1  # sticky totals column
    expect(page.locator("input[name='line-0-d30']")).to_be_in_viewport()
    shot(page, "schedule-sheet-1366-scrolled")

    # Ticking two more visit days recalculates the 第7表 on the server (nothing saved yet).
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.click("input[name='line-0-d29']")
    page.click("input[name='line-0-d30']")
    expect(page.locator("[data-testid=over-limit]")).to_be_visible()
    expect(total).to_contain_text("20,118")  # + 2 × 567
    expect(page.locator("#over-status")).to_contain_text("413単位")  # 20,118 − 19,705
    expect(page.locator("#over-status")).to_contain_text("（表の最後の行から）")
    shot(page, "schedule-sheet-over-limit-live")

    # The care manager puts the excess on the 訪問介護 line instead of the last (day-care) line.
    page.check("input[name='over_mode'][value='chosen']")
    over_input = page.locator("input[name='line-0-over']")
    expect(over_input).to_be_visible()
    over_input.fill("400")
    expect(page.locator("#over-status")).to_contain_text("合っていません")
    over_input.fill("413")
    expect(page.locator("#over-status")).to_contain_text("指定どおりに割り振っています")
    shot(page, "schedule-sheet-chosen-over")
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    expect(page.locator("[data-testid=over-limit]")).to_contain_text("こすもす訪問介護：111311")
    with office_scope(office):
        line = schedule.lines.get(service_item_code="1311")
        assert line.class_over_units == 413
        schedule.refresh_from_db()
        assert schedule.over_mode == "chosen"


def test_actuals_page_never_loses_typed_actuals(new_page, live_server):
    office = OfficeFactory(name="ひまわり訪問介護", kinds=["11"])
    admin = MembershipFactory(office=office, role=Role.ADMIN, display_name="田中 次郎")
    client = make_client(office, 1)
    schedule = make_schedule(
        office, client, [(office, "111211", "0900", "1000", [1, 8, 15, 22]), (office, "116275", "9999", "9999", [22])]
    )
    with office_scope(office):
        visit = schedule.lines.get(service_item_code="1211")
    page = new_page()
    login(page, live_server, admin.user.email, PASSWORD)
    url = f"{live_server.url}/exchange/schedules/{schedule.pk}/actuals/"
    page.goto(url)
    page.click("button:has-text('予定をすべて実績にコピー')")
    page.wait_for_load_state()
    assert "9999" not in page.content()
    assert page.input_value(f"input[name='a{visit.pk}_8']") == "1"  # copied from the plan

    # typed, not saved: leaving the page asks first, and staying keeps what was typed
    page.fill(f"input[name='a{visit.pk}_9']", "1")
    expect(page.locator("#unsaved")).to_have_text("保存していない変更があります")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.click("text=サービス提供票へ戻る")
    page.wait_for_timeout(300)  # the click is answered by the dialog, not by a navigation
    assert asked == ["beforeunload"]
    assert page.url == url and page.input_value(f"input[name='a{visit.pk}_9']") == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "actuals-1366-unsaved")
    page.remove_listener("dialog", on_dialog)

    # adding an unplanned visit saves the typed 実績 with it (no dialog: the form is submitted)
    page.fill("input[name=new_code]", "111211")
    page.fill("input[name=new_day]", "12")
    page.fill("input[name=new_start]", "14:00")
    page.fill("input[name=new_end]", "15:00")
    page.click("button:has-text('実績を保存して追加する')")
    page.wait_for_load_state()
    expect(page.locator("text=入力した実績を保存し、予定外の訪問を追加しました。")).to_be_visible()
    assert page.input_value(f"input[name='a{visit.pk}_9']") == "1"
    with office_scope(office):
        visit.refresh_from_db()
        assert visit.actual_days[8] == 1
        assert schedule.lines.count() == 3
    shot(page, "actuals-1366-saved")
