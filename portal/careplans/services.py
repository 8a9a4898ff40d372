"""Writes for 居宅サービス計画書 (第1表・第2表・第3表).

Every write to a plan goes through :func:`_claim`: a conditional UPDATE that bumps
``CarePlan.lock_version`` only if it still equals the version the user's page was built
from, and only while the plan is a draft. If another member saved in between, the write
raises :class:`PlanConflict` and nothing is written (optimistic lock). A confirmed or
delivered plan is read-only (:class:`PlanNotEditable`); a change makes a new version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.careplans.models import (
    CarePlan,
    DailyActivity,
    Goal,
    Need,
    PlanCategory,
    PlanStatus,
    ServiceItem,
    ShortTermGoal,
    WeeklyActivity,
)
from portal.clients.models import CertificationStatus
from portal.core.codes import SERVICE_KINDS
from portal.core.validators import validate_office_number
from portal.core.wareki import wareki_date

MAX_NUMBER = 99  # 課題NO / 援助目標NO / 援助内容NO are 1–99 in the standard (UP2KYO)

TABLE1_FIELDS = (
    "first_plan_date", "plan_category", "certification_status", "care_level", "certified_on",
    "cert_valid_from", "cert_valid_to", "user_intentions", "committee_opinion", "support_policy",
    "living_support_reason", "living_support_other",
)
COPIED_FIELDS = TABLE1_FIELDS + (
    "author_id", "author_name", "office_number", "office_name", "office_postal_code", "office_address",
    "non_weekly_services",
)


class PlanConflict(Exception):
    """Another member saved the plan after this page was loaded; nothing was written."""

    def __init__(self, plan: CarePlan):
        self.plan = plan
        who = plan.updated_by_name or "他の職員"
        when = timezone.localtime(plan.updated_at).strftime("%H:%M")
        self.summary = f"{who}さんが{when}にこの計画書を更新しました。あなたの変更は保存していません（上書きを防ぐため）。"
        self.message = self.summary + "最新の内容を読み込み直してから、もう一度入力してください。"
        super().__init__(self.message)


class PlanNotEditable(Exception):
    """The plan is confirmed or delivered: it is kept as it is."""

    def __init__(self, plan: CarePlan):
        self.plan = plan
        self.message = (
            f"この計画書は「{plan.get_status_display()}」のため編集できません（記録として保存されています）。"
            "内容を変える場合は「計画を変更（新しい版を作成）」から新しい版を作ってください。"
        )
        super().__init__(self.message)


# --------------------------------------------------------------------------- locking


def _member_name(member) -> str:
    return member.name if member is not None else ""


def _claim(plan: CarePlan, lock_version, by, *, statuses=(PlanStatus.DRAFT,)) -> None:
    """Bump ``lock_version`` if the page's version is current; else raise. Call inside atomic."""
    try:
        expected = int(lock_version)
    except (TypeError, ValueError):
        expected = -1
    now = timezone.now()
    updated = CarePlan.objects.filter(pk=plan.pk, lock_version=expected, status__in=statuses).update(
        lock_version=F("lock_version") + 1, updated_at=now, updated_by_name=_member_name(by),
    )
    if not updated:
        fresh = CarePlan.objects.get(pk=plan.pk)
        if fresh.status not in statuses:
            raise PlanNotEditable(fresh)
        raise PlanConflict(fresh)
    plan.lock_version = expected + 1
    plan.updated_at = now
    plan.updated_by_name = _member_name(by)


# --------------------------------------------------------------------------- checks


def _d(day: dt.date | None) -> str:
    return wareki_date(day) if day else ""


def period_errors(plan: CarePlan, start, end, *, label: str, field_from: str, field_to: str) -> dict:
    """Errors for a period: order, and inside the plan's 認定の有効期間 (when set)."""
    errors: dict[str, str] = {}
    if start and end and end < start:
        errors[field_to] = (
            f"{label}の終了日（{_d(end)}）が開始日（{_d(start)}）より前です。終了日は開始日以降にしてください。"
        )
    cert_from, cert_to = plan.cert_valid_from, plan.cert_valid_to
    if cert_from and cert_to:
        for field, day, part in ((field_from, start, "開始"), (field_to, end, "終了")):
            if day and not (cert_from <= day <= cert_to) and field not in errors:
                errors[field] = (
                    f"{label}（{part}）の{_d(day)}が認定の有効期間（{_d(cert_from)}〜{_d(cert_to)}）の外です。"
                    "認定の有効期間内の日付を入力してください。"
                )
    return errors


