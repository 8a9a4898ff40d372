"""A small exchange world: a care-management office, provider offices, partnerships, consent,
利用者 registered on both sides, a month's 第6表 — built with the real models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from linkage.exchange import certificates
from linkage.signing import pki
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.factories import MembershipFactory, OfficeFactory
from tests.factories import make_consent as consent
from tests.factories import make_partnership as partner

MONTH = dt.date(2026, 4, 1)


@dataclass
class Side:
    office: object
    admin: object
    clients: list = field(default_factory=list)


def add_certificate(office, ca):
    """Install a certificate; with a test hub running, publish it there as the office's worker would."""
    from django.conf import settings

    from tests.hub.process import RUNNING_URLS

    key, cert = pki.issue_office_certificate(ca, office_number=office.office_number, name=office.name)
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)
        if settings.RENKEI_HUB_URL in RUNNING_URLS:
            certificates.certificate_publish(office=office)


def client(office, n, insured=None):
    from portal.clients.models import Certification, Client

    with office_scope(office):
        c = Client.objects.create(
            office=office,
            family_name="山田",
            given_name=f"太郎{n}",
            family_name_kana="ヤマダ",
            given_name_kana="タロウ",
            sex="1",
            birth_date=dt.date(1940, 5, 1),
            insurer_number="131011",
            insured_number=insured or f"{n:010d}",
        )
        Certification.objects.create(
            client=c,
            status="2",
            care_level="22",
            valid_from=dt.date(2025, 10, 1),
            valid_to=dt.date(2027, 9, 30),
            certified_on=dt.date(2025, 9, 20),
            benefit_limit_units=19705,
        )
    return c


def schedule(office, c, lines):
    """lines: [(provider office, service code, start, end, [days])]."""
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    with office_scope(office):
        s = ServiceSchedule.objects.create(client=c, month=MONTH, created_on=MONTH - dt.timedelta(days=5))
        for i, (provider, code, start, end, days) in enumerate(lines):
            planned = [0] * 31
            for d in days:
                planned[d - 1] = 1
            ServiceScheduleLine.objects.create(
                schedule=s,
                sort_order=i,
                provider_office_number=provider.office_number,
                provider_name=provider.name,
                service_type_code=code[:2],
                service_item_code=code[2:],
                start_time=start,
                end_time=end,
                planned_days=planned,
            )
    return s


def make_world(ca, *, clients=2, providers=(("11", "1211"), ("15", "1121"))):
    """CM office + one provider office per (kind, item); every 利用者 uses every provider."""
    cm = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    cm_side = Side(cm, MembershipFactory(office=cm, role=Role.ADMIN, display_name="佐藤 花子"))
    add_certificate(cm, ca)
    provider_sides = []
    for kind, item in providers:
        office = OfficeFactory(name=f"ひまわり{kind}事業所", kinds=[kind])
        side = Side(office, MembershipFactory(office=office, role=Role.ADMIN, display_name="田中 次郎"))
        side.code = kind + item
        add_certificate(office, ca)
        side.partnership_cm, side.partnership_provider = partner(cm, office, [kind])
        provider_sides.append(side)
    for n in range(1, clients + 1):
        c = client(cm, n)
        cm_side.clients.append(c)
        lines = []
        for side in provider_sides:
            lines.append((side.office, side.code, "0900", "1000", [1, 8, 15, 22]))
            consent(cm, c, side.partnership_cm)
            pc = client(side.office, n)
            side.clients.append(pc)
            consent(side.office, pc, side.partnership_provider)
        schedule(cm, c, lines)
    return cm_side, provider_sides
