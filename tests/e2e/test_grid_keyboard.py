"""The 第6表 and 実績 grids by keyboard alone (issue 21 item 1).

Only Playwright's keyboard is used in the journey, from signing in to saving (no clicks, no fill): a care
manager creates an empty 利用票, fills a month for two services, saves, and reads the 第7表 totals; then the keys one by one —
one Tab stop per grid, arrows, Space/Enter/digits/Delete on a day, Enter never submitting, the day
cells' accessible names, 「曜日で入力」 only on confirmation, and where focus goes when a line is deleted.
"""

from __future__ import annotations

import calendar

import pytest
from playwright.sync_api import expect

from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import AXE, _axe
from tests.exchange.world import MONTH
from tests.exchange.world import client as make_client
from tests.exchange.world import schedule as make_schedule
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAYS = calendar.monthrange(MONTH.year, MONTH.month)[1]
MONDAYS = [d for d in range(1, DAYS + 1) if MONTH.replace(day=d).weekday() == 0]


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


@pytest.fixture
def world():
    office = OfficeFactory(
        office_number="1310099001", name="みらい居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    visiting = OfficeFactory(office_number="1370099011", name="こすもす訪問介護", kinds=["11"], regional_grade="1")
    day_care = OfficeFactory(office_number="1370099012", name="ひなたデイサービス", kinds=["15"], regional_grade="3")
    client = make_client(office, 1)  # 要介護2 (19,705 units)
    from portal.clients.models import ClientService

    with office_scope(office):
        for provider, kind in ((visiting, "11"), (day_care, "15")):
            ClientService.objects.create(
                client=client,
                provider_office_number=provider.office_number,
                provider_name=provider.name,
                service_type_code=kind,
            )
    return office, cm, client, visiting, day_care


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const cell = el.closest && el.closest("td, th");
        return {tag: el.tagName, name: el.getAttribute("name") || "", id: el.id || "",
                cls: cell ? cell.className : "", value: el.value === undefined ? null : el.value,
                inGrid: !!(el.closest && el.closest("table[data-grid]")),
                row: el.closest && el.closest("tr") ? el.closest("tr").getAttribute("data-row") : null};
    }""")


def tab_until(page, test, limit=120):
    """Press Tab until the focused element passes ``test`` (a JS function of document.activeElement)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {test}")


def day_value(page, row, day):
    return page.input_value(f"input[name='line-{row}-d{day}']")


def go_to_day(page, day):
    """From a day cell of a line: Home, then right to the day (past 事業所, コード, 時間帯, 日割)."""
    page.keyboard.press("Home")
    for _ in range(3 + day):
        page.keyboard.press("ArrowRight")
    assert focused(page)["name"].endswith(f"-d{day}"), focused(page)