def _inside(outer_from, outer_to, start, end, *, label: str, outer_label: str, field_from: str, field_to: str):
    errors = {}
    if outer_from and start and start < outer_from:
        errors[field_from] = (
            f"{label}（開始）の{_d(start)}が{outer_label}（{_d(outer_from)}〜{_d(outer_to)}）より前です。"
            f"{label}は{outer_label}の内側にしてください。"
        )
    if outer_to and end and end > outer_to:
        errors[field_to] = (
            f"{label}（終了）の{_d(end)}が{outer_label}（{_d(outer_from)}〜{_d(outer_to)}）より後です。"
            f"{label}は{outer_label}の内側にしてください。"
        )
    return errors


def table1_errors(plan: CarePlan, data: dict) -> dict:
    """Checks on the 第1表 values that hold even for a draft."""
    errors: dict[str, str] = {}
    first = data.get("first_plan_date")
    if first and first > plan.plan_date:
        errors["first_plan_date"] = (
            f"初回居宅サービス計画作成日（{_d(first)}）が、この計画の作成（変更）日（{_d(plan.plan_date)}）より後です。"
            "初回作成日は作成（変更）日と同じか、それより前の日付です。"
        )
    vf, vt = data.get("cert_valid_from"), data.get("cert_valid_to")
    if vf and vt and vt < vf:
        errors["cert_valid_to"] = (
            f"認定の有効期間の終了日（{_d(vt)}）が開始日（{_d(vf)}）より前です。終了日は開始日以降にしてください。"
        )
    if data.get("living_support_reason") == "3" and not (data.get("living_support_other") or "").strip():
        errors["living_support_other"] = "生活援助中心型の算定理由で「その他」を選んだときは、その理由を入力してください。"
    return errors


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({k: [v] if isinstance(v, str) else v for k, v in errors.items()})


# --------------------------------------------------------------------------- plans


def _office_snapshot(plan: CarePlan) -> None:
    office = plan.client.office
    plan.office_number = office.office_number
    plan.office_name = office.name
    plan.office_postal_code = office.postal_code
    plan.office_address = office.address


def _fill_certification(plan: CarePlan, client, day: dt.date) -> bool:
    """Copy 認定状況・要介護状態区分・認定日・有効期間 from the client's register. True if found."""
    cert = client.certification_on(day)
    if cert is None:
        cert = next(iter(client.certifications.all()), None)  # latest first
    if cert is None:
        return False
    plan.certification_status = cert.status
    plan.care_level = cert.care_level
    plan.certified_on = cert.certified_on
    plan.cert_valid_from = cert.valid_from
    plan.cert_valid_to = cert.valid_to
    return True


@transaction.atomic
def plan_create(*, client, plan_date: dt.date, by) -> CarePlan:
    """Start a draft for ``client`` dated ``plan_date`` (居宅サービス計画作成（変更）日).

    The first plan is filled from the register (認定, 担当ケアマネ). When the client already has
    plans, the new draft is a change of the latest one: every table is copied and the old
    version is kept as it is.
    """
    existing = list(CarePlan.objects.select_for_update().filter(client=client).order_by("-plan_date", "-pk"))
    draft = next((p for p in existing if p.is_draft), None)
    if draft is not None:
        raise ValidationError({"plan_date": [
            f"この利用者には作成中の下書き（作成（変更）日 {_d(draft.plan_date)}）があります。"
            "先にその下書きを確定するか、削除してください。"
        ]})
    if any(p.plan_date == plan_date for p in existing):
        raise ValidationError({"plan_date": [
            f"{_d(plan_date)}の計画書はすでにあります。居宅サービス計画作成（変更）日は版ごとに別の日付にしてください。"
        ]})
    latest = existing[0] if existing else None
    if latest is not None and plan_date < latest.plan_date:
        raise ValidationError({"plan_date": [
            f"作成（変更）日（{_d(plan_date)}）が前の版（{_d(latest.plan_date)}）より前です。"
            "変更した計画は前の版より後の日付にしてください。"
        ]})
    if latest is not None:
        return _copy_version(latest, plan_date=plan_date, by=by)

    plan = CarePlan(client=client, plan_date=plan_date, first_plan_date=plan_date, plan_category=PlanCategory.FIRST)
    _fill_certification(plan, client, plan_date)
    author = client.care_manager or by
    plan.author_id = author.pk if author else None
    plan.author_name = _member_name(author)
    _office_snapshot(plan)
    plan.updated_by_name = _member_name(by)
    _save_new(plan)
    return plan


