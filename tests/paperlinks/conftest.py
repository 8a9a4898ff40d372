"""A care office with two 利用者 in 2026-11; one consented to sharing with a partner on no system
(訪問介護, 1370000011), the other did not. The same schedules carry lines of a second provider."""

from __future__ import annotations

import re

import pytest

from portal.offices.tenancy import office_scope
from portal.paperlinks import services
from tests.documents.conftest import DAY_CARE, HOME_HELP, MONTH, make_client, make_schedule
from tests.factories import make_consent, make_external_partnership


@pytest.fixture
def world(office, owner):
    with office_scope(office):
        partner = make_external_partnership(office, HOME_HELP[0], HOME_HELP[1], ["11"])
        partner.contact_email = "helper@example.jp"
        partner.save()
        day_care = make_external_partnership(office, DAY_CARE[0], DAY_CARE[1], ["15"])
        consented = make_client(office, family="山田", given="太郎", insured="0000012345")
        other = make_client(office, family="川口", given="次郎", kana=("カワグチ", "ジロウ"), insured="0000067890")
        consented_schedule = make_schedule(consented)
        other_schedule = make_schedule(other)
        consent = make_consent(office, consented, partner)
        make_consent(office, other, day_care)
    return {
        "partner": partner,
        "day_care": day_care,
        "consented": consented,
        "other": other,
        "consent": consent,
        "schedule": consented_schedule,
        "other_schedule": other_schedule,
    }


def new_link(office, owner, partnership, month=MONTH):
    with office_scope(office):
        return services.paper_link_create(office=office, membership=owner, partnership=partnership, month=month)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
