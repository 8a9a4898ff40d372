"""Plans as a whole and their 第1表: create, new version, confirm, reopen, deliver (交付), delete a draft."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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

from .common import (
    COPIED_FIELDS,
    TABLE1_FIELDS,
    _claim,
    _d,
    _inside,
    _member_name,
    _raise,
    period_errors,
    table1_errors,
)

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
        raise ValidationError(
            {
                "plan_date": [
                    f"この利用者には作成中の下書き（作成（変更）日 {_d(draft.plan_date)}）があります。"
                    "先にその下書きを確定するか、削除してください。"
                ]
            }
        )
    if any(p.plan_date == plan_date for p in existing):
        raise ValidationError(
            {
                "plan_date": [
                    f"{_d(plan_date)}の計画書はすでにあります。居宅サービス計画作成（変更）日は版ごとに別の日付にしてください。"
                ]
            }
        )
    latest = existing[0] if existing else None
    if latest is not None and plan_date < latest.plan_date:
        raise ValidationError(
            {
                "plan_date": [
                    f"作成（変更）日（{_d(plan_date)}）が前の版（{_d(latest.plan_date)}）より前です。"
                    "変更した計画は前の版より後の日付にしてください。"
                ]
            }
        )
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
        raise ValidationError(
            {
                "plan_date": [
                    "同じ時に他の職員がこの利用者の計画書を作成しました。利用者の計画書一覧を開き直してください。"
                ]
            }
        )


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
                need=new_need,
                position=goal.position,
                long_term_goal=goal.long_term_goal,
                long_from=goal.long_from,
                long_to=goal.long_to,
            )
            for short in goal.short_goals.all():
                new_short = ShortTermGoal.objects.create(
                    goal=new_goal,
                    position=short.position,
                    text=short.text,
                    short_from=short.short_from,
                    short_to=short.short_to,
                )
                ServiceItem.objects.bulk_create(
                    [
                        ServiceItem(
                            short_goal=new_short,
                            position=i.position,
                            content=i.content,
                            insurance_covered=i.insurance_covered,
                            service_type_code=i.service_type_code,
                            service_kind=i.service_kind,
                            provider_name=i.provider_name,
                            provider_office_number=i.provider_office_number,
                            frequency=i.frequency,
                            period_from=i.period_from,
                            period_to=i.period_to,
                        )
                        for i in short.items.all()
                    ]
                )
    WeeklyActivity.objects.bulk_create(
        [
            WeeklyActivity(
                plan=plan,
                weekday=a.weekday,
                start_time=a.start_time,
                end_time=a.end_time,
                content=a.content,
                service_type_code=a.service_type_code,
                service_item_code=a.service_item_code,
                provider_office_number=a.provider_office_number,
            )
            for a in source.weekly_activities.all()
        ]
    )
    DailyActivity.objects.bulk_create(
        [
            DailyActivity(plan=plan, start_time=a.start_time, end_time=a.end_time, content=a.content)
            for a in source.daily_activities.all()
        ]
    )
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
    "plan_category",
    "certification_status",
    "care_level",
    "user_intentions",
    "committee_opinion",
    "support_policy",
    "living_support_reason",
    "living_support_other",
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
            for message in period_errors(
                plan, goal.long_from, goal.long_to, label="長期目標の期間", field_from="f", field_to="t"
            ).values():
                problems.append(f"{gwhere}: {message}")
            for short in goal.short_goals.all():
                swhere = f"{gwhere} 短期目標{short.position}"
                if not short.text.strip():
                    problems.append(f"{swhere}: 短期目標が空欄です。")
                if not (short.short_from and short.short_to):
                    problems.append(f"{swhere}: 短期目標の期間が未入力です。")
                errs = period_errors(
                    plan, short.short_from, short.short_to, label="短期目標の期間", field_from="f", field_to="t"
                )
                errs = errs or _inside(
                    goal.long_from,
                    goal.long_to,
                    short.short_from,
                    short.short_to,
                    label="短期目標の期間",
                    outer_label="長期目標の期間",
                    field_from="f",
                    field_to="t",
                )
                problems.extend(f"{swhere}: {m}" for m in errs.values())
                items = list(short.items.all())
                if not items:
                    problems.append(f"{swhere}: 援助内容（サービス内容）がありません。")
                for item in items:
                    iwhere = f"{swhere} 援助内容{item.position}"
                    if not item.content.strip():
                        problems.append(f"{iwhere}: サービス内容が空欄です。")
                    errs = period_errors(
                        plan, item.period_from, item.period_to, label="援助内容の期間", field_from="f", field_to="t"
                    )
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
def plan_deliver(
    *,
    plan: CarePlan,
    lock_version,
    by,
    delivered_on: dt.date,
    explained_on: dt.date | None,
    delivered_to: str,
    delivered_by,
    note: str = "",
) -> CarePlan:
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
        status=PlanStatus.DELIVERED,
        delivered_on=delivered_on,
        explained_on=explained_on,
        delivered_to=delivered_to.strip(),
        delivered_by=delivered_by,
        delivered_by_name=_member_name(delivered_by),
        delivery_note=note,
        snapshot=plan_snapshot(plan),
    )
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_delete_draft(*, plan: CarePlan, lock_version, by) -> None:
    """Delete a draft (e.g. an abandoned change). Confirmed versions are never deleted."""
    _claim(plan, lock_version, by)
    plan.delete()