def _save_new(plan: CarePlan) -> None:
    """Insert a new version; a concurrent create for the same client loses with a clear message."""
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError({"plan_date": [
            "同じ時に他の職員がこの利用者の計画書を作成しました。利用者の計画書一覧を開き直してください。"
        ]})


def _copy_version(source: CarePlan, *, plan_date: dt.date, by) -> CarePlan:
    plan = CarePlan(client=source.client, previous=source, plan_date=plan_date)
    for name in COPIED_FIELDS:
        setattr(plan, name, getattr(source, name))
    if not plan.first_plan_date:
        plan.first_plan_date = source.plan_date
    _fill_certification(plan, source.client, plan_date)
    _office_snapshot(plan)
    plan.updated_by_name = _member_name(by)
    _save_new(plan)

    needs = list(source.needs.prefetch_related("goals__short_goals__items"))
    for need in needs:
        new_need = Need.objects.create(plan=plan, position=need.position, text=need.text)
        for goal in need.goals.all():
            new_goal = Goal.objects.create(
                need=new_need, position=goal.position, long_term_goal=goal.long_term_goal,
                long_from=goal.long_from, long_to=goal.long_to,
            )
            for short in goal.short_goals.all():
                new_short = ShortTermGoal.objects.create(
                    goal=new_goal, position=short.position, text=short.text,
                    short_from=short.short_from, short_to=short.short_to,
                )
                ServiceItem.objects.bulk_create([
                    ServiceItem(
                        short_goal=new_short, position=i.position, content=i.content,
                        insurance_covered=i.insurance_covered, service_type_code=i.service_type_code,
                        service_kind=i.service_kind, provider_name=i.provider_name,
                        provider_office_number=i.provider_office_number, frequency=i.frequency,
                        period_from=i.period_from, period_to=i.period_to,
                    )
                    for i in short.items.all()
                ])
    WeeklyActivity.objects.bulk_create([
        WeeklyActivity(
            plan=plan, weekday=a.weekday, start_time=a.start_time, end_time=a.end_time, content=a.content,
            service_type_code=a.service_type_code, service_item_code=a.service_item_code,
            provider_office_number=a.provider_office_number,
        )
        for a in source.weekly_activities.all()
    ])
    DailyActivity.objects.bulk_create([
        DailyActivity(plan=plan, start_time=a.start_time, end_time=a.end_time, content=a.content)
        for a in source.daily_activities.all()
    ])
    return plan


@transaction.atomic
def plan_update_table1(*, plan: CarePlan, lock_version, by, author=None, **data) -> CarePlan:
    """Save the 第1表 fields of a draft (incomplete values are fine: it is a draft)."""
    unknown = set(data) - set(TABLE1_FIELDS)
    if unknown:
        raise TypeError(f"unknown 第1表 fields: {sorted(unknown)}")
    _raise(table1_errors(plan, data))
    _claim(plan, lock_version, by)
    for name, value in data.items():
        setattr(plan, name, "" if value is None and name in _TEXT_FIELDS else value)
    if author is not None:
        plan.author = author
        plan.author_name = author.name
    _office_snapshot(plan)
    plan.save()
    return plan


_TEXT_FIELDS = {
    "plan_category", "certification_status", "care_level", "user_intentions", "committee_opinion",
    "support_policy", "living_support_reason", "living_support_other",
}


