"""第2表: needs (課題), long- and short-term goals, service items — add, change, delete, move."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.careplans.models import CarePlan, Goal, Need, ServiceItem, ShortTermGoal
from portal.core.codes import SERVICE_KINDS
from portal.core.validators import validate_office_number

from .common import MAX_NUMBER, _claim, _inside, _raise, period_errors

# --------------------------------------------------------------------------- 第2表


def _renumber(model, **parent) -> None:
    for i, pk in enumerate(model.objects.filter(**parent).order_by("position", "pk").values_list("pk", flat=True), 1):
        model.objects.filter(pk=pk).exclude(position=i).update(position=i)


def _move(obj, direction: int, **parent) -> None:
    model = type(obj)
    ids = list(model.objects.filter(**parent).order_by("position", "pk").values_list("pk", flat=True))
    i = ids.index(obj.pk)
    j = i + (1 if direction > 0 else -1)
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    for n, pk in enumerate(ids, 1):
        model.objects.filter(pk=pk).exclude(position=n).update(position=n)


def _next_position(model, limit_label: str, **parent) -> int:
    count = model.objects.filter(**parent).count()
    if count >= MAX_NUMBER:
        raise ValidationError(f"{limit_label}は{MAX_NUMBER}件までです（標準仕様の番号は1〜99）。")
    return count + 1


def _item_count_in_goal(goal: Goal) -> int:
    return ServiceItem.objects.filter(short_goal__goal=goal).count()


@transaction.atomic
def need_add(*, plan: CarePlan, lock_version, by, text: str = "") -> Need:
    """Add a 課題 at the end, with one empty 長期目標 and 短期目標 ready to fill in."""
    position = _next_position(Need, "課題（ニーズ）", plan=plan)
    _claim(plan, lock_version, by)
    need = Need.objects.create(plan=plan, position=position, text=text)
    goal = Goal.objects.create(need=need, position=1)
    ShortTermGoal.objects.create(goal=goal, position=1)
    return need


@transaction.atomic
def need_update(*, need: Need, lock_version, by, text: str) -> Need:
    _claim(need.plan, lock_version, by)
    need.text = text
    need.save(update_fields=["text"])
    return need


@transaction.atomic
def need_delete(*, need: Need, lock_version, by) -> None:
    plan = need.plan
    _claim(plan, lock_version, by)
    need.delete()
    _renumber(Need, plan=plan)


@transaction.atomic
def need_move(*, need: Need, direction: int, lock_version, by) -> None:
    _claim(need.plan, lock_version, by)
    _move(need, direction, plan=need.plan)


def _goal_errors(plan: CarePlan, long_from, long_to) -> dict:
    return period_errors(plan, long_from, long_to, label="長期目標の期間", field_from="long_from", field_to="long_to")


@transaction.atomic
def goal_add(*, need: Need, lock_version, by) -> Goal:
    """Add a 長期目標 (with one empty 短期目標); its period starts as the 認定の有効期間."""
    plan = need.plan
    position = _next_position(Goal, "長期目標", need=need)
    _claim(plan, lock_version, by)
    goal = Goal.objects.create(need=need, position=position)
    ShortTermGoal.objects.create(goal=goal, position=1)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, lock_version, by, long_term_goal: str, long_from, long_to) -> Goal:
    plan = goal.need.plan
    _raise(_goal_errors(plan, long_from, long_to))
    _claim(plan, lock_version, by)
    goal.long_term_goal, goal.long_from, goal.long_to = long_term_goal, long_from, long_to
    goal.save(update_fields=["long_term_goal", "long_from", "long_to"])
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, lock_version, by) -> None:
    need = goal.need
    _claim(need.plan, lock_version, by)
    goal.delete()
    _renumber(Goal, need=need)


@transaction.atomic
def goal_move(*, goal: Goal, direction: int, lock_version, by) -> None:
    _claim(goal.need.plan, lock_version, by)
    _move(goal, direction, need=goal.need)


def short_goal_errors(plan: CarePlan, goal: Goal, short_from, short_to) -> dict:
    errors = period_errors(
        plan, short_from, short_to, label="短期目標の期間", field_from="short_from", field_to="short_to"
    )
    if not errors:
        errors = _inside(
            goal.long_from,
            goal.long_to,
            short_from,
            short_to,
            label="短期目標の期間",
            outer_label="長期目標の期間",
            field_from="short_from",
            field_to="short_to",
        )
    return errors


@transaction.atomic
def short_goal_add(*, goal: Goal, lock_version, by) -> ShortTermGoal:
    position = _next_position(ShortTermGoal, "短期目標", goal=goal)
    _claim(goal.need.plan, lock_version, by)
    return ShortTermGoal.objects.create(goal=goal, position=position)


@transaction.atomic
def short_goal_update(*, short_goal: ShortTermGoal, lock_version, by, text: str, short_from, short_to) -> ShortTermGoal:
    goal = short_goal.goal
    _raise(short_goal_errors(goal.need.plan, goal, short_from, short_to))
    _claim(goal.need.plan, lock_version, by)
    short_goal.text, short_goal.short_from, short_goal.short_to = text, short_from, short_to
    short_goal.save(update_fields=["text", "short_from", "short_to"])
    return short_goal


@transaction.atomic
def short_goal_delete(*, short_goal: ShortTermGoal, lock_version, by) -> None:
    goal = short_goal.goal
    _claim(goal.need.plan, lock_version, by)
    short_goal.delete()
    _renumber(ShortTermGoal, goal=goal)


@transaction.atomic
def short_goal_move(*, short_goal: ShortTermGoal, direction: int, lock_version, by) -> None:
    _claim(short_goal.goal.need.plan, lock_version, by)
    _move(short_goal, direction, goal=short_goal.goal)


def item_errors(plan: CarePlan, *, service_type_code: str, provider_office_number: str, period_from, period_to) -> dict:
    errors = period_errors(
        plan, period_from, period_to, label="援助内容の期間", field_from="period_from", field_to="period_to"
    )
    if service_type_code and service_type_code not in SERVICE_KINDS:
        errors["service_type_code"] = (
            f"サービス種類コード「{service_type_code}」は登録されていない種類です。一覧から選んでください。"
        )
    if provider_office_number:
        try:
            validate_office_number(provider_office_number)
        except ValidationError as e:
            errors["provider_office_number"] = e.messages[0]
    return errors


@transaction.atomic
def item_add(*, short_goal: ShortTermGoal, lock_version, by) -> ServiceItem:
    """Add an empty 援助内容 row; its period starts as the 短期目標's period."""
    goal = short_goal.goal
    if _item_count_in_goal(goal) >= MAX_NUMBER:
        raise ValidationError(f"1つの長期目標の援助内容は{MAX_NUMBER}件までです（標準仕様の援助内容NOは1〜99）。")
    position = short_goal.items.count() + 1
    _claim(goal.need.plan, lock_version, by)
    return ServiceItem.objects.create(
        short_goal=short_goal,
        position=position,
        period_from=short_goal.short_from,
        period_to=short_goal.short_to,
    )


