"""Two offices that work together: さくら (care management, the ``office`` fixture) and a provider."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import ConsentScope, PartnerInvitation
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory

_insured = itertools.count(1)
ALL_SCOPES = list(ConsentScope.values)


def make_client(office, family_name="山田", given_name="太郎"):
    from portal.clients.models import Client

    with office_scope(office):
        return Client.objects.create(
            office=office,
            family_name=family_name,
            given_name=given_name,
            family_name_kana="ヤマダ",
            given_name_kana="タロウ",
            sex="1",
            birth_date=dt.date(1938, 3, 3),
            insurer_number="131011",
            insured_number=f"{1000000000 + next(_insured):010d}",
        )


@pytest.fixture
def provider_office(db):
    return OfficeFactory(name="ひまわり訪問介護ステーション", office_number="1370000011", kinds=["11", "13"])


@pytest.fixture
def provider_admin(provider_office):
    return MembershipFactory(office=provider_office, role=Role.ADMIN, display_name="渡辺 直子")


@pytest.fixture
def provider_staff(provider_office):
    return MembershipFactory(office=provider_office, role=Role.SERVICE_STAFF, display_name="山本 翔太")


@pytest.fixture
def provider_client(provider_admin):
    return login_client(provider_admin)


@pytest.fixture
def provider_staff_client(provider_staff):
    return login_client(provider_staff)


@pytest.fixture
def client_record(office):
    return make_client(office)


def invite(office, owner, number, codes=("11",), **extra) -> PartnerInvitation:
    with office_scope(office):
        return services.partner_invitation_create(
            office=office, membership=owner, invitee_office_number=number, service_type_codes=list(codes), **extra
        )


def accept(invitation, membership, codes=None):
    with office_scope(membership.office):
        invitation = PartnerInvitation.objects.get(pk=invitation.pk)
        return services.partner_invitation_accept(
            invitation=invitation, membership=membership, service_type_codes=codes
        )


@pytest.fixture
def partnership_pair(office, owner, provider_office, provider_admin):
    """(さくら's side, the provider's side) of an accepted partnership covering 11."""
    provider_side = accept(invite(office, owner, provider_office.office_number), provider_admin)
    with office_scope(office):
        from portal.partners.models import Partnership

        own_side = Partnership.objects.get(office=office, partner_office_number=provider_office.office_number)
    return own_side, provider_side


def record_consent(office, member, client, partnership, *, obtained_on=None, scopes=ALL_SCOPES, document=None):
    with office_scope(office):
        return services.consent_record(
            office=office,
            membership=member,
            client=client,
            partnership=partnership,
            obtained_on=obtained_on or timezone.localdate(),
            obtained_by=member,
            method="written",
            scopes=list(scopes),
            document=document,
        )
