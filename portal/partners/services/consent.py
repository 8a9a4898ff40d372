"""Consent (同意書): the uploaded document's check, recording and revoking consent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office
from portal.partners.models import AuditAction, Consent, ConsentScope, Partnership

from .audit import audit_record

# --------------------------------------------------------------------------- consent


MAX_MB = 1024 * 1024


def consent_document_check(upload) -> str:
    """The content type of an uploaded consent scan (PDF or JPEG, by magic bytes), or ValidationError."""
    limit = settings.RENKEI_CONSENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "document": (
                    f"ファイルが大きすぎます（{upload.size / MAX_MB:.1f}MB）。{limit / MAX_MB:.0f}MB以下のPDFかJPEGを選んでください。"
                    "スキャナーの解像度を下げる（200dpi程度）と小さくなります。"
                )
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    raise ValidationError(
        {
            "document": (
                f"「{upload.name}」はPDFでもJPEGでもありません。同意書のスキャンはPDFかJPEG（.jpg）で保存して選んでください。"
            )
        }
    )


@transaction.atomic
def consent_record(
    *,
    office: Office,
    membership: Membership,
    client,
    partnership: Partnership,
    obtained_on: dt.date,
    obtained_by: Membership | None,
    method: str,
    scopes: list[str],
    document=None,
    note: str = "",
) -> Consent:
    """Record a 利用者's consent to share with one partner."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    # Re-read under a lock: a partnership ended a moment ago must not take new consents.
    partnership = (
        Partnership.objects.select_for_update(of=("self",)).select_related("partner_office").get(pk=partnership.pk)
    )
    if client.office_id != office.pk:
        errors.setdefault("client", []).append("この利用者はあなたの事業所の利用者ではありません。")
    if partnership.office_id != office.pk:
        errors.setdefault("partnership", []).append("この連携先はあなたの事業所の連携先ではありません。")
    elif partnership.ended_at is not None:
        errors.setdefault("partnership", []).append(
            f"{partnership.display_name}との連携は{wareki_date(partnership.ended_on)}に終了しているため、同意を記録できません。"
        )
    if obtained_on > today:
        errors.setdefault("obtained_on", []).append(
            f"同意日に未来の日付（{wareki_date(obtained_on)}）は入力できません。今日は{wareki_date(today)}です。"
        )
    scopes = [s for s in ConsentScope.values if s in set(scopes or [])]
    if not scopes:
        errors.setdefault("scopes", []).append("同意の範囲を1つ以上選んでください。")
    if obtained_by is not None and obtained_by.office_id != office.pk:
        errors.setdefault("obtained_by", []).append("同意を得た職員はこの事業所のスタッフから選んでください。")
    if method not in {m for m, _ in Consent._meta.get_field("method").choices}:
        errors.setdefault("method", []).append("同意の方法を選んでください。")
    content_type = ""
    if document:
        try:
            content_type = consent_document_check(document)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if not errors.get("client") and not errors.get("partnership"):
        current = (
            Consent.objects.select_for_update()
            .filter(client_id=client.pk, partnership=partnership)
            .filter(revoked_on__isnull=True)
            .first()
        )
        if current is not None:
            errors.setdefault("__all__", []).append(
                f"{client.full_name}さんには{partnership.display_name}への同意（同意日 {wareki_date(current.obtained_on)}、"
                f"範囲: {current.scopes_label}）がすでに記録されています。範囲を変えるときは、今の同意を撤回してから記録し直してください。"
            )
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        office=office,
        client=client,
        partnership=partnership,
        obtained_on=obtained_on,
        obtained_by=obtained_by,
        obtained_by_name=obtained_by.name if obtained_by else "",
        method=method,
        scope_plan=ConsentScope.PLAN in scopes,
        scope_schedule=ConsentScope.SCHEDULE in scopes,
        scope_actual=ConsentScope.ACTUAL in scopes,
        note=note.strip(),
        recorded_by=membership.user,
    )
    if document:
        consent.document = document
        consent.document_type = content_type
        consent.document_size = document.size
    consent.save()
    audit_record(
        office=office,
        actor=membership,
        action=AuditAction.CONSENT_RECORDED,
        client=client,
        partner_office_number=partnership.partner_office_number,
        detail={
            "consent_id": consent.pk,
            "scopes": scopes,
            "obtained_on": obtained_on.isoformat(),
            "method": method,
            "document": bool(document),
        },
    )
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, membership: Membership, revoked_on: dt.date, reason: str) -> Consent:
    locked = Consent.objects.select_for_update().select_related("partnership").get(pk=consent.pk)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if locked.revoked_on is not None:
        errors.setdefault("__all__", []).append(f"この同意はすでに{wareki_date(locked.revoked_on)}に撤回されています。")
    if revoked_on < locked.obtained_on:
        errors.setdefault("revoked_on", []).append(
            f"撤回日（{wareki_date(revoked_on)}）が同意日（{wareki_date(locked.obtained_on)}）より前になっています。"
            "同意日以降の日付を入力してください。"
        )
    if revoked_on > today:
        errors.setdefault("revoked_on", []).append(
            f"撤回日に未来の日付（{wareki_date(revoked_on)}）は入力できません。撤回の申し出を受けた日を入力してください。"
        )
    if not (reason or "").strip():
        errors.setdefault("revocation_reason", []).append(
            "撤回の理由を入力してください（例: 利用者本人からの申し出）。"
        )
    if errors:
        raise ValidationError(errors)
    locked.revoked_on = revoked_on
    locked.revocation_reason = reason.strip()[:200]
    locked.revoked_by_name = membership.name
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_on", "revocation_reason", "revoked_by_name", "revoked_at"])
    audit_record(
        office=locked.office_id,
        actor=membership,
        action=AuditAction.CONSENT_REVOKED,
        client=locked.client_id,
        partner_office_number=locked.partnership.partner_office_number,
        detail={"consent_id": locked.pk, "revoked_on": revoked_on.isoformat()},
    )
    return locked
