"""Two offices in two browsers: invite, accept, record a 利用者's consent, revoke it — and the
利用者 can no longer be sent to that partner (assert_can_share refuses, the status says 共有不可)."""

import pytest

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.partners.models import Partnership
from portal.partners.services import SharingNotAllowed, assert_can_share
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory
from tests.partners.conftest import make_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_invite_accept_consent_revoke(new_page, live_server, screenshot, settings):
    settings.SITE_URL = live_server.url
    sakura = OfficeFactory(office_number="1310000001", name="さくら居宅介護支援事業所", kinds=["43"])
    himawari = OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    MembershipFactory(
        office=sakura, role=Role.ADMIN, display_name="佐藤 花子", user=UserFactory(email="sakura-admin@example.jp")
    )
    MembershipFactory(
        office=himawari, role=Role.ADMIN, display_name="渡辺 直子", user=UserFactory(email="himawari-admin@example.jp")
    )
    client = make_client(sakura, family_name="山田", given_name="太郎")

    # さくら's admin invites ひまわり by 事業所番号.
    cm = new_page()
    login(cm, live_server, "sakura-admin@example.jp", PASSWORD)
    cm.goto(f"{live_server.url}/partners/invite/")
    cm.fill("input[name=invitee_office_number]", "1370000011")
    cm.locator("[data-testid=lookup-found]").wait_for()
    assert "ひまわり訪問介護ステーション" in cm.locator("[data-testid=lookup-found]").inner_text()
    cm.check("input[name=service_type_codes][value='11']")
    cm.click("main form button[type=submit]")
    cm.wait_for_load_state()
    assert "連携の招待を送りました" in cm.content()
    assert cm.locator("[data-testid=invitation-status]").inner_text() == "承認待ち"
    screenshot(cm, "partners-invitation-sent")

    # ひまわり's admin sees it on the dashboard, opens it and accepts.
    provider = new_page()
    login(provider, live_server, "himawari-admin@example.jp", PASSWORD)
    provider.goto(f"{live_server.url}/dashboard/")
    assert "連携の招待が届いています" in provider.content()
    provider.click("text=招待を確認する")
    provider.wait_for_load_state()
    assert provider.locator("[data-testid=inviter-name]").inner_text() == "さくら居宅介護支援事業所"
    assert "1310000001" in provider.content() and "43 居宅介護支援" in provider.content()
    screenshot(provider, "partners-invitation-received")
    provider.click("button:has-text('承認して連携を始める')")
    provider.wait_for_load_state()
    assert "さくら居宅介護支援事業所との連携を始めました" in provider.content()
    assert provider.locator("[data-testid=partnership-status]").inner_text() == "連携中"

    # さくら records the 利用者's consent for ひまわり.
    cm.goto(f"{live_server.url}/partners/")
    assert "ひまわり訪問介護ステーション" in cm.locator("[data-testid=active-partners]").inner_text()
    cm.click("[data-testid=active-partners] >> text=ひまわり訪問介護ステーション")
    cm.wait_for_load_state()
    cm.click("text=この連携先への同意を記録する")
    cm.wait_for_load_state()
    cm.select_option("select[name=client]", str(client.pk))
    cm.check("input[name=method][value=written]")
    cm.set_input_files(
        "input[name=document]",
        files=[{"name": "同意書.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    screenshot(cm, "partners-consent-form")
    cm.click("main form button[type=submit]")
    cm.wait_for_load_state()
    assert "同意を記録しました" in cm.content()
    assert cm.locator("[data-testid=consent-status]").inner_text() == "有効"
    with office_scope(sakura):
        partnership = Partnership.objects.get(office=sakura)
        assert (
            assert_can_share(
                office=sakura,
                client=client,
                recipient_office_number="1370000011",
                scope="schedule",
                service_type_code="11",
            )
            == partnership
        )

    # ... then records that the 利用者 withdrew it.
    cm.fill("input[name=revocation_reason]", "本人からの申し出")
    cm.click("button:has-text('撤回を記録する')")
    cm.wait_for_load_state()
    assert "同意を撤回しました" in cm.content()
    assert cm.locator("[data-testid=consent-status]").inner_text() == "撤回済み"
    screenshot(cm, "partners-consent-revoked")

    with office_scope(sakura), pytest.raises(SharingNotAllowed) as refused:
        assert_can_share(
            office=sakura, client=client, recipient_office_number="1370000011", scope="schedule", service_type_code="11"
        )
    assert refused.value.reason == "consent_revoked"
    assert "山田\u3000太郎さん" in str(refused.value) and "ひまわり訪問介護ステーション" in str(refused.value)

    cm.goto(f"{live_server.url}/partners/consents/?client={client.pk}")
    row = cm.locator("[data-testid=sharing-row][data-partner='1370000011']")
    assert "共有不可" in row.inner_text() and "同意撤回" in row.inner_text()
    screenshot(cm, "partners-client-sharing")
