"""A newcomer signs up, verifies the email, registers an office and invites a member who joins."""

import re

import pytest
from django.core import mail

from portal.offices.models import Membership, Office, Role
from tests.e2e.conftest import activate_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "kaigo-renkei-2026!"


def link_in(message, pattern):
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


def signup_and_verify(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    confirm = [m for m in mail.outbox if email in m.to][-1]
    link = link_in(confirm, r"https?://\S+/accounts/confirm-email/\S+")
    page.goto(live_server.url + "/accounts/" + link.split("/accounts/", 1)[1])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_signup_register_office_invite_member(new_page, live_server, screenshot, settings):
    settings.SITE_URL = live_server.url
    admin = new_page()
    signup_and_verify(admin, live_server, "kanri@example.jp")
    # A verified newcomer without an office lands on office registration.
    assert "事業所の登録" in admin.content()
    screenshot(admin, "office-register")
    admin.fill("input[name=office_number]", "1310012345")
    admin.fill("input[name=name]", "ひかり居宅介護支援事業所")
    admin.fill("input[name=display_name]", "光 一郎")
    admin.fill("input[name=address]", "東京都豊島区東池袋1-1-1")
    admin.fill("input[name=phone]", "03-1234-5678")
    admin.select_option("select[name=regional_grade]", "1")
    admin.check("input[name=service_type_codes][value='43']")
    admin.click("main form button[type=submit]")
    admin.wait_for_load_state()
    # The new admin must set up 2段階認証 before anything else (MFA is mandatory for admins).
    assert "事業所の管理者は2段階認証が必須です" in admin.content()
    screenshot(admin, "mfa-setup")
    activate_totp(admin, PASSWORD)
    admin.goto(f"{live_server.url}/dashboard/")
    screenshot(admin, "after-register")
    header = admin.locator("[data-testid=current-office]")
    assert "ひかり居宅介護支援事業所" in header.inner_text()
    assert "1310012345" in header.inner_text()
    screenshot(admin, "dashboard")

    admin.goto(f"{live_server.url}/offices/staff/invite/")
    admin.fill("input[name=email]", "cm.new@example.jp")
    admin.select_option("select[name=role]", Role.CARE_MANAGER)
    admin.click("main form button[type=submit]")
    admin.wait_for_load_state()
    assert "招待メールを送りました" in admin.content()
    screenshot(admin, "staff")

    invitation = [m for m in mail.outbox if "cm.new@example.jp" in m.to][-1]
    link = link_in(invitation, r"https?://\S+/offices/invitations/\S+/")
    member = new_page()
    member.goto(link)
    assert "新規登録して参加" in member.content()
    screenshot(member, "invitation")
    member.click("text=新規登録して参加")
    signup_and_verify(member, live_server, "cm.new@example.jp")
    # Back on the invitation after verification: join.
    assert "として参加します" in member.content(), member.content()
    member.fill("input[name=display_name]", "新人 ケアマネ")
    member.click("main form button[type=submit]")
    member.wait_for_load_state()
    assert "ひかり居宅介護支援事業所に参加しました" in member.content()
    assert "ひかり居宅介護支援事業所" in member.locator("[data-testid=current-office]").inner_text()

    office = Office.objects.get(office_number="1310012345")
    roles = dict(Membership.objects.filter(office=office).values_list("user__email", "role"))
    assert roles == {"kanri@example.jp": Role.ADMIN, "cm.new@example.jp": Role.CARE_MANAGER}
