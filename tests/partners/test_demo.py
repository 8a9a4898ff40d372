"""The demo partnerships and consents load, and loading twice changes nothing."""

from portal.offices import demo as office_demo
from portal.offices.tenancy import office_scope, scopes_disabled
from portal.partners import demo
from portal.partners.models import Consent, Partnership
from portal.partners.services import assert_can_share
from tests.partners.conftest import make_client


def test_demo_partnerships_and_consents(db):
    with scopes_disabled():
        offices = {office.office_number: office for office, _ in office_demo.load()}
    sakura, naniwa = offices["1310000001"], offices["2710000002"]
    clients = [make_client(sakura, given_name="一"), make_client(sakura, given_name="二")]
    make_client(naniwa, family_name="大阪")
    with scopes_disabled():
        demo.load_app_demo(offices)
        demo.load_app_demo(offices)  # again: nothing doubles
        pairs = sorted(
            (p.office.office_number, p.partner_office_number, tuple(p.service_type_codes))
            for p in Partnership.objects.select_related("office")
        )
        assert Consent.objects.filter(office=sakura).count() == 2 * 3
        assert Consent.objects.filter(office=naniwa).count() == 1
    assert pairs == sorted(
        [
            ("1310000001", "1370000011", ("11",)),
            ("1370000011", "1310000001", ("11",)),
            ("1310000001", "1370000012", ("15", "78")),
            ("1370000012", "1310000001", ("15", "78")),
            ("1310000001", "2770000013", ("13", "17")),
            ("2770000013", "1310000001", ("13", "17")),
            ("2710000002", "2770000013", ("13", "17")),
            ("2770000013", "2710000002", ("13", "17")),
        ]
    )
    with office_scope(sakura):
        for number in ("1370000011", "1370000012", "2770000013"):
            assert assert_can_share(office=sakura, client=clients[0], recipient_office_number=number, scope="actual")
