"""Bad input gets a clear Japanese message saying what and where; nothing is written or lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.careplans import services
from portal.careplans.forms import DailyForm, Table1Form, WeeklyAddForm
from portal.careplans.models import WeeklyActivity
from portal.offices.tenancy import office_scope

pytestmark = pytest.mark.django_db


def _goal(plan, by):
    need = services.need_add(plan=plan, lock_version=plan.lock_version, by=by, text="課題")
    return need.goals.get()


def test_goal_period_outside_the_certification(plan, member):
    with office_scope(plan.client.office_id):
        goal = _goal(plan, member)
        with pytest.raises(ValidationError) as exc:
            services.goal_update(
                goal=goal,
                lock_version=plan.lock_version,
                by=member,
                long_term_goal="目標",
                long_from=dt.date(2026, 3, 1),
                long_to=dt.date(2027, 3, 31),
            )
        goal.refresh_from_db()
    assert exc.value.message_dict["long_from"] == [
        "長期目標の期間（開始）の令和8年3月1日が認定の有効期間（令和8年4月1日〜令和9年3月31日）の外です。"
        "認定の有効期間内の日付を入力してください。"
    ]
    assert goal.long_term_goal == "" and goal.long_from is None


def test_period_end_before_start(plan, member):
    with office_scope(plan.client.office_id):
        goal = _goal(plan, member)
        with pytest.raises(ValidationError) as exc:
            services.goal_update(
                goal=goal,
                lock_version=plan.lock_version,
                by=member,
                long_term_goal="目標",
                long_from=dt.date(2026, 9, 1),
                long_to=dt.date(2026, 5, 1),
            )
    assert "終了日（令和8年5月1日）が開始日（令和8年9月1日）より前" in exc.value.message_dict["long_to"][0]


def test_short_goal_outside_its_long_goal(plan, member):
    with office_scope(plan.client.office_id):
        goal = _goal(plan, member)
        services.goal_update(
            goal=goal,
            lock_version=plan.lock_version,
            by=member,
            long_term_goal="目標",
            long_from=dt.date(2026, 4, 1),
            long_to=dt.date(2026, 9, 30),
        )
        with pytest.raises(ValidationError) as exc:
            services.short_goal_update(
                short_goal=goal.short_goals.get(),
                lock_version=plan.lock_version,
                by=member,
                text="短期",
                short_from=dt.date(2026, 4, 1),
                short_to=dt.date(2026, 12, 31),
            )
    assert "短期目標の期間（終了）の令和8年12月31日が長期目標の期間" in exc.value.message_dict["short_to"][0]


def test_item_with_a_bad_office_number_or_period(plan, member):
    with office_scope(plan.client.office_id):
        short = _goal(plan, member).short_goals.get()
        item = services.item_add(short_goal=short, lock_version=plan.lock_version, by=member)
        with pytest.raises(ValidationError) as exc:
            services.item_update(
                item=item,
                lock_version=plan.lock_version,
                by=member,
                content="入浴介助",
                insurance_covered=True,
                service_type_code="11",
                service_kind="",
                provider_name="A",
                provider_office_number="137000001",
                frequency="",
                period_from=dt.date(2027, 4, 1),
                period_to=None,
            )
    errors = exc.value.message_dict
    assert "事業所番号は半角数字10桁" in errors["provider_office_number"][0]
    assert "認定の有効期間" in errors["period_from"][0]


def test_plan_table1_bad_dates():
    form_errors = services.table1_errors
    from portal.careplans.models import CarePlan

    plan = CarePlan(plan_date=dt.date(2026, 4, 5))
    errors = form_errors(
        plan,
        {
            "first_plan_date": dt.date(2026, 5, 1),
            "cert_valid_from": dt.date(2026, 4, 1),
            "cert_valid_to": dt.date(2026, 3, 1),
            "living_support_reason": "3",
            "living_support_other": "",
        },
    )
    assert (
        "初回居宅サービス計画作成日（令和8年5月1日）が、この計画の作成（変更）日（令和8年4月5日）より後"
        in errors["first_plan_date"]
    )
    assert "認定の有効期間の終了日" in errors["cert_valid_to"]
    assert "その理由を入力してください" in errors["living_support_other"]


@pytest.mark.parametrize("typed", ["25:00", "24:00", "9:75", "abc", "12"])
def test_impossible_times_are_refused_with_what_was_typed(typed):
    form = WeeklyAddForm({"weekdays": ["1"], "start_time": typed, "end_time": "23:00", "content": "訪問介護"})
    assert not form.is_valid()
    assert form.errors["start_time"] == [
        f"開始時刻「{typed}」は時刻として正しくありません。0:00〜23:59 の範囲で 時:分（例: 09:30）と入力してください。"
    ]


@pytest.mark.parametrize(
    "typed,expected",
    [("9:30", dt.time(9, 30)), ("0930", dt.time(9, 30)), ("０９：３０", dt.time(9, 30)), ("23:59", dt.time(23, 59))],
)
def test_usual_ways_of_typing_a_time(typed, expected):
    form = DailyForm({"start_time": typed, "content": "起床"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_time"] == expected


def test_weekly_add_errors(plan, member):
    s = services
    with office_scope(plan.client.office_id):
        with pytest.raises(ValidationError) as exc:
            s.weekly_activity_add(
                plan=plan,
                lock_version=plan.lock_version,
                by=member,
                weekdays=[],
                values=s.WeeklyValues(dt.time(11), dt.time(10), " ", "99", "12", "12345"),
            )
        assert not WeeklyActivity.objects.filter(plan=plan).exists()
    errors = exc.value.message_dict
    assert errors["weekdays"] == ["曜日を1つ以上選んでください。"]
    assert "終了時刻（10:00）が開始時刻（11:00）と同じか前" in errors["end_time"][0]
    assert "サービス種類コード「99」は登録されていない種類" in errors["service_type_code"][0]
    assert "サービス項目コードは半角英数字4桁" in errors["service_item_code"][0]
    assert "事業所番号は半角数字10桁" in errors["provider_office_number"][0]
    assert "介護サービス内容を入力してください" in errors["content"][0]


def test_item_code_needs_a_kind(plan, member):
    s = services
    with office_scope(plan.client.office_id), pytest.raises(ValidationError) as exc:
        s.weekly_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            weekdays=[2],
            values=s.WeeklyValues(dt.time(9), dt.time(10), "訪問介護", "", "1111", ""),
        )
    assert "サービス種類も選んでください" in exc.value.message_dict["service_type_code"][0]


def test_daily_activity_end_before_start(plan, member):
    with office_scope(plan.client.office_id), pytest.raises(ValidationError) as exc:
        services.daily_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            start_time=dt.time(12),
            end_time=dt.time(11),
            content="昼食",
        )
    assert "終了時刻を空欄に" in exc.value.message_dict["end_time"][0]


@pytest.mark.parametrize(
    "typed,message",
    [
        ("2026-02-30", "初回居宅サービス計画作成日: 「2026-02-30」の2月30日は存在しない日付です（2月は28日まで）。"),
        (
            "平成32年4月1日",
            "初回居宅サービス計画作成日: 「平成32年4月1日」の平成32年は存在しません（平成は平成31年4月30日まで）。",
        ),
        ("R8.2.30", "初回居宅サービス計画作成日: 「R8.2.30」の2月30日は存在しない日付です（2月は28日まで）。"),
    ],
)
def test_impossible_dates_are_refused_with_what_was_typed(office, typed, message):
    form = Table1Form({"first_plan_date": typed, "lock_version": "1"}, office=office)
    assert not form.is_valid()
    assert form.errors["first_plan_date"] == [message]
