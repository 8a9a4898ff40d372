"""assert_can_share, the single enforcement point: its truth table, the bulk form and partnership_for."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import ConsentScope, Partnership
from portal.partners.services import SharingNotAllowed, assert_can_share, partnership_for, sharing_refusals
from tests.factories import OfficeFactory
from tests.partners.conftest import make_client, record_consent

TODAY = dt.date(2026, 11, 25)
PARTNER = "1370000011"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def partnership(office, **kw):
    with office_scope(office):
        defaults = dict(
            office=office,
            partner_office_number=PARTNER,
            partner_name="ひまわり訪問介護",
            is_external=True,
            service_type_codes=["11", "13"],
            started_on=dt.date(2026, 4, 1),
        )
        defaults.update(kw)
        return Partnership.objects.create(**defaults)


def consent(office, owner, client, p, *, obtained_on=dt.date(2026, 5, 1), scopes=ConsentScope.values, revoked_on=None):
    c = record_consent(office, owner, client, p, obtained_on=obtained_on, scopes=scopes)
    if revoked_on:
        with office_scope(office):
            services.consent_revoke(consent=c, membership=owner, revoked_on=revoked_on, reason="本人の申し出")
    return c


def check(office, client, *, scope=ConsentScope.SCHEDULE, on=None, kind=None, number=PARTNER):
    with office_scope(office):
        return assert_can_share(
            office=office, client=client, recipient_office_number=number, scope=scope, on=on, service_type_code=kind
        )


def refused(office, client, **kw) -> SharingNotAllowed:
    with pytest.raises(SharingNotAllowed) as info:
        check(office, client, **kw)
    return info.value


def test_allowed_with_an_active_partnership_and_consent(office, owner):
    client = make_client(office)
    p = partnership(office)
    consent(office, owner, client, p)
    assert check(office, client) == p
    assert check(office, client, kind="13", scope=ConsentScope.ACTUAL) == p


def test_no_partnership(office, owner):
    error = refused(office, make_client(office))
    assert error.reason == "not_partner"
    assert "山田\u3000太郎さんのサービス利用票・提供票を事業所番号 1370000011に共有できません" in str(error)
    assert "連携先に登録されていません" in str(error)


def test_partnership_ended(office, owner):
    client = make_client(office)
    p = partnership(office)
    consent(office, owner, client, p)
    with office_scope(office):
        services.partnership_end(partnership=p, membership=owner, reason="契約終了")
    error = refused(office, client)
    assert error.reason == "partnership_ended"
    assert "ひまわり訪問介護（1370000011）" in str(error) and "令和8年11月25日に終了しています" in str(error)


def test_partnership_does_not_cover_the_service_kind(office, owner):
    client = make_client(office)
    consent(office, owner, client, partnership(office))
    error = refused(office, client, kind="15")
    assert error.reason == "service_kind"
    assert "対象サービス種類は11 訪問介護、13 訪問看護で、15 通所介護は含まれていません" in str(error)


def test_no_consent(office, owner):
    client = make_client(office)
    partnership(office)
    error = refused(office, client)
    assert error.reason == "no_consent" and "同意が記録されていません" in str(error)
    assert error.client_id == client.pk and error.partner_office_number == PARTNER


def test_consent_revoked(office, owner):
    client = make_client(office)
    consent(office, owner, client, partnership(office), revoked_on=dt.date(2026, 11, 20))
    error = refused(office, client)
    assert error.reason == "consent_revoked" and "令和8年11月20日に撤回されています" in str(error)
    # Before the revocation date the same consent allowed it.
    check(office, client, on=dt.date(2026, 11, 19))


def test_consent_not_covering_the_scope(office, owner):
    client = make_client(office)
    consent(office, owner, client, partnership(office), scopes=[ConsentScope.PLAN])
    error = refused(office, client, scope=ConsentScope.ACTUAL)
    assert error.reason == "consent_scope"
    assert "同意の範囲（居宅サービス計画書）にサービス提供実績が含まれていません" in str(error)
    check(office, client, scope=ConsentScope.PLAN)


def test_before_the_consent_date(office, owner):
    client = make_client(office)
    consent(office, owner, client, partnership(office), obtained_on=dt.date(2026, 11, 1))
    error = refused(office, client, on=dt.date(2026, 10, 31))
    assert error.reason == "consent_not_yet" and "令和8年11月1日" in str(error)


def test_consent_for_another_partner_does_not_count(office, owner):
    client = make_client(office)
    other = partnership(office, partner_office_number="1370000012", partner_name="あおぞら")
    consent(office, owner, client, other)
    partnership(office)
    assert refused(office, client).reason == "no_consent"


def test_client_of_another_office_is_refused(office, owner, outsider_office):
    partnership(office)
    stranger = make_client(outsider_office)
    assert refused(office, stranger).reason == "other_office"


def test_a_new_consent_after_a_revoked_one_allows_again(office, owner):
    client = make_client(office)
    p = partnership(office)
    consent(office, owner, client, p, revoked_on=dt.date(2026, 6, 1))
    consent(office, owner, client, p, obtained_on=dt.date(2026, 7, 1), scopes=[ConsentScope.SCHEDULE])
    check(office, client)
    assert refused(office, client, on=dt.date(2026, 6, 15)).reason == "consent_revoked"


def test_unknown_scope_is_a_programming_error(office, owner):
    with pytest.raises(ValueError):
        check(office, make_client(office), scope="everything")


def test_refusals_in_bulk_agree_with_the_single_check(office, owner, django_assert_max_num_queries):
    p = partnership(office)
    clients = [make_client(office, given_name=f"太郎{i}") for i in range(6)]
    consent(office, owner, clients[0], p)
    consent(office, owner, clients[1], p, revoked_on=dt.date(2026, 11, 1))
    consent(office, owner, clients[2], p, scopes=[ConsentScope.PLAN])
    consent(office, owner, clients[3], p, obtained_on=TODAY)
    with office_scope(office), django_assert_max_num_queries(2):
        refusals = sharing_refusals(
            office=office, clients=clients, recipient_office_number=PARTNER, scope=ConsentScope.SCHEDULE
        )
    assert set(refusals) == {clients[1].pk, clients[2].pk, clients[4].pk, clients[5].pk}
    for client in clients:
        if client.pk in refusals:
            assert str(refused(office, client)) == str(refusals[client.pk])
        else:
            check(office, client)


def test_partnership_for_the_receiving_side(partnership_pair, office, provider_office, owner):
    own, theirs = partnership_pair
    assert partnership_for(office=provider_office, sender_office_number=office.office_number) == theirs
    assert partnership_for(office=provider_office, sender_office_number="2710000002") is None
    with office_scope(office):
        services.partnership_end(partnership=own, membership=owner)
    assert partnership_for(office=provider_office, sender_office_number=office.office_number) is None
    assert partnership_for(office=office, sender_office_number=provider_office.office_number) is None


def test_ending_from_the_other_side_stops_sending(partnership_pair, office, owner, provider_office, provider_admin):
    own, theirs = partnership_pair
    client = make_client(office)
    consent(office, owner, client, own)
    check(office, client, kind="11")
    with office_scope(provider_office):
        services.partnership_end(partnership=theirs, membership=provider_admin, reason="事業所の廃止")
    assert refused(office, client, kind="11").reason == "partnership_ended"


def test_client_sharing_tag_shows_each_partner(office, owner, owner_client):
    from django.template import Context, Template
    from django.test import RequestFactory

    client = make_client(office)
    allowed = partnership(office)
    revoked = partnership(office, partner_office_number="1370000012", partner_name="あおぞらデイサービス")
    partnership(office, partner_office_number="2770000013", partner_name="みどり訪問看護")
    consent(office, owner, client, allowed, scopes=[ConsentScope.PLAN, ConsentScope.SCHEDULE])
    consent(office, owner, client, revoked, revoked_on=dt.date(2026, 11, 24))
    request = RequestFactory().get("/")
    with office_scope(office):
        html = Template("{% load partners %}{% client_sharing client %}").render(
            Context({"client": client, "request": request})
        )
    rows = html.split('data-testid="sharing-row"')[1:]
    assert len(rows) == 3
    by_partner = {r.split('data-partner="')[1][:10]: r for r in rows}
    assert "共有可" in by_partner[PARTNER] and "居宅サービス計画書、サービス利用票・提供票" in by_partner[PARTNER]
    assert "共有不可" in by_partner["1370000012"] and "同意撤回（令和8年11月24日）" in by_partner["1370000012"]
    assert "共有不可" in by_partner["2770000013"] and "同意が記録されていません" in by_partner["2770000013"]


def test_consent_list_for_a_client_shows_the_sharing_status(office, owner, owner_client):
    client = make_client(office)
    p = partnership(office)
    consent(office, owner, client, p, revoked_on=dt.date(2026, 11, 2))
    page = owner_client.get(reverse("partners:consents"), {"client": client.pk}).content.decode()
    assert "共有の可否" in page and "共有不可" in page and "同意撤回" in page


def test_queries_stay_flat_on_the_consent_and_partner_pages(office, owner, owner_client, django_assert_max_num_queries):
    p = partnership(office)
    for i in range(3):
        consent(office, owner, make_client(office, given_name=f"一{i}"), p)

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        result = []
        for url in (reverse("partners:consents"), reverse("partners:list"), reverse("partners:detail", args=[p.pk])):
            with CaptureQueriesContext(connection) as ctx:
                assert owner_client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    few = counts()
    for i in range(12):
        consent(office, owner, make_client(office, given_name=f"二{i}"), p)
    assert counts() == few
    other = OfficeFactory()
    assert other.pk  # unrelated offices do not change the counts either
    assert counts() == few
