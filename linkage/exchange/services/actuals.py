"""実績 entry by the provider: copy from the plan, save, add a line."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from linkage.standard import LINKED_SERVICE_KINDS

# --------------------------------------------------------------------------- 実績 entry (provider)


def _own_lines(schedule, office):
    return [line for line in schedule.lines.all() if line.provider_office_number == office.office_number]


@transaction.atomic
def actuals_copy_from_plan(*, schedule, office) -> int:
    """Start 実績 from the received 予定: every own line's actual days = its planned days."""
    count = 0
    for line in _own_lines(schedule, office):
        line.actual_days = list(line.planned_days)
        line.save(update_fields=["actual_days"])
        count += 1
    _touch(schedule, office)
    return count


def _touch(schedule, office, membership=None) -> None:
    from portal.schedules.models import ServiceSchedule

    ServiceSchedule.objects.filter(pk=schedule.pk).update(
        version=F("version") + 1,
        updated_by=membership,
        updated_by_name=(membership.name if membership else office.name)[:60],
    )


@transaction.atomic
def actuals_save(*, schedule, office, membership, values: dict[int, dict]) -> None:
    """Save the 実績 of own lines: ``values`` = {line id: {"days": [31 ints], "start": HHMM, "end": HHMM}}."""
    from django.core.exceptions import ValidationError

    from portal.schedules.annex import rate_addon_days

    errors = []
    lines = {line.pk: line for line in _own_lines(schedule, office)}
    rate_lines = []
    for pk, v in values.items():
        line = lines.get(pk)
        if line is None:
            continue
        if v.get("rate"):  # 率 加算: no days of its own (see rate_addon_days), no time
            rate_lines.append(line)
            continue
        days = v["days"]
        for day, n in enumerate(days, start=1):
            if day > schedule.days_in_month and n:
                errors.append(f"{line.service_code} {day}日: この月は{schedule.days_in_month}日までです。")
        for label, t in (("開始時刻", v["start"]), ("終了時刻", v["end"])):
            if not _valid_time(t):
                errors.append(
                    f"{line.service_code} の{label}「{t}」は HHMM（例: 0930）か 9999（時間表示なし）で入力してください。"
                )
        line.actual_days = days
        line.start_time, line.end_time = v["start"], v["end"]
    if errors:
        raise ValidationError(errors)
    for line in rate_lines:
        group = [
            other.actual_days
            for other in lines.values()
            if other not in rate_lines and other.service_type_code == line.service_type_code
        ]
        line.actual_days = rate_addon_days(group, schedule.days_in_month)
    for line in lines.values():
        line.save(update_fields=["actual_days", "start_time", "end_time"])
    _touch(schedule, office, membership)


def _valid_time(value: str) -> bool:
    if value == "9999":
        return True
    return len(value) == 4 and value.isdigit() and int(value[:2]) <= 24 and int(value[2:]) < 60


@transaction.atomic
def actual_line_add(*, schedule, office, membership, service_code: str, start: str, end: str, day: int):
    """An unplanned visit: a new own line with 実績 only."""
    from django.core.exceptions import ValidationError

    from portal.schedules.models import ServiceScheduleLine

    code = service_code.strip().upper()
    errors = {}
    if len(code) != 6 or code[:2] not in LINKED_SERVICE_KINDS:
        errors["service_code"] = "サービスコードは6桁（種類2桁＋項目4桁）で、連携対象のサービス種類を入力してください。"
    elif code[:2] not in {k.service_type_code for k in office.service_kinds.all()}:
        errors["service_code"] = f"サービス種類 {code[:2]} はこの事業所の提供サービスにありません。"
    if not _valid_time(start) or not _valid_time(end):
        errors["start"] = "時刻は HHMM（例: 0930）か 9999（時間表示なし）で入力してください。"
    if not 1 <= day <= schedule.days_in_month:
        errors["day"] = f"日は1〜{schedule.days_in_month}で入力してください。"
    if errors:
        raise ValidationError(errors)
    actual = [0] * 31
    actual[day - 1] = 1
    line = ServiceScheduleLine.objects.create(
        schedule=schedule,
        sort_order=999,
        provider_office_number=office.office_number,
        provider_name=office.name[:100],
        service_type_code=code[:2],
        service_item_code=code[2:],
        start_time=start,
        end_time=end,
        planned_days=[0] * 31,
        actual_days=actual,
    )
    _touch(schedule, office, membership)
    return line
