from __future__ import annotations

import datetime as dt

import pytest

from portal.clients.models import Certification, Client
from portal.masters import loader as masters
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

OCT = dt.date(2026, 10, 1)
HOME_HELP = ("1370000011", "訪問介護さくら")
DAY_CARE = ("1370000022", "デイサービスひまわり")


@pytest.fixture(autouse=True)
def bundled_masters(db):
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def days(*numbers: int) -> list[int]:
    return [1 if d in numbers else 0 for d in range(1, 32)]


def make_client(
    office,
    *,
    care_manager=None,
    insured="0000012345",
    family="山田",
    kana="ヤマダ",
    certs=(("22", dt.date(2026, 4, 1), dt.date(2028, 3, 31)),),
) -> Client:
    client = Client.objects.create(
        office=office,
        family_name=family,
        given_name="花子",
        family_name_kana=kana,
        given_name_kana="ハナコ",
        sex="2",
        birth_date=dt.date(1940, 4, 1),
        insurer_number="131011",
        insured_number=insured,
        care_manager=care_manager,
    )
    for level, start, end in certs:
        Certification.objects.create(client=client, care_level=level, valid_from=start, valid_to=end)
    return client


def make_month(client, *, home_actual=None, day_actual=None, month=OCT) -> ServiceSchedule:
    """訪問介護 身体介護２ (387) on 12 days and 通所介護 (673, 要介護2) on 8 days, planned; 実績 as given."""
    schedule = ServiceSchedule.objects.create(client=client, month=month, created_on=month - dt.timedelta(days=5))
    home_plan = days(1, 3, 6, 8, 10, 13, 15, 17, 20, 22, 24, 27)
    day_plan = days(2, 7, 9, 14, 16, 21, 23, 28)
    for i, ((number, name), kind, item, plan, actual) in enumerate(
        [
            (HOME_HELP, "11", "1211", home_plan, home_plan if home_actual is None else home_actual),
            (DAY_CARE, "15", "1321", day_plan, [0] * 31 if day_actual is None else day_actual),
        ]
    ):
        ServiceScheduleLine.objects.create(
            schedule=schedule,
            sort_order=i,
            provider_office_number=number,
            provider_name=name,
            service_type_code=kind,
            service_item_code=item,
            start_time="0900",
            end_time="1000",
            planned_days=plan,
            actual_days=actual,
        )
    return schedule


def received(office, client, provider=HOME_HELP[0], kind="11", month=OCT):
    from linkage.exchange.models import ActualSource

    ActualSource.objects.create(
        office=office,
        client=client,
        month=month,
        provider_office_number=provider,
        service_type_code=kind,
        sequence="20261102090000",
    )


@pytest.fixture
def care_manager(office, owner):
    from portal.claims.models import CareManagerNumber

    with office_scope(office):
        CareManagerNumber.objects.create(office=office, membership=owner, number="13000123")
    return owner
