"""Ending a partnership (either side) and partners outside Renkei."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import AuditEvent, Partnership
from tests.forms import submit
from tests.partners.conftest import make_client, record_consent

EXTERNAL = reverse("partners:external_create")


def end(client, partnership, follow=False, response=None, **typed):
    return submit(
        client,
        reverse("partners:detail", args=[partnership.pk]),
        typed,
        button="連携を終了する",
        follow=follow,
        response=response,
    )


def add_external(client, follow=False, **typed):
    return submit(client, EXTERNAL, typed, button="登録する", follow=follow)


def test_either_side_ends_and_both_sides_keep_the_history(
    partnership_pair, office, owner, owner_client, provider_office, provider_admin, django_capture_on_commit_callbacks
):
    own, theirs = partnership_pair
    client = make_client(office)
    record_consent(office, owner, client, own)
    with django_capture_on_commit_callbacks(execute=True):
        response = end(owner_client, own, reason="利用者の転居のため", follow=True)
    assert "との連携を終了しました" in response.content.decode()
    with office_scope(office):
        own.refresh_from_db()
        assert own.ended_on is not None and not own.ended_by_partner and own.consents.count() == 1
        assert AuditEvent.objects.filter(action="partnership_ended", actor=owner.user).count() == 1
    with office_scope(provider_office):
        theirs.refresh_from_db()
        assert theirs.ended_on == own.ended_on and theirs.ended_by_partner
        assert theirs.end_reason == "利用者の転居のため"
        assert AuditEvent.objects.filter(action="partnership_ended").count() == 1
    message = mail.outbox[-1]
    assert message.to == [provider_admin.user.email]
    assert "さくら居宅介護支援事業所との連携が終了しました" in message.subject and "利用者の転居のため" in message.body
    page = owner_client.get(reverse("partners:list")).content.decode()
    assert "終了した連携" in page and "ひまわり訪問介護ステーション" in page
    detail = owner_client.get(reverse("partners:detail", args=[own.pk])).content.decode()
    assert "連携を終了する" not in detail and "終了" in detail and "山田" in detail  # consents still listed


def test_the_provider_can_end_it_too(partnership_pair, office, provider_client):
    own, theirs = partnership_pair
    end(provider_client, theirs, reason="")
    with office_scope(office):
        own.refresh_from_db()
    assert own.ended_by_partner and own.ended_at is not None


def test_ending_twice_or_as_a_non_admin(partnership_pair, owner, member, member_client, owner_client, office):
    own, _ = partnership_pair
    assert "連携を終了する" not in member_client.get(reverse("partners:detail", args=[own.pk])).content.decode()
    assert member_client.post(reverse("partners:end", args=[own.pk]), {}).status_code == 403  # hand-made
    with office_scope(office), pytest.raises(services.PartnershipError, match="管理者だけ"):
        services.partnership_end(partnership=own, membership=member)
    opened = owner_client.get(reverse("partners:detail", args=[own.pk]))
    end(owner_client, own, response=opened)
    response = end(owner_client, own, response=opened, follow=True)  # the same page sent again
    assert "この連携はすでに" in response.content.decode()


def test_register_an_external_partner(owner_client, office):
    response = add_external(
        owner_client,
        partner_office_number="2770000099",
        partner_name="なにわ福祉用具",
        service_type_codes=["17"],
        note="ほのぼのNEXT利用",
        follow=True,
    )
    assert "を外部の連携先として登録しました" in response.content.decode()
    with office_scope(office):
        partnership = Partnership.objects.get()
        assert partnership.is_external and partnership.service_type_codes == ["17"]
        assert AuditEvent.objects.filter(action="partnership_external_added").count() == 1
    page = owner_client.get(reverse("partners:list")).content.decode()
    assert "外部（ファイル）" in page and "なにわ福祉用具" in page


@pytest.mark.parametrize(
    "number,message",
    [
        ("27700000", "半角数字10桁"),
        ("1370000011", "Renkei に登録されています"),
    ],
)
def test_external_partner_bad_input(owner_client, provider_office, number, message):
    page = add_external(
        owner_client, partner_office_number=number, partner_name="どこか", service_type_codes=["11"]
    ).content.decode()
    assert message in page and 'value="どこか"' in page


def test_external_partner_own_number_and_duplicates(owner_client, office):
    data = {"partner_office_number": office.office_number, "partner_name": "自分", "service_type_codes": ["11"]}
    assert "自分の事業所は連携先に登録できません" in add_external(owner_client, **data).content.decode()
    data["partner_office_number"] = "2770000099"
    add_external(owner_client, **data)
    page = add_external(owner_client, **data).content.decode()
    assert "すでに連携先に登録されています" in page


def test_member_sees_partners_but_cannot_invite(member_client, partnership_pair):
    page = member_client.get(reverse("partners:list")).content.decode()
    assert "ひまわり訪問介護ステーション" in page and "連携先を招待する" not in page
    assert member_client.get(reverse("partners:invite")).status_code == 403
    assert member_client.get(reverse("partners:external_create")).status_code == 403
