"""Phone-sized browser check of issue 19 (a view-level journey on factory data, not a signup journey):
the care office sends a month's 提供票 to a partner on no system, the partner opens the link at
390 px, enters the code, answers with one cancelled, one changed-time and one added visit, and the
care office sees the differences in 予実の比較 and the link's status on 月次の締め."""

from __future__ import annotations

import re

import pytest

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.schedules import masters
from tests.documents.conftest import HOME_HELP, make_client, make_schedule
from tests.e2e.conftest import login
from tests.factories import (PASSWORD, MembershipFactory, OfficeFactory, give_totp, make_consent,
                             make_external_partnership)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def test_paper_partner_answers_on_a_phone(new_page, live_server, screenshot):
    office = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    cm = MembershipFactory(office=office, role=Role.ADMIN, display_name="鈴木 一郎")
    give_totp(cm.user)  # MFA is mandatory for admins
    with office_scope(office):
        partner = make_external_partnership(office, HOME_HELP[0], HOME_HELP[1], ["11"])
        partner.contact_email = "helper@example.jp"
        partner.save()
        client = make_client(office)
        make_schedule(client)
        make_consent(office, client, partner)

    desk = new_page()
    login(desk, live_server, cm.user.email, PASSWORD)
    desk.goto(f"{live_server.url}/partners/{partner.pk}/")
    desk.click("text=提供票をリンクで送る")
    desk.fill("input[name=month]", "2026-11")
    screenshot(desk, "paper-01-send")
    desk.click("main form button:has-text('送る')")
    code = desk.locator("[data-testid=access-code]").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    url = re.search(r"http://\S+/l/[^/\s]+/", desk.locator("[data-testid=cover-sheet]").inner_text()).group(0)
    screenshot(desk, "paper-02-sent")

    phone = new_page()  # another person: a fresh context, no login
    phone.set_viewport_size(PHONE)
    phone.goto(url.replace("http://localhost:8000", live_server.url))
    screenshot(phone, "paper-03-phone-code")
    phone.fill("input[name=code]", code)
    phone.click("text=提供票を開く")
    assert "山田" in phone.locator("[data-testid=schedule-card]").inner_text()
    screenshot(phone, "paper-04-phone-sheet")
    phone.click("text=実績を回答する")
    days = phone.locator("fieldset[data-testid=answer-line]").first.locator("[data-testid=answer-day]")
    cancelled = days.nth(0).locator("label").first.inner_text().split("日")[0]
    days.nth(0).locator("select").select_option("0")  # ✗ 提供なし
    retimed = days.nth(1).locator("label").first.inner_text().split("日")[0]
    days.nth(1).locator("summary").click()  # 時間を変更
    days.nth(1).locator("input[type=time]").nth(0).fill("10:30")
    days.nth(1).locator("input[type=time]").nth(1).fill("11:30")
    options = phone.locator("select[name=extra-1-line] option")
    phone.select_option("select[name=extra-1-line]", options.nth(2).get_attribute("value"))
    phone.select_option("select[name=extra-1-day]", "30")
    for target in (days.nth(1).locator("select"), days.nth(1).locator("summary"),
                   phone.locator("select[name=extra-1-day]"), phone.locator("button:has-text('実績を送信')")):
        box = target.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]  # large targets, no sideways scroll
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    days.nth(1).scroll_into_view_if_needed()
    screenshot(phone, "paper-05-phone-answer")
    phone.click("text=実績を送信")
    assert "実績を送信しました" in phone.content()
    screenshot(phone, "paper-06-phone-sent")

    desk.goto(f"{live_server.url}/exchange/comparison/?month=2026-11")
    rows = desk.locator("[data-testid=comparison] tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    planned = next(t for t in texts if "111211" in t and "09:00" in t)
    assert f"{cancelled}日" in planned and f"{retimed}日" in planned  # missing at the planned time
    assert any("111211" in t and "10:30～11:30" in t and f"{retimed}日" in t for t in texts)  # done at another time
    assert any("117211" in t and "30日" in t for t in texts)  # the added visit
    screenshot(desk, "paper-07-comparison")
    desk.goto(f"{live_server.url}/claims/?month=2026-11")
    assert "実績回答済" in desk.locator("[data-testid=paper-link-status]").inner_text()
    assert "リンクで回答" in desk.locator("[data-testid=close-row]").first.inner_text()
    screenshot(desk, "paper-08-close")
    desk.goto(f"{live_server.url}/paperlinks/")
    assert "実績回答済" in desk.locator("[data-testid=paper-link-row]").inner_text()
    screenshot(desk, "paper-09-list")
