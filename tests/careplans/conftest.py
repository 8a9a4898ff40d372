"""Fixtures for 居宅サービス計画書 tests: a client with a certification, plans filled to be confirmable."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.careplans import services
from portal.clients.models import Certification, Client, ClientService
from portal.offices.tenancy import office_scope

CERT_FROM = dt.date(2026, 4, 1)
CERT_TO = dt.date(2027, 3, 31)
PLAN_DATE = dt.date(2026, 4, 5)

_numbers = iter(range(1, 10**6))


def make_client(
    office,
    *,
    care_manager=None,
    family_name="山田",
    given_name="花子",
    services_=True,
    valid_from=CERT_FROM,
    valid_to=CERT_TO,
) -> Client:
    """A client registered with a certification 要介護2 (by default 2026-04-01〜2027-03-31)."""
    with office_scope(office):
        client = Client.objects.create(
            office=office,
            family_name=family_name,
            given_name=given_name,
            family_name_kana="ヤマダ",
            given_name_kana="ハナコ",
            sex="2",
            birth_date=dt.date(1940, 2, 3),
            postal_code="160-0023",
            address="東京都新宿区西新宿1-1-1",
            phone="03-1234-5678",
            insurer_number="131045",
            insured_number=f"{next(_numbers):010d}",
            care_manager=care_manager,
            copay_ratio=1,
        )
        Certification.objects.create(
            client=client,
            status="2",
            care_level="22",
            valid_from=valid_from,
            valid_to=valid_to,
            certified_on=valid_from - dt.timedelta(days=12),
        )
        if services_:
            ClientService.objects.create(
                client=client,
                provider_office_number="1370000011",
                provider_name="ひまわり訪問介護ステーション",
                service_type_code="11",
            )
        return Client.objects.prefetch_related("certifications").get(pk=client.pk)


@pytest.fixture
def client_record(office, member):
    return make_client(office, care_manager=member)


@pytest.fixture
def plan(client_record, member):
    with office_scope(client_record.office_id):
        return services.plan_create(client=client_record, plan_date=PLAN_DATE, by=member)


def fill_plan(plan, by):
    """Fill 第1表〜第3表 so that the plan can be confirmed. Returns the plan (fresh lock_version)."""
    s = services
    with office_scope(plan.client.office_id):
        plan.refresh_from_db()
        s.plan_update_table1(
            plan=plan,
            lock_version=plan.lock_version,
            by=by,
            first_plan_date=plan.plan_date,
            plan_category="11",
            certification_status="2",
            care_level="22",
            certified_on=dt.date(2026, 3, 20),
            cert_valid_from=CERT_FROM,
            cert_valid_to=CERT_TO,
            user_intentions="本人: 自宅で暮らし続けたい。家族: 入浴を手伝ってほしい。",
            committee_opinion="特になし",
            support_policy="在宅生活の継続を支援します。",
            living_support_reason="",
            living_support_other="",
        )
        need = s.need_add(plan=plan, lock_version=plan.lock_version, by=by, text="一人で入浴できない")
        goal = need.goals.get()
        s.goal_update(
            goal=goal,
            lock_version=plan.lock_version,
            by=by,
            long_term_goal="清潔に暮らせる",
            long_from=CERT_FROM,
            long_to=CERT_TO,
        )
        short = goal.short_goals.get()
        s.short_goal_update(
            short_goal=short,
            lock_version=plan.lock_version,
            by=by,
            text="週2回入浴できる",
            short_from=CERT_FROM,
            short_to=dt.date(2026, 9, 30),
        )
        item = s.item_add(short_goal=short, lock_version=plan.lock_version, by=by)
        s.item_update(
            item=item,
            lock_version=plan.lock_version,
            by=by,
            content="入浴介助",
            insurance_covered=True,
            service_type_code="11",
            service_kind="",
            provider_name="ひまわり訪問介護ステーション",
            provider_office_number="1370000011",
            frequency="週2回",
            period_from=CERT_FROM,
            period_to=dt.date(2026, 9, 30),
        )
        s.weekly_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=by,
            weekdays=[1, 4],
            values=s.WeeklyValues(dt.time(10), dt.time(11), "訪問介護（身体介護）", "11", "1121", "1370000011"),
        )
        s.daily_activity_add(
            plan=plan, lock_version=plan.lock_version, by=by, start_time=dt.time(6, 30), end_time=None, content="起床"
        )
        s.plan_update_non_weekly(
            plan=plan, lock_version=plan.lock_version, by=by, text="福祉用具貸与（車いす）\n通院（月1回）"
        )
        plan.refresh_from_db()
        return plan


@pytest.fixture
def filled_plan(plan, member):
    return fill_plan(plan, member)


@pytest.fixture
def confirmed_plan(filled_plan, member):
    with office_scope(filled_plan.client.office_id):
        return services.plan_confirm(plan=filled_plan, lock_version=filled_plan.lock_version, by=member)
