"""Phone-sized browser check of issue 19 (a view-level journey on factory data, not a signup journey):
the care office sends a month's 提供票 to a partner on no system, the partner opens the link at
390 px, enters the code, answers with one cancelled and one added visit, and the care office sees
the difference in 予実の比較."""

from __future__ import annotations

import re

import pytest

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.masters import loader as masters
from tests.documents.conftest import HOME_HELP, make_client, make_schedule
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, make_consent, make_external_partnership

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
    first = phone.locator("fieldset[data-testid=answer-line] select").first
    first.select_option("0")  # ✗ 提供なし
    options = phone.locator("select[name=extra-1-line] option")
    phone.select_option("select[name=extra-1-line]", options.nth(2).get_attribute("value"))
    phone.select_option("select[name=extra-1-day]", "30")
    screenshot(phone, "paper-05-phone-answer")
    phone.click("text=実績を送信")
    assert "実績を送信しました" in phone.content()
    screenshot(phone, "paper-06-phone-sent")

    desk.goto(f"{live_server.url}/exchange/comparison/?month=2026-11")
    text = desk.locator("main").inner_text()
    assert "山田" in text and "30日" in text  # the added visit shows as a difference
    screenshot(desk, "paper-07-comparison")
    desk.goto(f"{live_server.url}/paperlinks/")
    assert "実績回答済" in desk.locator("[data-testid=paper-link-row]").inner_text()
    screenshot(desk, "paper-08-list")