def test_keyboard_only_month_for_two_services(new_page, live_server, world, screenshot):
    office, cm, client, visiting, day_care = world
    page = new_page()
    # signed in by keyboard too
    page.goto(f"{live_server.url}/accounts/login/?next=/schedules/clients/{client.pk}/%3Fmonth%3D{MONTH:%Y-%m}")
    tab_until(page, "el => el.name === 'login'")
    page.keyboard.type(cm.user.email)
    tab_until(page, "el => el.name === 'password'")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/schedules/clients/{client.pk}/?month={MONTH:%Y-%m}")
    tab_until(page, "el => el.textContent.trim() === '空の利用票を作成'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/schedules/*/")

    # One Tab stop for the whole grid: Tab reaches its first cell, the next Tab leaves it.
    tab_until(page, "el => !!el.closest('table[data-grid]')")
    assert "provider" in focused(page)["cls"]
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "add-row"
    page.keyboard.press("Shift+Tab")
    assert "provider" in focused(page)["cls"]

    # Line 1: 訪問介護 身体介護２, 09:00–10:00, every Monday (曜日で入力) and the 2nd (Space).
    page.keyboard.type("1370099011")  # typing on the cell starts editing its field
    page.keyboard.press("Enter")  # back to the cell, nothing submitted
    assert focused(page)["tag"] == "TD" and "/schedules/" in page.url
    page.keyboard.press("ArrowRight")
    page.keyboard.type("111211")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")  # 提供時間帯
    page.keyboard.press("Enter")
    page.keyboard.type("09:00")
    page.keyboard.press("Tab")
    page.keyboard.type("10:00")
    page.keyboard.press("Tab")  # the 曜日で入力 select
    assert focused(page)["tag"] == "SELECT"
    page.keyboard.press("ArrowDown")  # 毎週月: chosen, not yet applied
    assert day_value(page, "new0", MONDAYS[0]) == ""
    page.keyboard.press("Enter")  # confirmed
    assert [day_value(page, "new0", d) for d in MONDAYS] == ["1"] * len(MONDAYS)
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")  # 日割 (a checkbox), then the days
    page.keyboard.press("ArrowRight")
    assert focused(page)["name"] == "line-new0-d1"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    assert day_value(page, "new0", 2) == "1"
    expect(page.locator("tr[data-row=new0] td.total .count")).to_have_text(str(len(MONDAYS) + 1))

    # Line 2 (「行を追加」 by keyboard): 通所介護 要介護2 on the 1st, 8th (Enter), 15th (Space); the
    # 22nd typed and then deleted.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "add-row"
    page.keyboard.press("Enter")  # focus goes to the new line's サービスコード
    assert focused(page)["name"].endswith("-code")
    row = focused(page)["row"]
    page.keyboard.type("151521")
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowLeft")  # 事業所番号 (prefilled with the line above's provider)
    page.keyboard.type("1370099012")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.keyboard.type("09:30")
    page.keyboard.press("Tab")
    page.keyboard.type("16:45")
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("1")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    go_to_day(page, 15)
    page.keyboard.press("Space")
    go_to_day(page, 22)
    page.keyboard.press("1")
    page.keyboard.press("Delete")
    assert [day_value(page, row, d) for d in (1, 8, 15, 22)] == ["1", "1", "1", ""]
    expect(page.locator(f"tr[data-row={row}] td.total .count")).to_have_text("3")
    # The 第7表 follows while typing: 身体介護２ 387 × 5 + 通所介護 777 × 3 = 4,266 units.
    expect(page.locator("[data-testid=annex-total]")).to_contain_text("4,266")
    screenshot(page, "grid-keyboard-before-save")

    # Save by keyboard: out of the grid, past 「行を追加」, to 「保存する」.
    tab_until(page, "el => el.getAttribute('data-testid') === 'save'")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("text=のサービス利用票を保存しました（2行）")).to_be_visible()
    total = page.locator("[data-testid=annex-total]")
    expect(total).to_contain_text("4,266")
    table = page.locator("[data-testid=annex-table]")
    expect(table.locator("tr", has_text="111211")).to_contain_text("5")
    expect(table.locator("tr", has_text="151521")).to_contain_text("3")
    screenshot(page, "grid-keyboard-saved")
    from portal.schedules.models import ServiceSchedule

    with office_scope(office):
        schedule = ServiceSchedule.objects.get(client=client, month=MONTH)
        lines = {line.service_item_code: line for line in schedule.lines.all()}
    assert [d + 1 for d, n in enumerate(lines["1211"].planned_days) if n] == sorted(MONDAYS + [2])
    assert [d + 1 for d, n in enumerate(lines["1521"].planned_days) if n] == [1, 8, 15]


@pytest.fixture
def sheet(world):
    office, cm, client, visiting, day_care = world
    schedule = make_schedule(
        office,
        client,
        [
            (visiting, "111211", "0900", "1000", [1, 2]),
            (day_care, "151521", "0930", "1645", [8]),
            (visiting, "111311", "1700", "1800", [3]),
        ],
    )
    return cm, schedule


def open_sheet(page, live_server, cm, schedule):
    page.context.add_init_script(path=str(AXE))
    login(page, live_server, cm.user.email, PASSWORD)
    page.goto(f"{live_server.url}/schedules/{schedule.pk}/")
    tab_until(page, "el => !!el.closest('table[data-grid]')")


