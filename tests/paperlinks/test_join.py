"""「Renkei で受け取る」 (issue 19 item 4): the partner on no system asks from its link page, signs up and is
verified; accepting the care office's invitation turns the paper record into a normal partnership. Past
months stay with the care office; the link takes no answer for a month since sent through Renkei."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from linkage.exchange.models import Channel, Package, PackageStatus, UnitKind
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.paperlinks import services
from portal.paperlinks.models import PaperLinkAnswer
from portal.partners.models import AuditEvent, ConsentScope, InvitationStatus, PartnerInvitation, Partnership
from portal.partners.services import sharing_refusals
from tests.conftest import login_client
from tests.documents.conftest import HOME_HELP, MONTH
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import read_form, submit
from tests.paperlinks.conftest import new_link, path_of

pytestmark = pytest.mark.django_db

PERSONAL = ("山田", "太郎", "0000012345", "川口", "次郎", "0000067890")


def _opened(new):
    browser = Client()
    submit(browser, path_of(new.url), {"code": new.code}, button="提供票を開く")
    return browser


def _hub_send(office, month):
    """Stand-in for the care office sending ``month`` to the partner through the hub (the exchange tests
    cover the send itself): the outbox row that send leaves."""
    with office_scope(office):
        Package.objects.create(
            office=office,
            package_id=uuid.uuid4(),
            channel=Channel.HUB,
            unit_kind=UnitKind.SCHEDULE,
            month=month,
            sender_kind="43",
            recipient_office_number=HOME_HELP[0],
            recipient_kind="11",
            sequence="20261201090000",
            status=PackageStatus.SENT,
        )


def test_the_partner_asks_signs_up_and_the_paper_partner_becomes_a_partnership(
    owner_client, office, owner, world, django_capture_on_commit_callbacks
):
    new = new_link(office, owner, world["partner"])
    browser = _opened(new)
    base = path_of(new.url)
    assert submit(browser, base + f"answer/{world['schedule'].pk}/", {}, button="実績を送信").status_code == 302
    sheet = browser.get(base + "sheet/").content.decode()
    assert "Renkei で受け取る" in sheet

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(browser, base + "join/", {"email": "Jimu@Example.jp"}, button="Renkei で受け取る")
    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "招待のメールを送りました" in page and 'data-testid="join-pending"' in page
    [message] = mail.outbox
    assert message.to == ["jimu@example.jp"] and "/accounts/signup/" in message.body and HOME_HELP[0] in message.body
    for word in PERSONAL:
        assert word not in message.subject + message.body
    with office_scope(office):
        invitation = PartnerInvitation.objects.get()
        assert AuditEvent.objects.filter(action="paper_link_join_requested").count() == 1
    assert (invitation.office_id, invitation.invitee_office_number, invitation.status) == (
        office.pk,
        HOME_HELP[0],
        InvitationStatus.PENDING,
    )
    # asking again does not send a second invitation
    assert 'data-testid="join-pending"' in browser.get(base + "join/").content.decode()

    # the partner signed up, registered its office with the same 事業所番号 and was verified by the operator
    helper = OfficeFactory(name=HOME_HELP[1], office_number=HOME_HELP[0], kinds=["11"])
    admin = MembershipFactory(office=helper, role=Role.ADMIN, display_name="田中 三郎")
    partner_web = login_client(admin)
    url = reverse("partners:invitation_detail", kwargs={"partner_invitation_id": invitation.pk})
    response = submit(partner_web, url, {}, button="承認して連携を始める")
    assert response.status_code == 302

    with office_scope(office):
        partnership = Partnership.objects.get(pk=world["partner"].pk)  # the same record, now on Renkei
        moved = AuditEvent.objects.get(action="paper_partner_moved")
        assert PaperLinkAnswer.objects.filter(link__partnership=partnership).count() == 1
    assert (partnership.is_external, partnership.partner_office_id) == (False, helper.pk)
    assert partnership.counterpart is not None and partnership.counterpart.office_id == helper.pk
    assert moved.detail["months"] == ["2026-11"] and moved.partner_office_number == HOME_HELP[0]

    # the past month stays visible to the care office, and the consent rules still gate the sends
    listing = owner_client.get(reverse("paperlinks:list")).content.decode()
    assert "実績回答済" in listing
    comparison = owner_client.get(reverse("exchange:comparison") + "?month=2026-11").content.decode()
    assert "山田" in comparison
    with office_scope(office):
        refused = sharing_refusals(
            office=office,
            clients=[world["consented"], world["other"]],
            recipient_office_number=HOME_HELP[0],
            scope=ConsentScope.SCHEDULE,
        )
    assert set(refused) == {world["other"].pk}
    # no more links to this partner: the next months go through Renkei
    with office_scope(office), pytest.raises(services.PaperLinkError):
        services.paper_link_create(
            office=office, membership=owner, partnership=partnership, month=MONTH.replace(month=12)
        )


def test_a_month_sent_through_renkei_takes_no_answer_on_the_link_and_says_so(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = _opened(new)
    base = path_of(new.url)
    answer_url = base + f"answer/{world['schedule'].pk}/"
    rendered = read_form(browser, answer_url, button="実績を送信").data({}, button="実績を送信")
    _hub_send(office, MONTH)
    sheet = browser.get(base + "sheet/").content.decode()
    assert "Renkei で送られています" in sheet and "実績を回答する" not in sheet
    page = browser.get(answer_url).content.decode()
    assert 'data-testid="answer-closed"' in page and "実績を送信" not in page
    # the form rendered before the hub send, sent after it: refused with the reason, nothing imported
    response = browser.post(answer_url, rendered)
    assert response.status_code == 422 and "Renkei で送られています" in response.content.decode()
    with office_scope(office):
        assert not PaperLinkAnswer.objects.exists()
