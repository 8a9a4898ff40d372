"""Phone-sized browser journeys of issue 19 on factory data for the care office. The first: the care office sends a month's 提供票 to a partner on no system, the partner opens the link at
390 px, enters the code, answers with one cancelled, one changed-time and one added visit, and the
care office sees the differences in 予実の比較 and the link's status on 月次の締め. The second: the
partner signs up through the UI from 「Renkei で受け取る」 and becomes a Renkei partnership."""

from __future__ import annotations

import re

import pytest

from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.documents.conftest import HOME_HELP, make_client, make_schedule
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OfficeFactory,
    give_totp,
    make_consent,
    make_external_partnership,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def _care_office_with_paper_partner():
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
    return office, cm, partner


def _send_by_link(desk, live_server, screenshot, cm, partner) -> tuple[str, str]:
    """The care manager sends November to the paper partner; returns the link and the access code."""
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
    return re.sub(r"^http://[^/]+", live_server.url, url), code


def _open_on_phone(new_page, url, code, screenshot=None):
    phone = new_page()  # another person: a fresh context, no login
    phone.set_viewport_size(PHONE)
    phone.goto(url)
    if screenshot:
        screenshot(phone, "paper-03-phone-code")
    phone.fill("input[name=code]", code)
    phone.click("text=提供票を開く")
    assert "山田" in phone.locator("[data-testid=schedule-card]").inner_text()
    return phone


def test_paper_partner_answers_on_a_phone(new_page, live_server, screenshot):
    office, cm, partner = _care_office_with_paper_partner()
    desk = new_page()
    url, code = _send_by_link(desk, live_server, screenshot, cm, partner)
    phone = _open_on_phone(new_page, url, code, screenshot)
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
    for target in (
        days.nth(1).locator("select"),
        days.nth(1).locator("summary"),
        phone.locator("select[name=extra-1-day]"),
        phone.locator("button:has-text('実績を送信')"),
    ):
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
    desk.goto(f"{live_server.url}/exchange/outbox/")
    assert "実績回答済" in desk.locator("[data-testid=paper-link-status]").inner_text()
    screenshot(desk, "paper-10-outbox")


def test_paper_partner_moves_to_renkei(new_page, live_server, screenshot, settings):
    """「Renkei で受け取る」: the partner asks from its phone, signs up and registers its office on a PC, the
    operator verifies it, its admin accepts the invitation: the care office's paper partner is now a
    Renkei partnership, and the past month sent by link is still there."""
    from django.core import mail

    from tests.e2e.journey import apply_for_verification, click, operator_signs_in, register_office
    from tests.e2e.test_signup_journey import link_in, signup_and_verify

    settings.SITE_URL = live_server.url
    office, cm, partner = _care_office_with_paper_partner()
    desk = new_page()
    url, code = _send_by_link(desk, live_server, screenshot, cm, partner)
    phone = _open_on_phone(new_page, url, code)
    phone.locator("[data-testid=join-card] a:has-text('Renkei で受け取る')").click()
    assert phone.input_value("input[name=email]") == "helper@example.jp"  # the address the care office knows
    phone.fill("input[name=email]", "jimu@sakura-helper.example.jp")
    screenshot(phone, "paper-join-01-phone")
    phone.click("main form button:has-text('Renkei で受け取る')")
    assert "招待のメールを送りました" in phone.content()
    screenshot(phone, "paper-join-02-phone-requested")
    invitation_mail = [m for m in mail.outbox if "jimu@sakura-helper.example.jp" in m.to][-1]
    assert "山田" not in invitation_mail.body
    link_in(invitation_mail, r"https?://\S+/accounts/signup/")

    helper = new_page()
    signup_and_verify(helper, live_server, "jimu@sakura-helper.example.jp")
    register_office(helper, number=HOME_HELP[0], name=HOME_HELP[1], kind="11", display_name="田中 三郎")
    helper.goto(f"{live_server.url}/offices/verification/")
    apply_for_verification(helper)
    operator = new_page()
    operator_signs_in(operator, live_server)
    operator.goto(f"{live_server.url}/offices/operator/verifications/")
    operator.locator("[data-testid=verification-queue] tr", has_text=HOME_HELP[1]).get_by_role(
        "link", name="確認する"
    ).click()
    operator.wait_for_load_state()
    click(operator, "承認する")
    assert "本人確認済みにしました" in operator.content()

    helper.goto(f"{live_server.url}/partners/")
    helper.locator("[data-testid=received-invitations] tr", has_text="さくら居宅介護支援事業所").get_by_role(
        "link", name="内容を見て回答する"
    ).click()
    helper.wait_for_load_state()
    screenshot(helper, "paper-join-03-invitation")
    click(helper, "承認して連携を始める")
    assert "との連携を始めました" in helper.content()

    desk.goto(f"{live_server.url}/partners/{partner.pk}/")  # the same record, now a Renkei partnership
    page = desk.locator("main").inner_text()
    assert HOME_HELP[1] in page and "提供票をリンクで送る" not in page
    assert "令和8年11月" in desk.locator("[data-testid=paper-link-months]").inner_text()
    screenshot(desk, "paper-join-04-partnership")
    desk.goto(f"{live_server.url}/paperlinks/")
    assert "令和8年11月" in desk.locator("[data-testid=paper-link-row]").inner_text()  # the past month stays
    phone.goto(url + "sheet/")
    assert "Renkei で連携しています" in phone.locator("[data-testid=join-card]").inner_text()
    screenshot(phone, "paper-join-05-phone-after")
