"""Partner invitations: invite by 事業所番号, accept/decline by the invitee's admin, and every bad input."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from portal.offices.models import Role
from portal.offices.services import office_register
from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import AuditEvent, Consent, InvitationStatus, PartnerInvitation, Partnership
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, give_totp
from tests.forms import submit
from tests.partners.conftest import accept, invite, make_client, record_consent

INVITE = reverse("partners:invite")


def post_invite(client, **data):
    """The invite page as an admin fills it in (only what is typed; the rest is what the page renders)."""
    payload = {"service_type_codes": ["11"]}
    payload.update(data)
    return submit(client, INVITE, payload, button="招待を送る")


def detail_url(invitation):
    return reverse("partners:invitation_detail", args=[invitation.pk])


def test_admin_invites_a_renkei_office_whose_admin_is_emailed(
    owner_client, office, provider_office, provider_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(owner_client, invitee_office_number="1370000011", service_type_codes=["11", "13"])
    assert response.status_code == 302
    with office_scope(office):
        invitation = PartnerInvitation.objects.get()
    assert invitation.service_type_codes == ["11", "13"]
    assert invitation.invitee_name == "ひまわり訪問介護ステーション"
    message = mail.outbox[-1]
    assert message.to == [provider_admin.user.email]
    assert "さくら居宅介護支援事業所から連携の招待が届いています" in message.subject
    assert f"/partners/invitations/{invitation.pk}/" in message.body
    assert "11 訪問介護、13 訪問看護" in message.body


def test_invitee_admin_sees_inviter_name_number_and_kinds_and_accepts(
    office, owner, provider_office, provider_admin, provider_client, django_capture_on_commit_callbacks
):
    invitation = invite(office, owner, "1370000011", codes=("11", "13"))
    page = provider_client.get(reverse("partners:list")).content.decode()
    assert "届いている招待" in page and "さくら居宅介護支援事業所" in page
    detail = provider_client.get(reverse("partners:invitation_detail", args=[invitation.pk])).content.decode()
    assert "さくら居宅介護支援事業所" in detail and office.office_number in detail
    assert "43 居宅介護支援" in detail  # the inviter's service kinds
    assert "承認して連携を始める" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            provider_client,
            detail_url(invitation),
            {"service_type_codes": ["11"]},
            button="承認して連携を始める",
            follow=True,
        )
    assert "さくら居宅介護支援事業所との連携を始めました" in response.content.decode()
    with office_scope(provider_office):
        mine = Partnership.objects.get()
    with office_scope(office):
        theirs = Partnership.objects.get()
    assert mine.counterpart_id == theirs.pk and theirs.counterpart_id == mine.pk
    assert mine.service_type_codes == theirs.service_type_codes == ["11"]  # narrowed by the invitee
    assert mine.partner_office_number == office.office_number and theirs.partner_office == provider_office
    assert mail.outbox[-1].to == [owner.user.email]
    assert "ひまわり訪問介護ステーションが連携の招待を承認しました" in mail.outbox[-1].subject
    with office_scope(office):
        assert AuditEvent.objects.filter(action="partnership_accepted").count() == 1
    with office_scope(provider_office):
        assert AuditEvent.objects.filter(action="partnership_accepted", actor=provider_admin.user).count() == 1


def test_invitee_admin_declines_and_inviter_is_told(
    office, owner, provider_admin, provider_client, django_capture_on_commit_callbacks
):
    invitation = invite(office, owner, "1370000011")
    with django_capture_on_commit_callbacks(execute=True):
        submit(provider_client, detail_url(invitation), {"reason": "対象地域外のため"}, button="辞退する")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert "辞退しました" in mail.outbox[-1].subject and "対象地域外のため" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [owner.user.email]
    with office_scope(office):
        assert not Partnership.objects.exists()


def test_non_admin_cannot_accept(office, owner, provider_office, provider_admin, provider_staff, provider_staff_client):
    invitation = invite(office, owner, "1370000011")
    page = provider_staff_client.get(reverse("partners:invitation_detail", args=[invitation.pk])).content.decode()
    assert "回答（承認・辞退）できるのは、この事業所の管理者だけです" in page
    assert "承認して連携を始める" not in page
    # the page offers no button; a hand-made request is refused
    response = provider_staff_client.post(
        reverse("partners:invitation_accept", args=[invitation.pk]), {"service_type_codes": ["11"]}
    )
    assert response.status_code == 403
    with pytest.raises(services.PartnerInvitationError, match="管理者だけ"):
        accept(invitation, provider_staff)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    with office_scope(provider_office):
        assert not Partnership.objects.exists()


def test_non_admin_cannot_invite(member_client):
    assert member_client.get(INVITE).status_code == 403  # the page is not offered
    response = member_client.post(INVITE, {"invitee_office_number": "1370000011", "service_type_codes": ["11"]})
    assert response.status_code == 403  # nor is a hand-made request taken


@pytest.mark.parametrize(
    "number,message",
    [
        ("137000001", "半角数字10桁"),
        ("13700000ab", "半角数字10桁"),
        ("9970000011", "都道府県番号"),
    ],
)
def test_office_number_of_the_wrong_form(owner_client, number, message):
    response = post_invite(owner_client, invitee_office_number=number, invitee_email="x@example.jp")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{number}"' in page  # what was typed is kept


def test_inviting_your_own_office(owner_client, office):
    page = post_invite(owner_client, invitee_office_number=office.office_number).content.decode()
    assert "自分の事業所は招待できません" in page


def test_second_invitation_while_one_is_pending(owner_client, office, owner, provider_office, provider_admin):
    invite(office, owner, "1370000011")
    page = post_invite(owner_client, invitee_office_number="1370000011").content.decode()
    assert "すでに招待を送っています（承認待ち）" in page
    with office_scope(office):
        assert PartnerInvitation.objects.count() == 1


def test_invitation_while_the_other_side_has_invited_you(owner_client, office, provider_office, provider_admin):
    invite(provider_office, provider_admin, office.office_number, codes=("11",))
    page = post_invite(owner_client, invitee_office_number="1370000011").content.decode()
    assert "あなたの事業所に招待が届いています" in page


def test_invitation_while_a_partnership_exists(owner_client, partnership_pair):
    page = post_invite(owner_client, invitee_office_number="1370000011").content.decode()
    assert "とはすでに連携しています" in page


def test_invitation_after_the_partnership_ended_is_allowed(office, owner, partnership_pair):
    own, _ = partnership_pair
    with office_scope(office):
        services.partnership_end(partnership=own, membership=owner)
    assert invite(office, owner, "1370000011").status == InvitationStatus.PENDING


def test_kinds_must_be_the_providers(owner_client, provider_office, provider_admin):
    page = post_invite(owner_client, invitee_office_number="1370000011", service_type_codes=["15"]).content.decode()
    assert "15 通所介護はひまわり訪問介護ステーションのサービス種類ではありません" in page


def test_office_not_on_renkei_needs_an_email(owner_client):
    page = post_invite(owner_client, invitee_office_number="2770009999").content.decode()
    assert "まだ Renkei に登録されていません" in page and "メールアドレスを入力してください" in page


def test_office_not_on_renkei_gets_a_signup_invitation_and_sees_it_after_registering(
    owner_client, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_invite(
            owner_client,
            invitee_office_number="2770009999",
            invitee_email="Info@Midori.example.jp",
            invitee_name="みどり福祉用具",
            service_type_codes=["17"],
        )
    message = mail.outbox[-1]
    assert message.to == ["info@midori.example.jp"]
    assert "/accounts/signup/" in message.body and "2770009999" in message.body
    # They sign up and register that 事業所番号: the invitation is theirs.
    user = UserFactory(email="info@midori.example.jp")
    give_totp(user)  # the registering person becomes its admin: MFA is mandatory
    newcomer = office_register(
        user=user,
        office_number="2770009999",
        name="みどり福祉用具",
        address="大阪府",
        phone="06",
        regional_grade="2",
        service_type_codes=["17"],
    )
    membership = newcomer.memberships.get()
    client = login_client(membership)
    # Until the operator has verified the new office, an invitation to its number is not its own (事業所の本人確認).
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "連携の招待が届いています" not in dashboard and "本人確認" in dashboard
    with office_scope(newcomer):
        waiting = PartnerInvitation.objects.get()
    assert client.get(reverse("partners:invitation_detail", args=[waiting.pk])).status_code == 404
    with pytest.raises(services.PartnerInvitationError, match="本人確認"):
        accept(waiting, membership)
    newcomer.verification_status = "verified"
    newcomer.save(update_fields=["verification_status"])
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "連携の招待が届いています" in dashboard
    with office_scope(newcomer):
        invitation = PartnerInvitation.objects.get()
    partnership = accept(invitation, membership)
    assert partnership.partner_office == office and partnership.service_type_codes == ["17"]


def test_expired_invitation_cannot_be_accepted(office, owner, provider_admin, provider_client):
    invitation = invite(office, owner, "1370000011")
    opened = provider_client.get(detail_url(invitation))  # opened while still valid
    PartnerInvitation.objects.with_scopes_disabled().filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page = provider_client.get(detail_url(invitation)).content.decode()
    assert "有効期限" in page and "が切れています" in page and "承認して連携を始める" not in page
    response = submit(
        provider_client, detail_url(invitation), button="承認して連携を始める", response=opened, follow=True
    )
    assert "が切れています" in response.content.decode()
    with pytest.raises(services.PartnerInvitationError, match="有効期限"):
        accept(invitation, provider_admin)


def test_used_invitation_cannot_be_used_again(office, owner, provider_admin, provider_client):
    invitation = invite(office, owner, "1370000011")
    opened = provider_client.get(detail_url(invitation))  # a second tab
    accept(invitation, provider_admin)
    response = submit(
        provider_client, detail_url(invitation), button="承認して連携を始める", response=opened, follow=True
    )
    assert "この招待はすでに承認されています" in response.content.decode()
    with office_scope(provider_admin.office), pytest.raises(services.PartnerInvitationError, match="すでに承認"):
        services.partner_invitation_decline(invitation=invitation, membership=provider_admin)


def test_cancelled_invitation_cannot_be_accepted(owner_client, office, owner, provider_admin):
    invitation = invite(office, owner, "1370000011")
    submit(owner_client, detail_url(invitation), button="招待を取り消す")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    with pytest.raises(services.PartnerInvitationError, match="取り消されました"):
        accept(invitation, provider_admin)


def test_inviter_cannot_accept_its_own_invitation(owner_client, office, owner):
    invitation = invite(office, owner, "1370000011", invitee_email="x@example.jp")
    assert "承認して連携を始める" not in owner_client.get(detail_url(invitation)).content.decode()
    response = owner_client.post(reverse("partners:invitation_accept", args=[invitation.pk]), follow=True)  # hand-made
    assert "あなたの事業所宛てではありません" in response.content.decode()


def test_accepting_upgrades_an_external_partnership_and_keeps_its_consents(
    office, owner, provider_office, provider_admin
):
    client = make_client(office)
    with office_scope(office):
        # Recorded before the provider joined Renkei... then the provider registered.
        external = Partnership.objects.create(
            office=office,
            partner_office_number="1370000011",
            partner_name="ひまわり（外部）",
            is_external=True,
            service_type_codes=["11"],
            started_on=timezone.localdate(),
        )
    consent = record_consent(office, owner, client, external)
    accept(invite(office, owner, "1370000011"), provider_admin)
    with office_scope(office):
        upgraded = Partnership.objects.get()
        assert upgraded.pk == external.pk and not upgraded.is_external and upgraded.counterpart is not None
        assert Consent.objects.get().pk == consent.pk
        services.assert_can_share(office=office, client=client, recipient_office_number="1370000011", scope="plan")


def test_provider_inviting_a_care_manager_offers_its_own_kinds(
    provider_client, provider_office, provider_admin, office, owner
):
    page = provider_client.get(INVITE).content.decode()
    assert "13 訪問看護" in page and "15 通所介護" not in page
    response = post_invite(provider_client, invitee_office_number=office.office_number, service_type_codes=["13"])
    assert response.status_code == 302
    with office_scope(office):
        invitation = PartnerInvitation.objects.get()
    assert invitation.service_type_codes == ["13"]
    owner_page = login_client(owner).get(reverse("partners:invitation_detail", args=[invitation.pk])).content.decode()
    assert "13 訪問看護" in owner_page and "（招待した事業所のサービス）" in owner_page
    partnership = accept(invitation, owner)
    assert partnership.service_type_codes == ["13"]


def test_a_third_office_sees_none_of_the_invitations(office, owner, provider_office, provider_admin):
    invitation = invite(office, owner, "1370000011")
    third = MembershipFactory(office=OfficeFactory(name="第三の事業所"), role=Role.ADMIN)
    third_client = login_client(third)
    assert third_client.get(reverse("partners:invitation_detail", args=[invitation.pk])).status_code == 404
    assert "さくら居宅介護支援事業所" not in third_client.get(reverse("partners:list")).content.decode()
    with office_scope(third.office):
        assert not PartnerInvitation.objects.exists()
    for name in ("invitation_accept", "invitation_decline", "invitation_cancel"):
        assert third_client.post(reverse(f"partners:{name}", args=[invitation.pk])).status_code == 404


def test_invitations_refuse_queries_without_a_scope(db):
    from django_scopes.exceptions import ScopeError

    with pytest.raises(ScopeError):
        list(PartnerInvitation.objects.all())


def test_anonymous_is_sent_to_login(office, owner):
    invitation = invite(office, owner, "1370000011", invitee_email="x@example.jp")
    response = HttpClient().get(reverse("partners:invitation_detail", args=[invitation.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_mistake_is_told_at_once(owner_client):
    page = post_invite(owner_client, invitee_office_number="2770009999", service_type_codes=[]).content.decode()
    assert "サービス種類を1つ以上選んでください" in page and "メールアドレスを入力してください" in page


def test_office_lookup_names_a_renkei_office(owner_client, provider_office):
    url = reverse("partners:office_lookup")
    assert (
        "ひまわり訪問介護ステーション"
        in owner_client.get(url, {"invitee_office_number": "1370000011"}).content.decode()
    )
    assert (
        "まだ Renkei に登録されていません"
        in owner_client.get(url, {"invitee_office_number": "1370000099"}).content.decode()
    )
