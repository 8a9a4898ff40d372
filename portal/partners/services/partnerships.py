"""Partnerships: an external partner, ending a partnership, and the active one for a sender."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.core.codes import SERVICE_KINDS
from portal.core.validators import validate_office_number
from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scope
from portal.partners.models import AuditAction, Partnership

from .audit import _audit, _partner_side_actor, audit_record
from .invitations import _validate_kinds
from .notify import _admin_emails, _send, _url

logger = logging.getLogger("portal.partners.services")  # one logger for the package, as before the split

# --------------------------------------------------------------------------- partnerships


@transaction.atomic
def partnership_external_create(
    *,
    office: Office,
    membership: Membership,
    partner_office_number: str,
    partner_name: str,
    service_type_codes: list[str],
    note: str = "",
    contact_email: str = "",
    paper_only: bool = False,
) -> Partnership:
    """Record a partner that is not on Renkei (files exchanged through the national system)."""
    number = (partner_office_number or "").strip()
    try:
        validate_office_number(number)
    except ValidationError as error:
        raise ValidationError({"partner_office_number": error.messages})
    if number == office.office_number:
        raise ValidationError({"partner_office_number": "自分の事業所は連携先に登録できません。"})
    existing = Partnership.objects.filter(office=office, partner_office_number=number, ended_at__isnull=True).first()
    if existing:
        raise ValidationError(
            {"partner_office_number": f"{existing.display_name}（{number}）はすでに連携先に登録されています。"}
        )
    on_renkei = Office.objects.filter(verification_status="verified", office_number=number).first()
    if on_renkei is not None:
        raise ValidationError(
            {
                "partner_office_number": (
                    f"{on_renkei.name}（{number}）は Renkei に登録されています。外部の連携先ではなく「連携先を招待」から招待してください。"
                )
            }
        )
    allowed = office.service_type_codes if not office.is_care_management else list(SERVICE_KINDS)
    codes = _validate_kinds(service_type_codes, allowed, office if not office.is_care_management else None)
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                office=office,
                partner_office_number=number,
                partner_name=partner_name.strip(),
                is_external=True,
                service_type_codes=codes,
                note=note.strip(),
                started_on=timezone.localdate(),
                contact_email=(contact_email or "").strip(),
                paper_only=bool(paper_only),
            )
    except IntegrityError:
        raise ValidationError({"partner_office_number": f"事業所番号 {number} はすでに連携先に登録されています。"})
    audit_record(
        office=office,
        actor=membership,
        action=AuditAction.PARTNERSHIP_EXTERNAL_ADDED,
        partner_office_number=number,
        detail={"partnership_id": partnership.pk, "service_type_codes": codes},
    )
    return partnership


class PartnershipError(Exception):
    """Why a partnership cannot be changed, in Japanese."""


@transaction.atomic
def partnership_end(*, partnership: Partnership, membership: Membership, reason: str = "") -> Partnership:
    """Either side ends a partnership: no further sends; the rows, consents and trail stay."""
    if not membership.is_admin:
        raise PartnershipError("連携を終了できるのは事業所の管理者だけです。")
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.ended_at is not None:
        raise PartnershipError(f"この連携はすでに{wareki_date(locked.ended_on)}に終了しています。")
    now = timezone.now()
    today = timezone.localdate()
    reason = reason.strip()[:200]
    locked.ended_at, locked.ended_on, locked.ended_by_name, locked.end_reason = now, today, membership.name, reason
    locked.save(update_fields=["ended_at", "ended_on", "ended_by_name", "end_reason"])
    audit_record(
        office=locked.office_id,
        actor=membership,
        action=AuditAction.PARTNERSHIP_ENDED,
        partner_office_number=locked.partner_office_number,
        detail={"partnership_id": locked.pk},
    )
    if locked.counterpart_id:
        with office_scope(locked.partner_office_id):
            other = Partnership.objects.select_for_update().select_related("office").get(pk=locked.counterpart_id)
            if other.ended_at is None:
                other.ended_at, other.ended_on, other.ended_by_partner = now, today, True
                other.ended_by_name = _partner_side_actor(membership.office)
                other.end_reason = reason
                other.save(update_fields=["ended_at", "ended_on", "ended_by_partner", "ended_by_name", "end_reason"])
            _audit(
                office_id=other.office_id,
                actor_id=None,
                actor_name=_partner_side_actor(membership.office),
                action=AuditAction.PARTNERSHIP_ENDED,
                partner_office_number=membership.office.office_number,
                detail={"partnership_id": other.pk},
            )
        _send(
            subject=f"{membership.office.name}との連携が終了しました",
            template="partners/email/partnership_ended.txt",
            context={
                "office": other.office,
                "partner": membership.office,
                "reason": reason,
                "ended_on": today,
                "link": _url("partners:detail", partnership_id=other.pk),
            },
            recipients=_admin_emails(other.office),
        )
    logger.info("partnership %s ended by office %s", locked.pk, membership.office_id)
    return locked


def partnership_for(*, office, sender_office_number: str, on: dt.date | None = None) -> Partnership | None:
    """The receiving side: the active partnership of ``office`` with the sending office, or ``None``."""
    office_id = getattr(office, "pk", office)
    with office_scope(office_id):
        return (
            Partnership.objects.active(on)
            .select_related("partner_office")
            .filter(office_id=office_id, partner_office_number=sender_office_number)
            .first()
        )
