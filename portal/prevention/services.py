"""介護予防支援 services: 利用者基本情報 and 介護予防サービス・支援計画書 versions, rows, 交付."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.clients.models import CareLevel
from portal.core.wareki import wareki_date
from portal.prevention.models import (
    BasicInfo,
    DailySchedule,
    MedicalHistory,
    PreventionIssue,
    PreventionPlan,
    PreventionPlanStatus,
    SupportLevel,
    SupportPlan,
    UsedService,
)

#: 要介護状態区分 codes of the clients this app is for (要支援1/2, 事業対象者).
PREVENTION_CARE_LEVELS = {CareLevel.SUPPORT_1, CareLevel.SUPPORT_2, CareLevel.BUSINESS_TARGET}
_SUPPORT_LEVEL_OF = {
    CareLevel.SUPPORT_1: SupportLevel.SUPPORT_1,
    CareLevel.SUPPORT_2: SupportLevel.SUPPORT_2,
    CareLevel.BUSINESS_TARGET: SupportLevel.BUSINESS,
}


def is_prevention_client(client, day: dt.date | None = None) -> bool:
    """要支援1/2 or 事業対象者 on ``day`` (today by default)."""
    cert = client.certification_on(day or timezone.localdate())
    return cert is not None and cert.care_level in PREVENTION_CARE_LEVELS


# --------------------------------------------------------------------------- family image


def family_image_clean(upload) -> bytes:
    """The uploaded 家族構成 picture as a freshly encoded JPEG without any metadata.

    Refuses (ValidationError, in Japanese) anything larger than RENKEI_FAMILY_IMAGE_MAX_BYTES or
    that Pillow does not decode as a JPEG. Re-encoding drops EXIF (GPS, camera, thumbnails), ICC
    and comments: only the pixels are kept.
    """
    from PIL import Image, UnidentifiedImageError

    limit = settings.RENKEI_FAMILY_IMAGE_MAX_BYTES
    label = "家族構成の画像"
    if upload.size > limit:
        raise ValidationError(
            f"{label}が大きすぎます（{upload.size / 1024 / 1024:.1f}MB）。{limit // (1024 * 1024)}MB以下の JPEG にしてください。"
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG":
                raise ValidationError(
                    f"{label}は JPEG 形式（.jpg）にしてください（送られたファイルは {img.format} です）。"
                )
            img.load()
            pixels = img.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            f"{label}を画像として読み取れません。JPEG 形式（.jpg）のファイルを選んでください。"
        ) from exc
    out = io.BytesIO()
    # A new image object carries no info dict: nothing but the pixels is written.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    clean.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()


# --------------------------------------------------------------------------- 利用者基本情報


def _unique_error(message: str, field: str):
    return ValidationError({field: message})


@transaction.atomic
def basic_info_save(
    *,
    info: BasicInfo,
    histories: list[dict],
    schedules: list[dict],
    image: bytes | None = None,
    remove_image: bool = False,
) -> BasicInfo:
    """Save one 利用者基本情報 version with its 別表1/別表2 rows (blank rows are dropped)."""
    if (
        BasicInfo.objects.filter(client=info.client, consultation_date=info.consultation_date)
        .exclude(pk=info.pk)
        .exists()
    ):
        raise _unique_error(
            f"相談日 {wareki_date(info.consultation_date)} の利用者基本情報はすでにあります。別の相談日にするか、その版を開いて直してください。",
            "consultation_date",
        )
    if image is not None:
        info.family_image = image
    elif remove_image:
        info.family_image = None
    try:
        with transaction.atomic():
            info.save()
    except IntegrityError as exc:  # a concurrent save of the same 相談日
        raise _unique_error("同じ相談日の利用者基本情報がすでにあります。", "consultation_date") from exc
    info.medical_histories.all().delete()
    info.daily_schedules.all().delete()
    for n, row in enumerate((r for r in histories if any(str(v).strip() for k, v in r.items() if k != "attending")), 1):
        MedicalHistory.objects.create(basic_info=info, position=n, **row)
    for n, row in enumerate((r for r in schedules if any(str(v).strip() for v in r.values())), 1):
        DailySchedule.objects.create(basic_info=info, position=n, **row)
    return info


# --------------------------------------------------------------------------- 計画書


def plan_defaults(client, plan_date: dt.date) -> dict:
    cert = client.certification_on(plan_date)
    return {"support_level": _SUPPORT_LEVEL_OF.get(cert.care_level, "") if cert else ""}


def _first_plan_date(plan: PreventionPlan) -> dt.date:
    """初回作成日 left blank: the earliest version's (or this plan's own 計画作成日 for the first one)."""
    first = PreventionPlan.objects.filter(client=plan.client).exclude(pk=plan.pk).order_by("plan_date").first()
    if first is None or first.plan_date > plan.plan_date:
        return plan.plan_date
    return first.first_plan_date or first.plan_date


@transaction.atomic
def plan_save(*, plan: PreventionPlan, issues: list[dict]) -> PreventionPlan:
    """Save a draft 計画書 with its 別表 tree.

    ``issues`` = [{"text", "proposal", "intention", "goal", "supports": [{"point", "self_care",
    "formal_service", "services": [{"kind", "provider", "period"}]}]}]; blank entries are dropped
    and the rest numbered 1, 2, 3… in order (課題ＮＯ, 支援計画ＮＯ within a 課題, 利用サービスＮＯ within
    a 支援計画).
    """
    if plan.pk and PreventionPlan.objects.filter(pk=plan.pk, status=PreventionPlanStatus.DELIVERED).exists():
        raise ValidationError(
            "交付済の計画書は変更できません。変更するときは新しい計画作成（変更）日の版を作ってください。"
        )
    if PreventionPlan.objects.filter(client=plan.client, plan_date=plan.plan_date).exclude(pk=plan.pk).exists():
        raise _unique_error(
            f"計画作成（変更）日 {wareki_date(plan.plan_date)} の計画書はすでにあります。別の日付にするか、その版を開いて直してください。",
            "plan_date",
        )
    if plan.first_plan_date is None:
        plan.first_plan_date = _first_plan_date(plan)
    plan.save()
    plan.issues.all().delete()

    def filled(d: dict, *keys) -> bool:
        return any(str(d.get(k) or "").strip() for k in keys)

    issue_no = 0
    for issue in issues:
        supports = [
            s
            for s in issue.get("supports", [])
            if filled(s, "point", "self_care", "formal_service")
            or any(filled(u, "kind", "provider", "period") for u in s.get("services", []))
        ]
        if not filled(issue, "text", "proposal", "intention", "goal") and not supports:
            continue
        issue_no += 1
        obj = PreventionIssue.objects.create(
            plan=plan, position=issue_no, **{k: issue.get(k, "") for k in ("text", "proposal", "intention", "goal")}
        )
        for s_no, support in enumerate(supports, 1):
            sp = SupportPlan.objects.create(
                issue=obj, position=s_no, **{k: support.get(k, "") for k in ("point", "self_care", "formal_service")}
            )
            used = [u for u in support.get("services", []) if filled(u, "kind", "provider", "period")]
            for u_no, u in enumerate(used, 1):
                UsedService.objects.create(
                    support=sp, position=u_no, **{k: u.get(k, "") for k in ("kind", "provider", "period")}
                )
    return plan


def plan_tree(plan: PreventionPlan) -> list[dict]:
    """The 別表 as nested dicts (for the page, the snapshot and the CSV rows)."""
    out = []
    for issue in plan.issues.prefetch_related("supports__services").all():
        out.append(
            {
                "no": issue.position,
                "text": issue.text,
                "proposal": issue.proposal,
                "intention": issue.intention,
                "goal": issue.goal,
                "supports": [
                    {
                        "no": s.position,
                        "point": s.point,
                        "self_care": s.self_care,
                        "formal_service": s.formal_service,
                        "services": [
                            {"no": u.position, "kind": u.kind, "provider": u.provider, "period": u.period}
                            for u in s.services.all()
                        ],
                    }
                    for s in issue.supports.all()
                ],
            }
        )
    return out


def delivery_problems(plan: PreventionPlan) -> list[str]:
    """Why the 計画書 cannot be handed over yet (empty list: it can)."""
    problems = []
    if not plan.consent_on or not plan.consent_name.strip():
        problems.append(
            "計画に関する同意（同意日と同意者氏名）が記録されていません。利用者の同意を得てから交付してください。"
        )
    if not plan.issues.exists():
        problems.append("別表の総合的課題が一つもありません。")
    if not plan.overall_policy.strip():
        problems.append("総合的な方針が空欄です。")
    return problems


def plan_snapshot(plan: PreventionPlan) -> dict:
    """Everything the 計画書 prints, frozen at 交付 (dates as ISO strings)."""
    client = plan.client
    office = client.office

    def iso(d):
        return d.isoformat() if d else None

    fields = [
        "plan_kind",
        "commission",
        "support_level",
        "center_name",
        "author_name",
        "goal_day",
        "goal_year",
        "health_notes",
        "unagreed_policy",
        "overall_policy",
        "center_opinion",
        "consent_name",
    ]
    return {
        "client_name": client.full_name,
        "client_kana": client.full_name_kana,
        "birth_date": iso(client.birth_date),
        "insured_number": client.insured_number,
        "office_name": office.name,
        "office_number": office.office_number,
        "plan_date": iso(plan.plan_date),
        "first_plan_date": iso(plan.first_plan_date),
        "consent_on": iso(plan.consent_on),
        **{f: getattr(plan, f) for f in fields},
        "issues": plan_tree(plan),
    }


@transaction.atomic
def plan_deliver(*, plan: PreventionPlan, delivered_on: dt.date, delivered_to: str, by_name: str) -> PreventionPlan:
    """Record 交付 (needs the 同意) and freeze what the plan printed."""
    plan = PreventionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_delivered:
        raise ValidationError("この計画書はすでに交付済です。")
    problems = delivery_problems(plan)
    if problems:
        raise ValidationError(problems)
    errors = {}
    if delivered_on > timezone.localdate():
        errors["delivered_on"] = (
            f"交付日（{wareki_date(delivered_on)}）が未来の日付です。交付した日を入力してください。"
        )
    elif delivered_on < plan.plan_date:
        errors["delivered_on"] = (
            f"交付日（{wareki_date(delivered_on)}）が計画作成（変更）日（{wareki_date(plan.plan_date)}）より前です。"
        )
    elif plan.consent_on and plan.consent_on > delivered_on:
        errors["delivered_on"] = (
            f"交付日（{wareki_date(delivered_on)}）が同意日"
            f"（{wareki_date(plan.consent_on)}）より前です。同意を得てから交付してください。"
        )
    if not (delivered_to or "").strip():
        errors["delivered_to"] = "交付先（利用者本人・家族の氏名）を入力してください。"
    if errors:
        raise ValidationError(errors)
    plan.status = PreventionPlanStatus.DELIVERED
    plan.delivered_on = delivered_on
    plan.delivered_to = delivered_to.strip()
    plan.delivered_by_name = by_name
    plan.snapshot = plan_snapshot(plan)
    plan.save()
    return plan
