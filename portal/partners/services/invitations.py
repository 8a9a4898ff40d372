"""Partner invitations between offices: create, check, accept, decline, cancel."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.core.codes import SERVICE_KINDS
from portal.core.validators import validate_office_number
from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scope
from portal.partners.models import AuditAction, InvitationStatus, PartnerInvitation, Partnership, kinds_label

from .audit import _audit, _partner_side_actor, audit_record
from .notify import _admin_emails, _send, _url

logger = logging.getLogger("portal.partners.services")  # one logger for the package, as before the split

# --------------------------------------------------------------------------- invitations


class PartnerInvitationError(Exception):
    """Why an invitation cannot be answered now, in Japanese."""


def provider_side(*, inviter: Office, invitee: Office | None) -> Office | None:
    """The office whose service kinds a partnership covers (the service provider's)."""
    return inviter if not inviter.is_care_management else invitee


def kind_choices(*, inviter: Office, invitee: Office | None) -> list[str]:
    side = provider_side(inviter=inviter, invitee=invitee)
    if side is None:
        return list(SERVICE_KINDS)
    return side.service_type_codes


def _validate_kinds(codes: list[str], allowed: list[str], owner: Office | None) -> list[str]:
    codes = sorted(set(codes))
    if not codes:
        raise ValidationError({"service_type_codes": "連携の対象にするサービス種類を1つ以上選んでください。"})
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        who = f"{owner.name}" if owner else "この事業所"
        raise ValidationError(
            {
                "service_type_codes": (
                    f"{kinds_label(unknown)}は{who}のサービス種類ではありません。"
                    f"{who}のサービス種類: {kinds_label(allowed) or 'なし'}"
                )
            }
        )
    return codes


def _duplicate_problem(*, office: Office, number: str) -> str | None:
    partnership = Partnership.objects.filter(
        office=office, partner_office_number=number, ended_at__isnull=True, is_external=False
    ).first()
    if partnership:
        return (
            f"{partnership.display_name}（{number}）とはすでに連携しています"
            f"（連携開始日 {wareki_date(partnership.started_on)}）。"
        )
    now = timezone.now()
    pending = PartnerInvitation.objects.filter(status=InvitationStatus.PENDING, expires_at__gt=now)
    if pending.filter(office=office, invitee_office_number=number).exists():
        return f"事業所番号 {number} にはすでに招待を送っています（承認待ち）。相手の回答を待つか、送った招待を取り消してから送り直してください。"
    if pending.filter(office__office_number=number, invitee_office_number=office.office_number).exists():
        return f"事業所番号 {number} の事業所からあなたの事業所に招待が届いています。「連携先」の「受け取った招待」から承認してください。"
    return None


@transaction.atomic
def partner_invitation_create(
    *,
    office: Office,
    membership: Membership,
    invitee_office_number: str,
    service_type_codes: list[str],
    invitee_email: str = "",
    invitee_name: str = "",
    message: str = "",
) -> PartnerInvitation:
    """Office A invites office B (by 事業所番号); B's admins (or ``invitee_email``) are told by email."""
    from portal.offices.services import NOT_VERIFIED_MESSAGE

    if not office.is_verified:
        raise ValidationError(NOT_VERIFIED_MESSAGE)
    number = (invitee_office_number or "").strip()
    try:
        validate_office_number(number)
    except ValidationError as error:
        raise ValidationError({"invitee_office_number": error.messages})
    if number == office.office_number:
        raise ValidationError(
            {"invitee_office_number": "自分の事業所は招待できません。連携したい相手の事業所番号を入力してください。"}
        )
    problem = _duplicate_problem(office=office, number=number)
    if problem:
        raise ValidationError({"invitee_office_number": problem})
    invitee = (
        Office.objects.filter(verification_status="verified", office_number=number)
        .prefetch_related("service_kinds")
        .first()
    )
    invitee_email = (invitee_email or "").strip().lower()
    if invitee is None and not invitee_email:
        raise ValidationError(
            {
                "invitee_email": (
                    f"事業所番号 {number} の事業所はまだ Renkei に登録されていません。"
                    "招待メールを送る相手の事業所のメールアドレスを入力してください。"
                )
            }
        )
    codes = _validate_kinds(
        service_type_codes,
        kind_choices(inviter=office, invitee=invitee),
        provider_side(inviter=office, invitee=invitee),
    )
    if invitee_email:
        _check_email_invitation_rate(office)
    invitation = PartnerInvitation.objects.create(
        office=office,
        invited_by=membership.user,
        invited_by_name=membership.name,
        invitee_office_number=number,
        invitee_name=invitee.name if invitee else invitee_name.strip(),
        invitee_email=invitee_email,
        service_type_codes=codes,
        message=message.strip(),
        expires_at=timezone.now() + dt.timedelta(days=settings.RENKEI_PARTNER_INVITATION_DAYS),
    )
    audit_record(
        office=office,
        actor=membership,
        action=AuditAction.PARTNERSHIP_INVITED,
        partner_office_number=number,
        detail={"invitation_id": invitation.pk},
    )
    context = {
        "invitation": invitation,
        "inviter": office,
        "invitee": invitee,
        "link": _url("partners:invitation_detail", partner_invitation_id=invitation.pk),
        "signup_link": _url("account_signup"),
        "register_link": _url("offices:register"),
    }
    subject = f"{office.name}から連携の招待が届いています"
    if invitee is None:
        # An arbitrary address: fixed wording only (no office name, name or message typed by the
        # inviter), so that Renkei cannot be used to send someone else's text to anyone.
        subject = f"連携の招待が届いています（事業所番号 {office.office_number}）"
    if invitee is not None:
        _audit(
            office_id=invitee.pk,
            actor_id=None,
            actor_name=_partner_side_actor(office),
            action=AuditAction.PARTNERSHIP_INVITED,
            partner_office_number=office.office_number,
            detail={"invitation_id": invitation.pk, "received": True},
        )
        _send(
            subject=subject,
            template="partners/email/invitation_received.txt",
            context=context,
            recipients=_admin_emails(invitee),
        )  # never an address the inviter typed (see below)
    else:
        _send(
            subject=subject,
            template="partners/email/invitation_signup.txt",
            context=context,
            recipients=[invitee_email],
        )
    logger.info("partner invitation %s created by office %s", invitation.pk, office.pk)
    return invitation


def _check_email_invitation_rate(office: Office) -> None:
    """Invitations mailed to addresses typed by the inviter: at most N per office per day."""
    limit = int(settings.RENKEI_PARTNER_EMAIL_INVITATIONS_PER_DAY)
    since = timezone.now() - dt.timedelta(days=1)
    sent = PartnerInvitation.objects.filter(office=office, created_at__gte=since).exclude(invitee_email="").count()
    if sent >= limit:
        raise ValidationError(
            {
                "invitee_email": (
                    f"メールアドレス宛ての招待は1日に{limit}件までです（この24時間に{sent}件送りました）。"
                    "明日以降にもう一度お試しください。"
                )
            }
        )


def partner_invitation_problem(*, invitation: PartnerInvitation, office: Office) -> str | None:
    """Why ``office`` cannot answer ``invitation`` now (Japanese), or ``None``."""
    if invitation.invitee_office_number != office.office_number:
        return "この招待はあなたの事業所宛てではありません。"
    if not office.is_verified:
        return (
            "この事業所はまだ本人確認が済んでいないため、事業所番号宛ての招待を受けられません。"
            "「事業所の本人確認」から申請してください。"
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        return f"この招待はすでに承認されています（{wareki_date(timezone.localdate(invitation.responded_at))}）。"
    if invitation.status == InvitationStatus.DECLINED:
        return "この招待はすでに辞退されています。連携する場合は相手の事業所に新しい招待を依頼してください。"
    if invitation.status == InvitationStatus.CANCELLED:
        return "この招待は招待した事業所によって取り消されました。"
    if invitation.expires_at <= timezone.now():
        return (
            f"この招待は有効期限（{wareki_date(timezone.localdate(invitation.expires_at))}）が切れています。"
            "相手の事業所に新しい招待を依頼してください。"
        )
    return None


def _lock_for_answer(*, invitation: PartnerInvitation, membership: Membership) -> PartnerInvitation:
    if not membership.is_admin:
        raise PartnerInvitationError(
            "連携の招待に回答（承認・辞退）できるのは事業所の管理者だけです。管理者に依頼してください。"
        )
    locked = PartnerInvitation.objects.select_for_update().select_related("office").get(pk=invitation.pk)
    problem = partner_invitation_problem(invitation=locked, office=membership.office)
    if problem:
        raise PartnerInvitationError(problem)
    return locked


def accept_kind_choices(*, invitation: PartnerInvitation, office: Office) -> list[str]:
    """The kinds the invitee may confirm: the invitation's, narrowed to the provider side's kinds."""
    side = provider_side(inviter=invitation.office, invitee=office)
    if side is None or side.pk == invitation.office_id:
        return list(invitation.service_type_codes)
    own = set(side.service_type_codes)
    return [code for code in invitation.service_type_codes if code in own]


def partnership_pair_create(
    *,
    inviter: Office,
    invitee: Office,
    service_type_codes: list[str],
    invitation: PartnerInvitation | None,
    started_on: dt.date,
    now: dt.datetime | None = None,
) -> tuple[Partnership, Partnership]:
    """Both sides' rows of a new Renkei partnership, linked by ``counterpart``.

    An active external partnership the inviter had recorded for the invitee's 事業所番号 becomes
    the inviter's side (its consents carry on). Callers check that no active partnership exists.
    """
    now = now or timezone.now()
    codes = list(service_type_codes)
    with office_scope(inviter):
        inviter_side = (
            Partnership.objects.select_for_update()
            .filter(office=inviter, partner_office_number=invitee.office_number, ended_at__isnull=True)
            .first()
        )
        if inviter_side is None:
            inviter_side = Partnership.objects.create(
                office=inviter,
                partner_office=invitee,
                partner_office_number=invitee.office_number,
                partner_name=invitee.name,
                service_type_codes=codes,
                invitation=invitation,
                started_on=started_on,
                created_at=now,
            )
        else:
            was_external = inviter_side.is_external
            inviter_side.partner_office = invitee
            inviter_side.partner_name = invitee.name
            inviter_side.is_external = False
            inviter_side.service_type_codes = codes
            inviter_side.invitation = invitation
            inviter_side.save(
                update_fields=["partner_office", "partner_name", "is_external", "service_type_codes", "invitation"]
            )
            if was_external:  # a partner on no system (files, or 提供票 by link) moves to Renkei
                from portal.paperlinks.join import record_move

                record_move(partnership=inviter_side, invitee=invitee)
    with office_scope(invitee):
        invitee_side = Partnership.objects.create(
            office=invitee,
            partner_office=inviter,
            partner_office_number=inviter.office_number,
            partner_name=inviter.name,
            service_type_codes=codes,
            invitation=invitation,
            started_on=started_on,
            created_at=now,
            counterpart=inviter_side,
        )
    inviter_side.counterpart = invitee_side
    inviter_side.save(update_fields=["counterpart"])
    return inviter_side, invitee_side


@transaction.atomic
def partner_invitation_accept(
    *, invitation: PartnerInvitation, membership: Membership, service_type_codes: list[str] | None = None
) -> Partnership:
    """Office B's admin accepts: both sides get their ``Partnership`` row; returns B's side."""
    office = membership.office
    locked = _lock_for_answer(invitation=invitation, membership=membership)
    inviter = locked.office
    allowed = accept_kind_choices(invitation=locked, office=office)
    if not allowed:
        raise PartnerInvitationError(
            f"招待のサービス種類（{locked.kinds_label}）があなたの事業所のサービス種類に含まれていません。"
            "事業所設定のサービス種類を確認するか、相手の事業所に招待の送り直しを依頼してください。"
        )
    codes = allowed if service_type_codes is None else _validate_kinds(service_type_codes, allowed, office)
    if Partnership.objects.filter(
        office=office, partner_office_number=inviter.office_number, ended_at__isnull=True
    ).exists():
        raise PartnerInvitationError(f"{inviter.name}とはすでに連携しています。")
    now = timezone.now()
    inviter_side, own_side = partnership_pair_create(
        inviter=inviter,
        invitee=office,
        service_type_codes=codes,
        invitation=locked,
        started_on=timezone.localdate(),
        now=now,
    )
    locked.status = InvitationStatus.ACCEPTED
    locked.responded_at = now
    locked.responded_by = membership.user
    locked.invitee_office = office
    locked.save(update_fields=["status", "responded_at", "responded_by", "invitee_office"])
    detail = {"invitation_id": locked.pk, "service_type_codes": codes}
    audit_record(
        office=office,
        actor=membership,
        action=AuditAction.PARTNERSHIP_ACCEPTED,
        partner_office_number=inviter.office_number,
        detail={**detail, "partnership_id": own_side.pk},
    )
    _audit(
        office_id=inviter.pk,
        actor_id=None,
        actor_name=_partner_side_actor(office),
        action=AuditAction.PARTNERSHIP_ACCEPTED,
        partner_office_number=office.office_number,
        detail={**detail, "partnership_id": inviter_side.pk},
    )
    _send(
        subject=f"{office.name}が連携の招待を承認しました",
        template="partners/email/invitation_accepted.txt",
        context={
            "invitation": locked,
            "inviter": inviter,
            "invitee": office,
            "codes_label": kinds_label(codes),
            "link": _url("partners:detail", partnership_id=inviter_side.pk),
        },
        recipients=_admin_emails(inviter),
    )
    logger.info("partner invitation %s accepted: partnerships %s/%s", locked.pk, inviter_side.pk, own_side.pk)
    return own_side


@transaction.atomic
def partner_invitation_decline(
    *, invitation: PartnerInvitation, membership: Membership, reason: str = ""
) -> PartnerInvitation:
    office = membership.office
    locked = _lock_for_answer(invitation=invitation, membership=membership)
    locked.status = InvitationStatus.DECLINED
    locked.responded_at = timezone.now()
    locked.responded_by = membership.user
    locked.invitee_office = office
    locked.decline_reason = reason.strip()[:200]
    locked.save(update_fields=["status", "responded_at", "responded_by", "invitee_office", "decline_reason"])
    inviter = locked.office
    audit_record(
        office=office,
        actor=membership,
        action=AuditAction.PARTNERSHIP_DECLINED,
        partner_office_number=inviter.office_number,
        detail={"invitation_id": locked.pk},
    )
    _audit(
        office_id=inviter.pk,
        actor_id=None,
        actor_name=_partner_side_actor(office),
        action=AuditAction.PARTNERSHIP_DECLINED,
        partner_office_number=office.office_number,
        detail={"invitation_id": locked.pk},
    )
    _send(
        subject=f"{office.name}が連携の招待を辞退しました",
        template="partners/email/invitation_declined.txt",
        context={
            "invitation": locked,
            "inviter": inviter,
            "invitee": office,
            "link": _url("partners:invitation_detail", partner_invitation_id=locked.pk),
        },
        recipients=_admin_emails(inviter),
    )
    logger.info("partner invitation %s declined", locked.pk)
    return locked


@transaction.atomic
def partner_invitation_cancel(*, invitation: PartnerInvitation, membership: Membership) -> PartnerInvitation:
    """The inviting office withdraws an invitation that has not been answered."""
    locked = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.office_id != membership.office_id:
        raise PartnerInvitationError("取り消せるのは、あなたの事業所が送った招待だけです。")
    if locked.status != InvitationStatus.PENDING:
        raise PartnerInvitationError(f"この招待はすでに「{locked.get_status_display()}」のため取り消せません。")
    locked.status = InvitationStatus.CANCELLED
    locked.responded_at = timezone.now()
    locked.responded_by = membership.user
    locked.save(update_fields=["status", "responded_at", "responded_by"])
    audit_record(
        office=membership.office,
        actor=membership,
        action=AuditAction.PARTNERSHIP_INVITATION_CANCELLED,
        partner_office_number=locked.invitee_office_number,
        detail={"invitation_id": locked.pk},
    )
    return locked