def confirmation_problems(plan: CarePlan) -> list[str]:
    """What must be filled in (and right) before the plan can be confirmed (確定)."""
    problems: list[str] = []

    def need_value(value, label):
        if value in (None, ""):
            problems.append(f"第1表: {label}が未入力です。")

    need_value(plan.first_plan_date, "初回居宅サービス計画作成日")
    need_value(plan.plan_category, "計画書区分（初回・紹介・継続）")
    need_value(plan.certification_status, "認定状況（申請中・認定済）")
    need_value(plan.author_name, "居宅サービス計画作成者氏名")
    need_value(plan.office_number, "介護支援事業者コード（事業所番号）")
    if plan.certification_status == CertificationStatus.CERTIFIED:
        need_value(plan.care_level, "要介護状態区分")
        need_value(plan.cert_valid_from, "認定の有効期間（開始）")
        need_value(plan.cert_valid_to, "認定の有効期間（終了）")
    need_value(plan.user_intentions.strip(), "利用者及び家族の生活に対する意向を踏まえた課題分析の結果")
    need_value(plan.support_policy.strip(), "総合的な援助の方針")
    for message in table1_errors(plan, {f: getattr(plan, f) for f in TABLE1_FIELDS}).values():
        problems.append(f"第1表: {message}")

    needs = list(plan.needs.prefetch_related("goals__short_goals__items"))
    if not needs:
        problems.append("第2表: 生活全般の解決すべき課題（ニーズ）が1件もありません。")
    for need in needs:
        where = f"第2表 課題{need.position}"
        if not need.text.strip():
            problems.append(f"{where}: 課題（ニーズ）が空欄です。")
        goals = list(need.goals.all())
        if not goals:
            problems.append(f"{where}: 長期目標がありません。")
        for goal in goals:
            gwhere = f"{where} 援助目標{goal.position}"
            if not goal.long_term_goal.strip():
                problems.append(f"{gwhere}: 長期目標が空欄です。")
            if not (goal.long_from and goal.long_to):
                problems.append(f"{gwhere}: 長期目標の期間が未入力です。")
            for message in period_errors(plan, goal.long_from, goal.long_to, label="長期目標の期間",
                                         field_from="f", field_to="t").values():
                problems.append(f"{gwhere}: {message}")
            for short in goal.short_goals.all():
                swhere = f"{gwhere} 短期目標{short.position}"
                if not short.text.strip():
                    problems.append(f"{swhere}: 短期目標が空欄です。")
                if not (short.short_from and short.short_to):
                    problems.append(f"{swhere}: 短期目標の期間が未入力です。")
                errs = period_errors(plan, short.short_from, short.short_to, label="短期目標の期間",
                                     field_from="f", field_to="t")
                errs = errs or _inside(goal.long_from, goal.long_to, short.short_from, short.short_to,
                                       label="短期目標の期間", outer_label="長期目標の期間",
                                       field_from="f", field_to="t")
                problems.extend(f"{swhere}: {m}" for m in errs.values())
                items = list(short.items.all())
                if not items:
                    problems.append(f"{swhere}: 援助内容（サービス内容）がありません。")
                for item in items:
                    iwhere = f"{swhere} 援助内容{item.position}"
                    if not item.content.strip():
                        problems.append(f"{iwhere}: サービス内容が空欄です。")
                    errs = period_errors(plan, item.period_from, item.period_to, label="援助内容の期間",
                                         field_from="f", field_to="t")
                    problems.extend(f"{iwhere}: {m}" for m in errs.values())
    return problems


