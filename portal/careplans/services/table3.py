"""第3表: weekly and daily activities and the services outside the week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.careplans.models import CarePlan, DailyActivity, WeeklyActivity
from portal.core.codes import SERVICE_KINDS
from portal.core.validators import validate_office_number

from .common import _claim, _raise

# --------------------------------------------------------------------------- 第3表


def weekly_errors(
    *, start_time, end_time, service_type_code: str, service_item_code: str, provider_office_number: str
) -> dict:
    errors: dict[str, str] = {}
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = (
            f"終了時刻（{end_time:%H:%M}）が開始時刻（{start_time:%H:%M}）と同じか前です。"
            "日をまたぐサービスは、0:00 の前後で2つに分けて入力してください。"
        )
    if service_type_code and service_type_code not in SERVICE_KINDS:
        errors["service_type_code"] = (
            f"サービス種類コード「{service_type_code}」は登録されていない種類です。一覧から選んでください。"
        )
    if service_item_code:
        if len(service_item_code) != 4 or not service_item_code.isascii() or not service_item_code.isalnum():
            errors["service_item_code"] = (
                f"サービス項目コードは半角英数字4桁です（サービスコード6桁の後ろ4桁、例: 1111）。入力値: {service_item_code}"
            )
        elif not service_type_code:
            errors["service_type_code"] = "サービス項目コードを入れたときは、サービス種類も選んでください。"
    if provider_office_number:
        try:
            validate_office_number(provider_office_number)
        except ValidationError as e:
            errors["provider_office_number"] = e.messages[0]
    return errors


@dataclass(frozen=True)
class WeeklyValues:
    start_time: dt.time
    end_time: dt.time
    content: str
    service_type_code: str = ""
    service_item_code: str = ""
    provider_office_number: str = ""

    def errors(self) -> dict:
        return weekly_errors(
            start_time=self.start_time,
            end_time=self.end_time,
            service_type_code=self.service_type_code,
            service_item_code=self.service_item_code,
            provider_office_number=self.provider_office_number,
        )


@transaction.atomic
def weekly_activity_add(
    *, plan: CarePlan, lock_version, by, weekdays: list[int], values: WeeklyValues
) -> list[WeeklyActivity]:
    """Add one service on each of ``weekdays`` (e.g. 訪問介護 月・水・金 10:00–11:00)."""
    errors = values.errors()
    days = sorted({int(d) for d in weekdays})
    if not days:
        errors["weekdays"] = "曜日を1つ以上選んでください。"
    elif not all(1 <= d <= 7 for d in days):
        errors["weekdays"] = "曜日は月〜日から選んでください。"
    if not values.content.strip():
        errors["content"] = "介護サービス内容を入力してください（例: 訪問介護（身体介護））。"
    _raise(errors)
    _claim(plan, lock_version, by)
    return WeeklyActivity.objects.bulk_create(
        [
            WeeklyActivity(
                plan=plan,
                weekday=d,
                start_time=values.start_time,
                end_time=values.end_time,
                content=values.content.strip(),
                service_type_code=values.service_type_code,
                service_item_code=values.service_item_code.upper(),
                provider_office_number=values.provider_office_number,
            )
            for d in days
        ]
    )


@transaction.atomic
def weekly_activity_update(
    *, activity: WeeklyActivity, lock_version, by, weekday: int, values: WeeklyValues
) -> WeeklyActivity:
    errors = values.errors()
    if not 1 <= int(weekday) <= 7:
        errors["weekday"] = "曜日は月〜日から選んでください。"
    if not values.content.strip():
        errors["content"] = "介護サービス内容を入力してください。"
    _raise(errors)
    _claim(activity.plan, lock_version, by)
    activity.weekday = int(weekday)
    activity.start_time, activity.end_time = values.start_time, values.end_time
    activity.content = values.content.strip()
    activity.service_type_code = values.service_type_code
    activity.service_item_code = values.service_item_code.upper()
    activity.provider_office_number = values.provider_office_number
    activity.save()
    return activity


@transaction.atomic
def weekly_activity_delete(*, activity: WeeklyActivity, lock_version, by) -> None:
    _claim(activity.plan, lock_version, by)
    activity.delete()


def daily_errors(*, start_time, end_time, content: str) -> dict:
    errors = {}
    if start_time and end_time and end_time < start_time:
        errors["end_time"] = (
            f"終了時刻（{end_time:%H:%M}）が開始時刻（{start_time:%H:%M}）より前です。"
            "起床・就寝など時刻だけの活動は終了時刻を空欄にしてください。"
        )
    if not content.strip():
        errors["content"] = "主な日常生活上の活動を入力してください（例: 起床、昼食、入浴、就寝）。"
    return errors


@transaction.atomic
def daily_activity_add(*, plan: CarePlan, lock_version, by, start_time, end_time, content: str) -> DailyActivity:
    _raise(daily_errors(start_time=start_time, end_time=end_time, content=content))
    _claim(plan, lock_version, by)
    return DailyActivity.objects.create(plan=plan, start_time=start_time, end_time=end_time, content=content.strip())


@transaction.atomic
def daily_activity_update(
    *, activity: DailyActivity, lock_version, by, start_time, end_time, content: str
) -> DailyActivity:
    _raise(daily_errors(start_time=start_time, end_time=end_time, content=content))
    _claim(activity.plan, lock_version, by)
    activity.start_time, activity.end_time, activity.content = start_time, end_time, content.strip()
    activity.save()
    return activity


@transaction.atomic
def daily_activity_delete(*, activity: DailyActivity, lock_version, by) -> None:
    _claim(activity.plan, lock_version, by)
    activity.delete()


@transaction.atomic
def plan_update_non_weekly(*, plan: CarePlan, lock_version, by, text: str) -> CarePlan:
    """週単位以外のサービス (one per line, e.g. 通院（月1回）, 福祉用具貸与)."""
    _claim(plan, lock_version, by)
    plan.non_weekly_services = text.strip()
    CarePlan.objects.filter(pk=plan.pk).update(non_weekly_services=plan.non_weekly_services)
    return plan