def test_day_cell_keys_and_names(new_page, live_server, sheet, screenshot):
    cm, schedule = sheet
    page = new_page()
    open_sheet(page, live_server, cm, schedule)
    page.keyboard.press("ArrowRight")  # サービスコード
    page.keyboard.press("ArrowRight")  # 提供時間帯
    page.keyboard.press("ArrowRight")  # 日割
    page.keyboard.press("ArrowRight")  # 1日
    assert focused(page)["name"] == "line-0-d1"
    # The accessible name says the line and the date with its weekday (2026-04-03 is a Friday).
    wd = "月火水木金土日"[MONTH.weekday()]
    expect(page.locator("input[name='line-0-d1']")).to_have_accessible_name(
        f"訪問介護 身体介護２（30分以上1時間未満） 09:00〜10:00 {MONTH.month}月1日({wd})"
    )
    expect(page.locator("input[name='line-2-d3']")).to_have_accessible_name(
        f"訪問介護 身体介護３（1時間以上1時間30分未満） 17:00〜18:00 {MONTH.month}月3日({'月火水木金土日'[MONTH.replace(day=3).weekday()]})"
    )

    # Space toggles (no literal space), Enter toggles and does not submit the sheet.
    page.keyboard.press("Space")
    assert day_value(page, 0, 1) == ""
    page.keyboard.press("Space")
    assert day_value(page, 0, 1) == "1"
    url = page.url
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert page.url == url and day_value(page, 0, 1) == ""
    expect(page.locator("[data-testid=draft-banner]")).to_have_count(0)  # not reloaded by a submit
    # digits set the count (two digits in a row make 12); letters type nothing; Delete/Backspace clear.
    page.keyboard.press("2")
    assert day_value(page, 0, 1) == "2"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("1")
    page.keyboard.press("2")
    assert day_value(page, 0, 2) == "12"
    page.keyboard.press("a")
    page.keyboard.press("Backspace")
    assert day_value(page, 0, 2) == ""
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Delete")
    assert day_value(page, 0, 1) == ""
    page.keyboard.press("3")
    expect(page.locator("tr[data-row='0'] td.total .count")).to_have_text("3")

    # ↓ and ↑ keep the day: down to line 2's 1st, End to 合計, Home to 事業所番号.
    page.keyboard.press("ArrowDown")
    assert focused(page)["name"] == "line-1-d1"
    page.keyboard.press("ArrowDown")
    assert focused(page)["name"] == "line-2-d1"
    page.keyboard.press("ArrowUp")
    assert focused(page)["name"] == "line-1-d1"
    page.keyboard.press("End")
    assert "total" in focused(page)["cls"]
    page.keyboard.press("Home")
    assert "provider" in focused(page)["cls"]
    page.keyboard.press("Space")  # on a cell with a text field: no literal space typed
    assert page.input_value("input[name='line-1-provider']") == "1370099012"
    # The 第7表 follows the keys: 身体介護２ 387 × 3 (the 1st) + 通所介護 777 + 身体介護３ 567 = 2,505.
    expect(page.locator("[data-testid=annex-total]")).to_contain_text(f"{387 * 3 + 777 + 567:,}")
    assert page.evaluate("document.querySelectorAll('table[data-grid] [tabindex=\"0\"]').length") == 1
    assert not _axe(page)  # with the keyboard changes on the page
    screenshot(page, "grid-keyboard-focus")
    page.set_viewport_size({"width": 390, "height": 900})
    assert not _axe(page)
    screenshot(page, "grid-keyboard-focus-390")


def test_weekday_fill_applies_only_when_confirmed(new_page, live_server, sheet):
    cm, schedule = sheet
    page = new_page()
    open_sheet(page, live_server, cm, schedule)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # into 提供時間帯: 開始, 終了, 曜日で入力, 入力
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "SELECT"
    for _ in range(3):  # 毎週月, 毎週火, 毎週水: going through the list changes nothing
        page.keyboard.press("ArrowDown")
    wednesdays = [d for d in range(1, DAYS + 1) if MONTH.replace(day=d).weekday() == 2 and d not in (1, 2)]
    assert [day_value(page, 0, d) for d in wednesdays] == [""] * len(wednesdays)  # (the 1st was ticked before)
    page.keyboard.press("Tab")  # the 入力 button confirms
    assert page.evaluate("document.activeElement.textContent") == "入力"
    page.keyboard.press("Enter")
    assert [day_value(page, 0, d) for d in wednesdays] == ["1"] * len(wednesdays)
    # すべて消す, confirmed with Enter on the select.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    assert all(day_value(page, 0, d) == "" for d in range(1, DAYS + 1))


