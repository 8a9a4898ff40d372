"""Data for the PDF tests: a 利用者 with a 認定, a month of services from two providers
(codes from the bundled 令和6年度 master), and a care plan with long texts."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from portal.careplans.models import (
    CarePlan,
    DailyActivity,
    Goal,
    Need,
    ServiceItem,
    ShortTermGoal,
    WeeklyActivity,
)
from portal.clients.models import Certification, Client
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

MONTH = dt.date(2026, 11, 1)
HOME_HELP = ("1370000011", "訪問介護ステーションさくら")
DAY_CARE = ("1370000022", "デイサービスひまわり")

LONG_TEXT = (
    "本人は「住み慣れた自宅で、できる限り自分のことは自分で行いながら暮らし続けたい」と話している。"
    "長女は週末に通ってくるが、平日の日中は独居となるため、転倒と服薬の飲み忘れが心配とのこと。"
) * 9 + "この文は最後まで印刷されなければならない（末尾の確認用）。"


def weekdays_of(month: dt.date, weekdays: set[int], *, until: int = 31) -> list[int]:
    """A count of 1 on each day of ``month`` falling on one of ``weekdays`` (0 = 月曜日)."""
    n = calendar.monthrange(month.year, month.month)[1]
    return [
        1 if d <= n and d <= until and dt.date(month.year, month.month, d).weekday() in weekdays else 0
        for d in range(1, 32)
    ]


def make_client(
    office,
    *,
    care_manager=None,
    family="山田",
    given="太郎",
    kana=("ヤマダ", "タロウ"),
    insured="0000012345",
    care_level="22",
    certified=True,
    copay_ratio=1,
) -> Client:
    client = Client.objects.create(
        office=office,
        family_name=family,
        given_name=given,
        family_name_kana=kana[0],
        given_name_kana=kana[1],
        sex="1",
        birth_date=dt.date(1940, 3, 2),
        address="東京都千代田区千代田1-1",
        insurer_number="131011",
        insured_number=insured,
        care_manager=care_manager,
        copay_ratio=copay_ratio,
    )
    if certified:
        Certification.objects.create(
            client=client,
            care_level=care_level,
            valid_from=dt.date(2026, 4, 1),
            valid_to=dt.date(2027, 3, 31),
            certified_on=dt.date(2026, 3, 20),
        )
    return client


def make_schedule(client, *, month: dt.date = MONTH, lines: bool = True) -> ServiceSchedule:
    schedule = ServiceSchedule.objects.create(client=client, month=month, created_on=dt.date(2026, 10, 25))
    if not lines:
        return schedule
    specs = [
        (
            HOME_HELP,
            "11",
            "1211",
            "0900",
            "1000",
            weekdays_of(month, {0, 2, 4}),
            weekdays_of(month, {0, 2, 4}, until=15),
        ),
        (HOME_HELP, "11", "7211", "1400", "1445", weekdays_of(month, {1, 3}), weekdays_of(month, {1, 3}, until=15)),
        (HOME_HELP, "11", "6275", "9999", "9999", [1] + [0] * 30, [0] * 31),
        (DAY_CARE, "15", "1321", "0930", "1530", weekdays_of(month, {1, 4}), [0] * 31),
        (DAY_CARE, "15", "5301", "9999", "9999", weekdays_of(month, {1, 4}), [0] * 31),
    ]
    for i, ((number, name), kind, item, start, end, planned, actual) in enumerate(specs):
        ServiceScheduleLine.objects.create(
            schedule=schedule,
            sort_order=i,
            provider_office_number=number,
            provider_name=name,
            service_type_code=kind,
            service_item_code=item,
            start_time=start,
            end_time=end,
            planned_days=planned,
            actual_days=actual,
        )
    return schedule


def make_plan(client, *, needs: int = 2, long_text: str = LONG_TEXT, care_level="22") -> CarePlan:
    plan = CarePlan.objects.create(
        client=client,
        plan_date=dt.date(2026, 10, 25),
        first_plan_date=dt.date(2025, 4, 1),
        plan_category="21",
        certification_status="2",
        care_level=care_level,
        certified_on=dt.date(2026, 3, 20),
        cert_valid_from=dt.date(2026, 4, 1),
        cert_valid_to=dt.date(2027, 3, 31),
        user_intentions=long_text,
        committee_opinion="特になし",
        support_policy="転倒を予防し、入浴を安全に続けられるよう支援します。\n緊急連絡先：長女 090-0000-0000",
        living_support_reason="1",
        author_name="鈴木 一郎",
        office_number=client.office.office_number,
        office_name=client.office.name,
        office_address=client.office.address,
        non_weekly_services="福祉用具貸与（車いす）、住宅改修（手すりの取付け）",
    )
    for n in range(1, needs + 1):
        need = Need.objects.create(plan=plan, position=n, text=f"課題{n}：自宅の風呂に安心して入り続けたい。")
        for g in range(1, 3):
            goal = Goal.objects.create(
                need=need,
                position=g,
                long_term_goal=f"長期目標{n}-{g}：安全に入浴し清潔を保てる。",
                long_from=dt.date(2026, 11, 1),
                long_to=dt.date(2027, 3, 31),
            )
            short = ShortTermGoal.objects.create(
                goal=goal,
                position=1,
                text=f"短期目標{n}-{g}：介助を受けて週2回入浴できる。",
                short_from=dt.date(2026, 11, 1),
                short_to=dt.date(2027, 1, 31),
            )
            for i in range(1, 3):
                ServiceItem.objects.create(
                    short_goal=short,
                    position=i,
                    content=f"援助内容{n}-{g}-{i}：入浴介助（洗身・洗髪の一部介助）",
                    service_type_code="15",
                    service_kind="通所介護",
                    provider_name=DAY_CARE[1],
                    frequency="週2回（火・金）",
                    period_from=dt.date(2026, 11, 1),
                    period_to=dt.date(2027, 1, 31),
                )
    for weekday in (2, 5):
        WeeklyActivity.objects.create(
            plan=plan,
            weekday=weekday,
            start_time=dt.time(9, 30),
            end_time=dt.time(15, 30),
            content="通所介護（デイサービスひまわり）",
        )
    for weekday in (1, 3, 5):
        WeeklyActivity.objects.create(
            plan=plan,
            weekday=weekday,
            start_time=dt.time(9, 0),
            end_time=dt.time(10, 0),
            content="訪問介護（身体介護）",
        )
    for t, text in ((dt.time(6, 30), "起床"), (dt.time(12, 0), "昼食"), (dt.time(21, 0), "就寝")):
        DailyActivity.objects.create(plan=plan, start_time=t, content=text)
    return plan


@pytest.fixture
def care_client(in_office, member):
    return make_client(in_office, care_manager=member)


@pytest.fixture
def schedule(care_client):
    return make_schedule(care_client)


@pytest.fixture
def plan(care_client):
    return make_plan(care_client)
