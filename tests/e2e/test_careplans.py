"""A care manager writes a 居宅サービス計画書 in the browser: 第1表, 第2表 (two needs, reordered),
第3表 on the weekly grid, confirms it, records 交付 and downloads the standard CSVs, which
linkage.standard validates."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linkage.standard import validate_files
from portal.careplans.models import CarePlan, Need, PlanStatus, WeeklyActivity
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.careplans.conftest import make_client
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory, make_consent, make_partnership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _saved(page, action):
    """Do ``action`` (which changes an autosaved field) and wait for the save to answer."""
    with page.expect_response(lambda r: "/save/" in r.url and r.request.method == "POST"):
        action()


def _structural(page, url_part, action):
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
        action()
    page.wait_for_load_state("networkidle")


def _fill_need(page, index, *, need, long_goal, short_goal, service, provider, number, frequency):
    card = page.locator("[data-testid=need]").nth(index)
    _saved(
        page,
        lambda: (
            card.locator("textarea[id^=need-text-]").fill(need),
            card.locator("textarea[id^=need-text-]").press("Tab"),
        ),
    )
    _saved(
        page,
        lambda: (
            card.locator("textarea[name=long_term_goal]").fill(long_goal),
            card.locator("textarea[name=long_term_goal]").press("Tab"),
        ),
    )
    _saved(page, lambda: card.get_by_role("button", name="認定の有効期間を入れる").click())
    _saved(
        page,
        lambda: (
            card.locator("textarea[id^=short-text-]").fill(short_goal),
            card.locator("textarea[id^=short-text-]").press("Tab"),
        ),
    )
    _saved(page, lambda: card.get_by_role("button", name="長期目標と同じ期間にする").click())
    _structural(page, "/items/add/", lambda: card.get_by_role("button", name="＋ 援助内容（サービス）を追加").click())
    card = page.locator("[data-testid=need]").nth(index)
    item = card.locator("[data-testid=item]").first
    content = item.locator("textarea[name=content]")
    expect(content).to_be_focused()  # the new row is ready to type in (focus is set after htmx settles)
    content.fill(service)
    _saved(page, lambda: item.locator("select[name=service_type_code]").select_option("11"))
    item.locator("input[name=provider_name]").fill(provider)
    item.locator("input[name=provider_office_number]").fill(number)
    item.locator("input[name=frequency]").fill(frequency)
    _saved(page, lambda: item.locator("input[name=frequency]").press("Tab"))
    page.wait_for_load_state("networkidle")


def test_care_manager_writes_delivers_and_downloads_a_plan(new_page, live_server, screenshot):
    today = timezone.localdate()
    office = OfficeFactory(office_number="1310000001", name="さくら居宅介護支援事業所", kinds=["43"])
    manager = MembershipFactory(
        office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎", user=UserFactory(email="sakura-cm@example.jp")
    )
    client = make_client(
        office,
        care_manager=manager,
        family_name="山田",
        given_name="太郎",
        valid_from=today - dt.timedelta(days=40),
        valid_to=today + dt.timedelta(days=320),
    )
    plan_date = today - dt.timedelta(days=10)
    provider = OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    partnership, _ = make_partnership(office, provider, ["11"])
    make_consent(office, client, partnership)

    page = new_page()
    login(page, live_server, "sakura-cm@example.jp", PASSWORD)
    page.goto(f"{live_server.url}/careplans/clients/{client.pk}/")
    page.fill("input[name=plan_date]", plan_date.isoformat())
    page.get_by_role("button", name="作成を始める").click()
    page.wait_for_load_state()
    assert "計画書の下書きを作りました" in page.content()

    # 第1表: most fields come from the register; the care manager writes the texts.
    assert page.locator("input[name=category_first]").is_checked()
    page.fill("textarea[name=user_intentions]", "本人: 自宅で暮らしたい。\n家族: 入浴を手伝ってほしい。")
    page.fill("textarea[name=committee_opinion]", "なし")
    page.fill("textarea[name=support_policy]", "入浴と外出の機会を確保し、在宅生活を支えます。")
    screenshot(page, "careplans-table1")
    page.get_by_role("button", name="保存して第2表へ").click()
    page.wait_for_load_state()
    assert "第1表を保存しました" in page.content()

    # 第2表: two needs, written in place, then the second moved up.
    _structural(page, "/needs/add/", lambda: page.get_by_role("button", name="＋ 課題（ニーズ）を追加").click())
    _fill_need(
        page,
        0,
        need="一人で入浴できない",
        long_goal="清潔に暮らせる",
        short_goal="週2回入浴できる",
        service="入浴介助",
        provider="ひまわり訪問介護ステーション",
        number="1370000011",
        frequency="週2回",
    )
    _structural(page, "/needs/add/", lambda: page.get_by_role("button", name="＋ 課題（ニーズ）を追加").click())
    _fill_need(
        page,
        1,
        need="買い物に行けない",
        long_goal="必要な物をそろえられる",
        short_goal="週1回買い物ができる",
        service="買い物の援助",
        provider="ひまわり訪問介護ステーション",
        number="1370000011",
        frequency="週1回",
    )
    assert page.locator("[data-testid=need] h3").all_inner_texts() == ["課題 1", "課題 2"]
    second = page.locator("[data-testid=need]").nth(1)
    _structural(
        page, "/move/", lambda: second.locator(".need-head").get_by_role("button", name="課題を上へ移動").click()
    )
    assert (
        page.locator("[data-testid=need]").nth(0).locator("textarea[id^=need-text-]").input_value()
        == "買い物に行けない"
    )
    screenshot(page, "careplans-table2")
    with office_scope(office):
        assert list(Need.objects.filter(plan__client=client).order_by("position").values_list("text", flat=True)) == [
            "買い物に行けない",
            "一人で入浴できない",
        ]

    # 第3表: click 月 at 10:00 on the grid, add the same service on 木 too; add a daily activity.
    page.get_by_role("link", name="第3表 週間サービス計画表").click()
    page.wait_for_load_state()
    monday = page.locator(".week-col[data-weekday='1']").bounding_box()
    page.mouse.click(monday["x"] + monday["width"] / 2, monday["y"] + monday["height"] * 10 / 24 + 2)
    form = page.locator("#weekly-add-form")
    assert form.locator("input[name=start_time]").input_value() == "10:00"
    assert form.locator("input[name=weekdays][value='1']").is_checked()
    form.locator("input[name=weekdays][value='4']").check()
    form.locator("input[name=content]").fill("訪問介護（身体介護）")
    form.locator("select[name=service_type_code]").select_option("11")
    form.locator("input[name=service_item_code]").fill("1211")
    form.locator("input[name=provider_office_number]").fill("1370000011")
    _structural(page, "/weekly/add/", lambda: form.get_by_role("button", name="追加する").click())
    assert page.locator("[data-testid=grid-block]").count() == 2
    daily = page.locator("form[action$='/daily/add/']")
    daily.locator("input[name=start_time]").fill("06:30")
    daily.locator("input[name=content]").fill("起床")
    _structural(page, "/daily/add/", lambda: daily.get_by_role("button", name="追加する").click())
    assert page.locator("[data-testid=daily-row]").count() == 1
    screenshot(page, "careplans-table3")

    # Check, confirm, deliver.
    page.get_by_role("link", name="計画書の全体（印刷イメージ）").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=problems]").count() == 0
    sheet = page.locator("[data-testid=table2-sheet]").inner_text()
    assert (
        sheet.index("課題1")
        < sheet.index("買い物に行けない")
        < sheet.index("課題2")
        < sheet.index("一人で入浴できない")
    )
    page.get_by_role("button", name="確定する").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=plan-status]").inner_text() == "確定"
    page.get_by_role("link", name="交付を記録する").click()
    page.wait_for_load_state()
    page.fill("input[name=delivered_to]", "山田 太郎（本人）、長女 山田 花子")
    page.get_by_role("button", name="交付を記録する").click()
    page.wait_for_load_state()
    assert "交付を記録しました" in page.content()
    assert page.locator("[data-testid=plan-status]").inner_text() == "交付済"
    screenshot(page, "careplans-detail")

    # Download the standard CSVs and validate them.
    with page.expect_download() as download:
        page.locator("[data-testid=csv-download]").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    files = [(name, archive.read(name)) for name in archive.namelist()]
    assert sorted(n.split("_")[0] for n, _ in files) == ["UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"]
    assert [str(f) for f in validate_files(files) if f.is_error] == []

    with office_scope(office):
        plan = CarePlan.objects.get(client=client)
        assert plan.status == PlanStatus.DELIVERED and plan.delivered_on == today
        assert WeeklyActivity.objects.filter(plan=plan).count() == 2


def test_second_editor_is_told_and_nothing_is_overwritten(new_page, live_server):
    today = timezone.localdate()
    office = OfficeFactory(kinds=["43"])
    first = MembershipFactory(
        office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎", user=UserFactory(email="cm1@example.jp")
    )
    MembershipFactory(
        office=office, role=Role.CARE_MANAGER, display_name="田中 次郎", user=UserFactory(email="cm2@example.jp")
    )
    client = make_client(
        office, care_manager=first, valid_from=today - dt.timedelta(days=10), valid_to=today + dt.timedelta(days=300)
    )
    from portal.careplans import services

    with office_scope(office):
        plan = services.plan_create(client=client, plan_date=today, by=first)
        services.need_add(plan=plan, lock_version=plan.lock_version, by=first, text="元の課題")

    pages = []
    for email in ("cm1@example.jp", "cm2@example.jp"):
        p = new_page()
        login(p, live_server, email, PASSWORD)
        p.goto(f"{live_server.url}/careplans/{plan.pk}/table2/")
        pages.append(p)
    one, two = pages
    box = one.locator("textarea[id^=need-text-]")
    _saved(one, lambda: (box.fill("鈴木が直した課題"), box.press("Tab")))
    box = two.locator("textarea[id^=need-text-]")
    _saved(two, lambda: (box.fill("田中が直した課題"), box.press("Tab")))
    alert = two.locator("[data-testid=conflict]")
    alert.wait_for()
    assert "鈴木 一郎さんが" in alert.inner_text() and "田中が直した課題" in alert.inner_text()
    with office_scope(office):
        assert Need.objects.get(plan=plan).text == "鈴木が直した課題"
    two.get_by_role("link", name="最新の内容を読み込む").click()
    two.wait_for_load_state()
    assert two.locator("textarea[id^=need-text-]").input_value() == "鈴木が直した課題"