@transaction.atomic
def plan_confirm(*, plan: CarePlan, lock_version, by) -> CarePlan:
    """下書き → 確定. Raises ValidationError listing what is missing."""
    problems = confirmation_problems(plan)
    if problems:
        raise ValidationError(problems)
    _claim(plan, lock_version, by)
    CarePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.CONFIRMED, confirmed_at=timezone.now())
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_reopen(*, plan: CarePlan, lock_version, by) -> CarePlan:
    """確定 → 下書き (only before 交付; after 交付 a change is a new version)."""
    _claim(plan, lock_version, by, statuses=(PlanStatus.CONFIRMED,))
    if CarePlan.objects.filter(client_id=plan.client_id, status=PlanStatus.DRAFT).exists():
        raise ValidationError("この利用者には別の下書きがあります。先にその下書きを確定するか削除してください。")
    CarePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT, confirmed_at=None)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_deliver(*, plan: CarePlan, lock_version, by, delivered_on: dt.date, explained_on: dt.date | None,
                 delivered_to: str, delivered_by, note: str = "") -> CarePlan:
    """Record 交付: the confirmed plan was explained to the client, agreed and handed over."""
    errors = {}
    today = timezone.localdate()
    if delivered_on and delivered_on < plan.plan_date:
        errors["delivered_on"] = (
            f"交付日（{_d(delivered_on)}）が居宅サービス計画作成（変更）日（{_d(plan.plan_date)}）より前です。"
        )
    if delivered_on and delivered_on > today:
        errors["delivered_on"] = f"交付日（{_d(delivered_on)}）が未来の日付です。交付した日を入力してください。"
    if explained_on and delivered_on and explained_on > delivered_on:
        errors["explained_on"] = (
            f"説明・同意日（{_d(explained_on)}）が交付日（{_d(delivered_on)}）より後です。"
            "説明して同意を得てから交付するため、説明・同意日は交付日以前の日付です。"
        )
    if not (delivered_to or "").strip():
        errors["delivered_to"] = "交付先（利用者本人・家族の氏名）を入力してください。"
    if plan.status == PlanStatus.DRAFT:
        raise ValidationError("下書きのままでは交付を記録できません。先に計画書を確定してください。")
    _raise(errors)
    _claim(plan, lock_version, by, statuses=(PlanStatus.CONFIRMED,))
    from portal.careplans.selectors import plan_snapshot

    CarePlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.DELIVERED, delivered_on=delivered_on, explained_on=explained_on,
        delivered_to=delivered_to.strip(), delivered_by=delivered_by, delivered_by_name=_member_name(delivered_by),
        delivery_note=note, snapshot=plan_snapshot(plan),
    )
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_delete_draft(*, plan: CarePlan, lock_version, by) -> None:
    """Delete a draft (e.g. an abandoned change). Confirmed versions are never deleted."""
    _claim(plan, lock_version, by)
    plan.delete()


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
    errors = period_errors(plan, short_from, short_to, label="短期目標の期間",
                           field_from="short_from", field_to="short_to")
    if not errors:
        errors = _inside(goal.long_from, goal.long_to, short_from, short_to, label="短期目標の期間",
                         outer_label="長期目標の期間", field_from="short_from", field_to="short_to")
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
    errors = period_errors(plan, period_from, period_to, label="援助内容の期間",
                           field_from="period_from", field_to="period_to")
    if service_type_code and service_type_code not in SERVICE_KINDS:
        errors["service_type_code"] = f"サービス種類コード「{service_type_code}」は登録されていない種類です。一覧から選んでください。"
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
        short_goal=short_goal, position=position, period_from=short_goal.short_from, period_to=short_goal.short_to,
    )


@transaction.atomic
def item_update(*, item: ServiceItem, lock_version, by, content: str, insurance_covered: bool,
                service_type_code: str, service_kind: str, provider_name: str, provider_office_number: str,
                frequency: str, period_from, period_to) -> ServiceItem:
    plan = item.short_goal.goal.need.plan
    _raise(item_errors(plan, service_type_code=service_type_code, provider_office_number=provider_office_number,
                       period_from=period_from, period_to=period_to))
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


# --------------------------------------------------------------------------- 第3表


def weekly_errors(*, start_time, end_time, service_type_code: str, service_item_code: str,
                  provider_office_number: str) -> dict:
    errors: dict[str, str] = {}
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = (
            f"終了時刻（{end_time:%H:%M}）が開始時刻（{start_time:%H:%M}）と同じか前です。"
            "日をまたぐサービスは、0:00 の前後で2つに分けて入力してください。"
        )
    if service_type_code and service_type_code not in SERVICE_KINDS:
        errors["service_type_code"] = f"サービス種類コード「{service_type_code}」は登録されていない種類です。一覧から選んでください。"
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
            start_time=self.start_time, end_time=self.end_time, service_type_code=self.service_type_code,
            service_item_code=self.service_item_code, provider_office_number=self.provider_office_number,
        )


@transaction.atomic
def weekly_activity_add(*, plan: CarePlan, lock_version, by, weekdays: list[int], values: WeeklyValues) -> list[WeeklyActivity]:
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
    return WeeklyActivity.objects.bulk_create([
        WeeklyActivity(plan=plan, weekday=d, start_time=values.start_time, end_time=values.end_time,
                       content=values.content.strip(), service_type_code=values.service_type_code,
                       service_item_code=values.service_item_code.upper(),
                       provider_office_number=values.provider_office_number)
        for d in days
    ])


@transaction.atomic
def weekly_activity_update(*, activity: WeeklyActivity, lock_version, by, weekday: int, values: WeeklyValues) -> WeeklyActivity:
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
def daily_activity_update(*, activity: DailyActivity, lock_version, by, start_time, end_time, content: str) -> DailyActivity:
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