@transaction.atomic
def item_update(
    *,
    item: ServiceItem,
    lock_version,
    by,
    content: str,
    insurance_covered: bool,
    service_type_code: str,
    service_kind: str,
    provider_name: str,
    provider_office_number: str,
    frequency: str,
    period_from,
    period_to,
) -> ServiceItem:
    plan = item.short_goal.goal.need.plan
    _raise(
        item_errors(
            plan,
            service_type_code=service_type_code,
            provider_office_number=provider_office_number,
            period_from=period_from,
            period_to=period_to,
        )
    )
    _claim(plan, lock_version, by)
    if service_type_code and not service_kind.strip():
        service_kind = SERVICE_KINDS[service_type_code]
    item.content, item.insurance_covered = content, insurance_covered
    item.service_type_code, item.service_kind = service_type_code, service_kind
    item.provider_name, item.provider_office_number = provider_name, provider_office_number
    item.frequency, item.period_from, item.period_to = frequency, period_from, period_to
    item.save()
    return item


@transaction.atomic
def item_delete(*, item: ServiceItem, lock_version, by) -> None:
    short_goal = item.short_goal
    _claim(short_goal.goal.need.plan, lock_version, by)
    item.delete()
    _renumber(ServiceItem, short_goal=short_goal)


@transaction.atomic
def item_move(*, item: ServiceItem, direction: int, lock_version, by) -> None:
    _claim(item.short_goal.goal.need.plan, lock_version, by)
    _move(item, direction, short_goal=item.short_goal)
