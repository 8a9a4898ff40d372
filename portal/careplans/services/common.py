"""Shared by the plan writes: the optimistic lock (:func:`_claim`, :class:`PlanConflict`), read-only plans\n(:class:`PlanNotEditable`) and the period checks of the three tables."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from portal.careplans.models import CarePlan, PlanStatus
from portal.core.wareki import wareki_date

MAX_NUMBER = 99  # 課題NO / 援助目標NO / 援助内容NO are 1–99 in the standard (UP2KYO)

TABLE1_FIELDS = (
    "first_plan_date",
    "plan_category",
    "certification_status",
    "care_level",
    "certified_on",
    "cert_valid_from",
    "cert_valid_to",
    "user_intentions",
    "committee_opinion",
    "support_policy",
    "living_support_reason",
    "living_support_other",
)
COPIED_FIELDS = TABLE1_FIELDS + (
    "author_id",
    "author_name",
    "office_number",
    "office_name",
    "office_postal_code",
    "office_address",
    "non_weekly_services",
)


class PlanConflict(Exception):
    """Another member saved the plan after this page was loaded; nothing was written."""

    def __init__(self, plan: CarePlan):
        self.plan = plan
        who = plan.updated_by_name or "他の職員"
        when = timezone.localtime(plan.updated_at).strftime("%H:%M")
        self.summary = (
            f"{who}さんが{when}にこの計画書を更新しました。あなたの変更は保存していません（上書きを防ぐため）。"
        )
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
        lock_version=F("lock_version") + 1,
        updated_at=now,
        updated_by_name=_member_name(by),
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
        errors["living_support_other"] = (
            "生活援助中心型の算定理由で「その他」を選んだときは、その理由を入力してください。"
        )
    return errors


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({k: [v] if isinstance(v, str) else v for k, v in errors.items()})