def test_deleting_a_line_keeps_focus_in_the_grid(new_page, live_server, sheet):
    cm, schedule = sheet
    page = new_page()
    open_sheet(page, live_server, cm, schedule)
    page.keyboard.press("End")  # 合計 of line 1, with its 削除 button
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "削除"
    page.keyboard.press("Enter")
    expect(page.locator("tr[data-row='0']")).to_have_count(0)
    assert focused(page)["row"] == "1" and "total" in focused(page)["cls"]  # the next line's cell
    # the last saved line: the next one is the empty line at the end, then the line above
    page.keyboard.press("ArrowDown")
    assert focused(page)["row"] == "2"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert focused(page)["row"] == "new0"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert focused(page)["row"] == "1"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "add-row"  # no line left: 「行を追加」, not the page


def test_actuals_grid_by_keyboard(new_page, live_server, screenshot):
    office = OfficeFactory(name="ひまわり訪問介護", kinds=["11"])
    admin = MembershipFactory(office=office, role=Role.ADMIN, display_name="田中 次郎")
    client = make_client(office, 1)
    schedule = make_schedule(office, client, [(office, "111211", "0900", "1000", [1, 8, 15, 22])])
    with office_scope(office):
        line = schedule.lines.get()
    page = new_page()
    page.context.add_init_script(path=str(AXE))
    login(page, live_server, admin.user.email, PASSWORD)
    page.goto(f"{live_server.url}/exchange/schedules/{schedule.pk}/actuals/")
    assert not _axe(page)
    tab_until(page, "el => !!el.closest('table[data-grid]')")
    assert "svc" in focused(page)["cls"]
    page.keyboard.press("Tab")  # one Tab stop: out of the grid
    assert not focused(page)["inGrid"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")  # 予定
    page.keyboard.press("ArrowDown")  # 実績
    page.keyboard.press("ArrowRight")  # 1日
    assert focused(page)["name"] == f"a{line.pk}_1"
    wd = "月火水木金土日"[MONTH.weekday()]
    expect(page.locator(f"input[name='a{line.pk}_1']")).to_have_accessible_name(
        f"訪問介護 身体介護２（30分以上1時間未満） 09:00〜10:00 実績 {MONTH.month}月1日({wd})"
    )
    page.keyboard.press("Space")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("2")
    page.keyboard.press("ArrowUp")  # the 予定 row, same day
    assert "day" not in focused(page)["cls"] and focused(page)["tag"] == "TD"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # toggles (2 → empty), never submits (the first button would copy the plan)
    assert page.input_value(f"input[name='a{line.pk}_8']") == ""
    page.keyboard.press("2")
    assert page.input_value(f"input[name='a{line.pk}_1']") == "1"
    assert page.input_value(f"input[name='a{line.pk}_8']") == "2"
    expect(page.locator("tr.act td.sum")).to_have_text("3")
    expect(page.locator("#unsaved")).to_have_text("保存していない変更があります")
    screenshot(page, "grid-keyboard-actuals-1366")
    page.set_viewport_size({"width": 390, "height": 900})
    assert not _axe(page)
    screenshot(page, "grid-keyboard-actuals-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    tab_until(page, "el => el.textContent.trim() === '実績を保存'")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("text=実績を保存しました。")).to_be_visible()
    with office_scope(office):
        line.refresh_from_db()
        assert line.actual_days[0] == 1 and line.actual_days[7] == 2
    # Enter in the 予定外の訪問 fields adds the visit (not 「予定をすべて実績にコピー」, the form's first button)
    tab_until(page, "el => el.name === 'new_code'")
    page.keyboard.type("111211")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    page.keyboard.type("14:00")
    page.keyboard.press("Tab")
    page.keyboard.type("15:00")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("text=入力した実績を保存し、予定外の訪問を追加しました。")).to_be_visible()
    with office_scope(office):
        assert schedule.lines.count() == 2
        line.refresh_from_db()
        assert line.actual_days[0] == 1 and line.actual_days[7] == 2  # the saved 実績 kept, not replaced by a copy
