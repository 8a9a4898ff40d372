"""Writes and checks for partners, consent and the audit trail.

Interfaces other apps call (keep the names):

- ``assert_can_share(*, office, client, recipient_office_number, scope, on=None, service_type_code=None)``
  → the active ``Partnership``, or raises ``SharingNotAllowed`` (Japanese message naming the
  利用者, the partner and why). The single enforcement point for every send path.
- ``sharing_refusals(...)``: the same check for many 利用者 at once (two queries).
- ``partnership_for(*, office, sender_office_number)`` → the active ``Partnership`` or ``None``;
  the receiving side uses it to accept or refuse a package.
- ``audit_record(*, office, actor, action, client=None, partner_office_number="", detail=None)``
  → ``AuditEvent`` (append-only). ``detail`` holds ids and codes only.

Exception messages name the 利用者: show them to the user, never write them to a log
(log ``exc.reason`` and the ids on the exception instead).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.core.codes import SERVICE_KINDS, service_kind_name
from portal.core.validators import validate_office_number
from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office, Role
from portal.offices.tenancy import office_scope
from portal.partners.models import (
    AuditAction,
    AuditEvent,
    AuditEventClient,
    Consent,
    ConsentScope,
    InvitationStatus,
    PartnerInvitation,
    Partnership,
    kinds_label,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- audit


def _actor(office_id: int, actor) -> tuple[int | None, str]:
    """(user id, display name) of whoever acted: a Membership, a User, or None (the system)."""
    if actor is None:
        return None, "システム"
    if isinstance(actor, Membership):
        return actor.user_id, actor.name
    membership = Membership.objects.filter(office_id=office_id, user=actor).first()
    return actor.pk, membership.name if membership else actor.email


_DETAIL_SCALARS = (str, int, float, bool, type(None))


def _clean_detail(detail: dict | None) -> dict:
    """Ids, codes and counts only: flat values, short strings."""
    detail = dict(detail or {})
    for key, value in detail.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if not isinstance(key, str) or not all(isinstance(v, _DETAIL_SCALARS) for v in values):
            raise ValueError(f"audit detail {key!r}: only ids, codes and counts (str/int/bool, or lists of them)")
        if any(isinstance(v, str) and len(v) > 200 for v in values):
            raise ValueError(f"audit detail {key!r}: strings longer than 200 characters are not allowed")
    return detail


def audit_record(*, office, actor, action: str, client=None, clients=(), partner_office_number: str = "",
                 detail: dict | None = None, actor_name: str = "") -> AuditEvent:
    """Append one event to ``office``'s audit trail.

    ``office`` an Office (or its id); ``actor`` a Membership, a User or ``None`` for the
    system (a worker) — ``actor_name`` then names who acted without an account (e.g. a partner
    through a link); ``client`` a Client (or its id) or ``None``; ``clients`` every 利用者
    (Clients or ids) a batch event concerns — each is recorded as a relation so the trail can be
    followed per 利用者; ``action`` one of ``AuditAction``; ``detail`` ids and codes only
    (e.g. ``{"package_id": 12}``).
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action: {action!r}")
    office_id = getattr(office, "pk", office)
    actor_id, default_name = _actor(office_id, actor)
    actor_name = actor_name if actor is None and actor_name else default_name
    client_ids = list(dict.fromkeys(getattr(c, "pk", c) for c in clients if c is not None))
    if client is None and len(client_ids) == 1:
        client = client_ids[0]
    client_id = getattr(client, "pk", client)
    if client_id is not None and client_id not in client_ids:
        client_ids.insert(0, client_id)
    event = _audit(office_id=office_id, actor_id=actor_id, actor_name=actor_name, action=action,
                   client_id=client_id, partner_office_number=partner_office_number,
                   detail=_clean_detail(detail))
    if client_ids:
        AuditEventClient.objects.bulk_create(
            [AuditEventClient(office_id=office_id, event=event, client_id=cid) for cid in client_ids])
    return event


def _audit(*, office_id, actor_id, actor_name, action, client_id=None, partner_office_number="", detail=None):
    event = AuditEvent.objects.create(
        office_id=office_id, actor_id=actor_id, actor_name=actor_name[:120], action=action, client_id=client_id,
        partner_office_number=partner_office_number or "", detail=detail or {},
    )
    logger.info("audit office=%s action=%s event=%s", office_id, action, event.pk)
    return event


def _partner_side_actor(office: Office) -> str:
    return f"連携先（{office.name}）"


# --------------------------------------------------------------------------- notifications


def _admin_emails(office: Office) -> list[str]:
    return list(
        Membership.objects.filter(office=office, role=Role.ADMIN).order_by("joined_at").values_list("user__email", flat=True)
    )


def _send(*, subject: str, template: str, context: dict, recipients: Iterable[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    body = render_to_string(template, context)
    transaction.on_commit(lambda: send_mail(f"[Renkei] {subject}", body, None, recipients))


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


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
        raise ValidationError({"service_type_codes": (
            f"{kinds_label(unknown)}は{who}のサービス種類ではありません。"
            f"{who}のサービス種類: {kinds_label(allowed) or 'なし'}"
        )})
    return codes


def _duplicate_problem(*, office: Office, number: str) -> str | None:
    partnership = Partnership.objects.filter(office=office, partner_office_number=number, ended_at__isnull=True,
                                             is_external=False).first()
    if partnership:
        return (f"{partnership.display_name}（{number}）とはすでに連携しています"
                f"（連携開始日 {wareki_date(partnership.started_on)}）。")
    now = timezone.now()
    pending = PartnerInvitation.objects.filter(status=InvitationStatus.PENDING, expires_at__gt=now)
    if pending.filter(office=office, invitee_office_number=number).exists():
        return f"事業所番号 {number} にはすでに招待を送っています（承認待ち）。相手の回答を待つか、送った招待を取り消してから送り直してください。"
    if pending.filter(office__office_number=number, invitee_office_number=office.office_number).exists():
        return f"事業所番号 {number} の事業所からあなたの事業所に招待が届いています。「連携先」の「受け取った招待」から承認してください。"
    return None


@transaction.atomic
def partner_invitation_create(*, office: Office, membership: Membership, invitee_office_number: str,
                              service_type_codes: list[str], invitee_email: str = "", invitee_name: str = "",
                              message: str = "") -> PartnerInvitation:
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
        raise ValidationError({"invitee_office_number": "自分の事業所は招待できません。連携したい相手の事業所番号を入力してください。"})
    problem = _duplicate_problem(office=office, number=number)
    if problem:
        raise ValidationError({"invitee_office_number": problem})
    invitee = Office.objects.filter(verification_status="verified", office_number=number).prefetch_related("service_kinds").first()
    invitee_email = (invitee_email or "").strip().lower()
    if invitee is None and not invitee_email:
        raise ValidationError({"invitee_email": (
            f"事業所番号 {number} の事業所はまだ Renkei に登録されていません。"
            "招待メールを送る相手の事業所のメールアドレスを入力してください。"
        )})
    codes = _validate_kinds(service_type_codes, kind_choices(inviter=office, invitee=invitee),
                            provider_side(inviter=office, invitee=invitee))
    if invitee_email:
        _check_email_invitation_rate(office)
    invitation = PartnerInvitation.objects.create(
        office=office, invited_by=membership.user, invited_by_name=membership.name,
        invitee_office_number=number, invitee_name=invitee.name if invitee else invitee_name.strip(),
        invitee_email=invitee_email, service_type_codes=codes, message=message.strip(),
        expires_at=timezone.now() + dt.timedelta(days=settings.RENKEI_PARTNER_INVITATION_DAYS),
    )
    audit_record(office=office, actor=membership, action=AuditAction.PARTNERSHIP_INVITED,
                 partner_office_number=number, detail={"invitation_id": invitation.pk})
    context = {"invitation": invitation, "inviter": office, "invitee": invitee,
               "link": _url("partners:invitation_detail", partner_invitation_id=invitation.pk),
               "signup_link": _url("account_signup"), "register_link": _url("offices:register")}
    subject = f"{office.name}から連携の招待が届いています"
    if invitee is None:
        # An arbitrary address: fixed wording only (no office name, name or message typed by the
        # inviter), so that Renkei cannot be used to send someone else's text to anyone.
        subject = f"連携の招待が届いています（事業所番号 {office.office_number}）"
    if invitee is not None:
        _audit(office_id=invitee.pk, actor_id=None, actor_name=_partner_side_actor(office),
               action=AuditAction.PARTNERSHIP_INVITED, partner_office_number=office.office_number,
               detail={"invitation_id": invitation.pk, "received": True})
        _send(subject=subject, template="partners/email/invitation_received.txt", context=context,
              recipients=_admin_emails(invitee))  # never an address the inviter typed (see below)
    else:
        _send(subject=subject, template="partners/email/invitation_signup.txt", context=context,
              recipients=[invitee_email])
    logger.info("partner invitation %s created by office %s", invitation.pk, office.pk)
    return invitation


def _check_email_invitation_rate(office: Office) -> None:
    """Invitations mailed to addresses typed by the inviter: at most N per office per day."""
    limit = int(settings.RENKEI_PARTNER_EMAIL_INVITATIONS_PER_DAY)
    since = timezone.now() - dt.timedelta(days=1)
    sent = PartnerInvitation.objects.filter(office=office, created_at__gte=since).exclude(invitee_email="").count()
    if sent >= limit:
        raise ValidationError({"invitee_email": (
            f"メールアドレス宛ての招待は1日に{limit}件までです（この24時間に{sent}件送りました）。"
            "明日以降にもう一度お試しください。"
        )})


def partner_invitation_problem(*, invitation: PartnerInvitation, office: Office) -> str | None:
    """Why ``office`` cannot answer ``invitation`` now (Japanese), or ``None``."""
    if invitation.invitee_office_number != office.office_number:
        return "この招待はあなたの事業所宛てではありません。"
    if not office.is_verified:
        return ("この事業所はまだ本人確認が済んでいないため、事業所番号宛ての招待を受けられません。"
                "「事業所の本人確認」から申請してください。")
    if invitation.status == InvitationStatus.ACCEPTED:
        return f"この招待はすでに承認されています（{wareki_date(timezone.localdate(invitation.responded_at))}）。"
    if invitation.status == InvitationStatus.DECLINED:
        return "この招待はすでに辞退されています。連携する場合は相手の事業所に新しい招待を依頼してください。"
    if invitation.status == InvitationStatus.CANCELLED:
        return "この招待は招待した事業所によって取り消されました。"
    if invitation.expires_at <= timezone.now():
        return (f"この招待は有効期限（{wareki_date(timezone.localdate(invitation.expires_at))}）が切れています。"
                "相手の事業所に新しい招待を依頼してください。")
    return None


def _lock_for_answer(*, invitation: PartnerInvitation, membership: Membership) -> PartnerInvitation:
    if not membership.is_admin:
        raise PartnerInvitationError("連携の招待に回答（承認・辞退）できるのは事業所の管理者だけです。管理者に依頼してください。")
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


def partnership_pair_create(*, inviter: Office, invitee: Office, service_type_codes: list[str],
                            invitation: PartnerInvitation | None, started_on: dt.date,
                            now: dt.datetime | None = None) -> tuple[Partnership, Partnership]:
    """Both sides' rows of a new Renkei partnership, linked by ``counterpart``.

    An active external partnership the inviter had recorded for the invitee's 事業所番号 becomes
    the inviter's side (its consents carry on). Callers check that no active partnership exists.
    """
    now = now or timezone.now()
    codes = list(service_type_codes)
    with office_scope(inviter):
        inviter_side = Partnership.objects.select_for_update().filter(
            office=inviter, partner_office_number=invitee.office_number, ended_at__isnull=True
        ).first()
        if inviter_side is None:
            inviter_side = Partnership.objects.create(
                office=inviter, partner_office=invitee, partner_office_number=invitee.office_number,
                partner_name=invitee.name, service_type_codes=codes, invitation=invitation, started_on=started_on,
                created_at=now,
            )
        else:
            was_external = inviter_side.is_external
            inviter_side.partner_office = invitee
            inviter_side.partner_name = invitee.name
            inviter_side.is_external = False
            inviter_side.service_type_codes = codes
            inviter_side.invitation = invitation
            inviter_side.save(update_fields=["partner_office", "partner_name", "is_external",
                                             "service_type_codes", "invitation"])
            if was_external:  # a partner on no system (files, or 提供票 by link) moves to Renkei
                from portal.paperlinks.join import record_move

                record_move(partnership=inviter_side, invitee=invitee)
    with office_scope(invitee):
        invitee_side = Partnership.objects.create(
            office=invitee, partner_office=inviter, partner_office_number=inviter.office_number,
            partner_name=inviter.name, service_type_codes=codes, invitation=invitation, started_on=started_on,
            created_at=now, counterpart=inviter_side,
        )
    inviter_side.counterpart = invitee_side
    inviter_side.save(update_fields=["counterpart"])
    return inviter_side, invitee_side


@transaction.atomic
def partner_invitation_accept(*, invitation: PartnerInvitation, membership: Membership,
                              service_type_codes: list[str] | None = None) -> Partnership:
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
    if Partnership.objects.filter(office=office, partner_office_number=inviter.office_number,
                                  ended_at__isnull=True).exists():
        raise PartnerInvitationError(f"{inviter.name}とはすでに連携しています。")
    now = timezone.now()
    inviter_side, own_side = partnership_pair_create(inviter=inviter, invitee=office, service_type_codes=codes,
                                                     invitation=locked, started_on=timezone.localdate(), now=now)
    locked.status = InvitationStatus.ACCEPTED
    locked.responded_at = now
    locked.responded_by = membership.user
    locked.invitee_office = office
    locked.save(update_fields=["status", "responded_at", "responded_by", "invitee_office"])
    detail = {"invitation_id": locked.pk, "service_type_codes": codes}
    audit_record(office=office, actor=membership, action=AuditAction.PARTNERSHIP_ACCEPTED,
                 partner_office_number=inviter.office_number, detail={**detail, "partnership_id": own_side.pk})
    _audit(office_id=inviter.pk, actor_id=None, actor_name=_partner_side_actor(office),
           action=AuditAction.PARTNERSHIP_ACCEPTED, partner_office_number=office.office_number,
           detail={**detail, "partnership_id": inviter_side.pk})
    _send(subject=f"{office.name}が連携の招待を承認しました", template="partners/email/invitation_accepted.txt",
          context={"invitation": locked, "inviter": inviter, "invitee": office, "codes_label": kinds_label(codes),
                   "link": _url("partners:detail", partnership_id=inviter_side.pk)},
          recipients=_admin_emails(inviter))
    logger.info("partner invitation %s accepted: partnerships %s/%s", locked.pk, inviter_side.pk, own_side.pk)
    return own_side


@transaction.atomic
def partner_invitation_decline(*, invitation: PartnerInvitation, membership: Membership,
                               reason: str = "") -> PartnerInvitation:
    office = membership.office
    locked = _lock_for_answer(invitation=invitation, membership=membership)
    locked.status = InvitationStatus.DECLINED
    locked.responded_at = timezone.now()
    locked.responded_by = membership.user
    locked.invitee_office = office
    locked.decline_reason = reason.strip()[:200]
    locked.save(update_fields=["status", "responded_at", "responded_by", "invitee_office", "decline_reason"])
    inviter = locked.office
    audit_record(office=office, actor=membership, action=AuditAction.PARTNERSHIP_DECLINED,
                 partner_office_number=inviter.office_number, detail={"invitation_id": locked.pk})
    _audit(office_id=inviter.pk, actor_id=None, actor_name=_partner_side_actor(office),
           action=AuditAction.PARTNERSHIP_DECLINED, partner_office_number=office.office_number,
           detail={"invitation_id": locked.pk})
    _send(subject=f"{office.name}が連携の招待を辞退しました", template="partners/email/invitation_declined.txt",
          context={"invitation": locked, "inviter": inviter, "invitee": office,
                   "link": _url("partners:invitation_detail", partner_invitation_id=locked.pk)},
          recipients=_admin_emails(inviter))
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
    audit_record(office=membership.office, actor=membership, action=AuditAction.PARTNERSHIP_INVITATION_CANCELLED,
                 partner_office_number=locked.invitee_office_number, detail={"invitation_id": locked.pk})
    return locked


# --------------------------------------------------------------------------- partnerships


@transaction.atomic
def partnership_external_create(*, office: Office, membership: Membership, partner_office_number: str,
                                partner_name: str, service_type_codes: list[str], note: str = "",
                                contact_email: str = "", paper_only: bool = False) -> Partnership:
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
        raise ValidationError({"partner_office_number": f"{existing.display_name}（{number}）はすでに連携先に登録されています。"})
    on_renkei = Office.objects.filter(verification_status="verified", office_number=number).first()
    if on_renkei is not None:
        raise ValidationError({"partner_office_number": (
            f"{on_renkei.name}（{number}）は Renkei に登録されています。外部の連携先ではなく「連携先を招待」から招待してください。"
        )})
    allowed = office.service_type_codes if not office.is_care_management else list(SERVICE_KINDS)
    codes = _validate_kinds(service_type_codes, allowed, office if not office.is_care_management else None)
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                office=office, partner_office_number=number, partner_name=partner_name.strip(), is_external=True,
                service_type_codes=codes, note=note.strip(), started_on=timezone.localdate(),
                contact_email=(contact_email or "").strip(), paper_only=bool(paper_only),
            )
    except IntegrityError:
        raise ValidationError({"partner_office_number": f"事業所番号 {number} はすでに連携先に登録されています。"})
    audit_record(office=office, actor=membership, action=AuditAction.PARTNERSHIP_EXTERNAL_ADDED,
                 partner_office_number=number, detail={"partnership_id": partnership.pk, "service_type_codes": codes})
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
    audit_record(office=locked.office_id, actor=membership, action=AuditAction.PARTNERSHIP_ENDED,
                 partner_office_number=locked.partner_office_number, detail={"partnership_id": locked.pk})
    if locked.counterpart_id:
        with office_scope(locked.partner_office_id):
            other = Partnership.objects.select_for_update().select_related("office").get(pk=locked.counterpart_id)
            if other.ended_at is None:
                other.ended_at, other.ended_on, other.ended_by_partner = now, today, True
                other.ended_by_name = _partner_side_actor(membership.office)
                other.end_reason = reason
                other.save(update_fields=["ended_at", "ended_on", "ended_by_partner", "ended_by_name", "end_reason"])
            _audit(office_id=other.office_id, actor_id=None, actor_name=_partner_side_actor(membership.office),
                   action=AuditAction.PARTNERSHIP_ENDED, partner_office_number=membership.office.office_number,
                   detail={"partnership_id": other.pk})
        _send(subject=f"{membership.office.name}との連携が終了しました", template="partners/email/partnership_ended.txt",
              context={"office": other.office, "partner": membership.office, "reason": reason, "ended_on": today,
                       "link": _url("partners:detail", partnership_id=other.pk)},
              recipients=_admin_emails(other.office))
    logger.info("partnership %s ended by office %s", locked.pk, membership.office_id)
    return locked


def partnership_for(*, office, sender_office_number: str, on: dt.date | None = None) -> Partnership | None:
    """The receiving side: the active partnership of ``office`` with the sending office, or ``None``."""
    office_id = getattr(office, "pk", office)
    with office_scope(office_id):
        return (Partnership.objects.active(on).select_related("partner_office")
                .filter(office_id=office_id, partner_office_number=sender_office_number).first())


# --------------------------------------------------------------------------- sharing (the enforcement point)


class SharingNotAllowed(Exception):
    """A 利用者's data may not go to that partner. ``str(exc)`` is the Japanese message (it names
    the 利用者: show it, do not log it); ``reason`` is a code safe to log:

    not_partner, partnership_ended, service_kind, other_office, no_consent, consent_not_yet,
    consent_revoked, consent_scope.
    """

    def __init__(self, message: str, *, reason: str, client_id=None, partner_office_number: str = ""):
        super().__init__(message)
        self.reason = reason
        self.client_id = client_id
        self.partner_office_number = partner_office_number


def _scope_label(scope: str) -> str:
    return ConsentScope(scope).label


def _partnership_for_sharing(office_id: int, number: str, on: dt.date) -> tuple[Partnership | None, Partnership | None]:
    """(the partnership active on ``on``, else the latest one) for a recipient 事業所番号."""
    rows = list(Partnership.objects.filter(office_id=office_id, partner_office_number=number)
                .select_related("partner_office").order_by("-started_on", "-pk"))
    active = next((p for p in rows if p.started_on <= on and (p.ended_on is None or on < p.ended_on)), None)
    return active, (rows[0] if rows else None)


def _refusal(*, client, partnership: Partnership | None, latest: Partnership | None, number: str, scope: str,
             consents: list[Consent], on: dt.date, office_id: int,
             service_type_code: str | None) -> SharingNotAllowed | None:
    def refuse(reason: str, why: str, partner_label: str | None = None) -> SharingNotAllowed:
        label = partner_label or (f"{(partnership or latest).display_name}（{number}）" if (partnership or latest)
                                  else f"事業所番号 {number}")
        return SharingNotAllowed(f"{client.full_name}さんの{_scope_label(scope)}を{label}に共有できません。{why}",
                                 reason=reason, client_id=client.pk, partner_office_number=number)

    if client.office_id != office_id:
        return refuse("other_office", "この利用者はあなたの事業所の利用者ではありません。")
    if partnership is None:
        if latest is not None and latest.ended_on is not None and latest.ended_on <= on:
            return refuse("partnership_ended", f"この事業所との連携は{wareki_date(latest.ended_on)}に終了しています。")
        return refuse("not_partner", "この事業所は連携先に登録されていません。「連携先」で招待するか、外部の連携先として登録してください。")
    if service_type_code and service_type_code not in partnership.service_type_codes:
        return refuse("service_kind", (
            f"この連携の対象サービス種類は{partnership.kinds_label}で、"
            f"{service_type_code} {service_kind_name(service_type_code)}は含まれていません。"
        ))
    mine = [c for c in consents if c.partnership_id == partnership.pk]
    active = [c for c in mine if c.is_active_on(on)]
    if active:
        if any(c.covers(scope) for c in active):
            return None
        return refuse("consent_scope", (
            f"利用者の同意の範囲（{'、'.join(c.scopes_label for c in active) or 'なし'}）に"
            f"{_scope_label(scope)}が含まれていません。"
        ))
    revoked = [c for c in mine if c.revoked_on is not None and c.revoked_on <= on]
    if revoked:
        last = max(revoked, key=lambda c: c.revoked_on)
        return refuse("consent_revoked", f"利用者の同意は{wareki_date(last.revoked_on)}に撤回されています。")
    future = [c for c in mine if c.obtained_on > on]
    if future:
        return refuse("consent_not_yet", f"利用者の同意日（{wareki_date(min(c.obtained_on for c in future))}）より前です。")
    return refuse("no_consent", "この連携先への共有について、利用者の同意が記録されていません。「同意」から記録してください。")


def assert_can_share(*, office, client, recipient_office_number: str, scope: str, on: dt.date | None = None,
                     service_type_code: str | None = None) -> Partnership:
    """The single enforcement point: may ``client``'s ``scope`` data go to the recipient on ``on``?

    Returns the active ``Partnership``; raises ``SharingNotAllowed`` when there is no partnership,
    it has ended, it does not cover ``service_type_code``, or the 利用者 has no active consent
    covering ``scope`` (none, revoked, not yet obtained, or a narrower scope).
    """
    if scope not in ConsentScope.values:
        raise ValueError(f"unknown consent scope: {scope!r}")
    office_id = getattr(office, "pk", office)
    on = on or timezone.localdate()
    with office_scope(office_id):
        partnership, latest = _partnership_for_sharing(office_id, recipient_office_number, on)
        consents = []
        if partnership is not None and client.office_id == office_id:
            consents = list(Consent.objects.filter(client_id=client.pk, partnership=partnership))
        refusal = _refusal(client=client, partnership=partnership, latest=latest, number=recipient_office_number,
                           scope=scope, consents=consents, on=on, office_id=office_id,
                           service_type_code=service_type_code)
    if refusal is not None:
        raise refusal
    return partnership


def sharing_refusals(*, office, clients, recipient_office_number: str, scope: str, on: dt.date | None = None,
                     service_type_code: str | None = None) -> dict[int, SharingNotAllowed]:
    """``assert_can_share`` for many 利用者 in two queries: {client id: refusal} for those refused."""
    if scope not in ConsentScope.values:
        raise ValueError(f"unknown consent scope: {scope!r}")
    office_id = getattr(office, "pk", office)
    on = on or timezone.localdate()
    clients = list(clients)
    with office_scope(office_id):
        partnership, latest = _partnership_for_sharing(office_id, recipient_office_number, on)
        by_client: dict[int, list[Consent]] = {}
        if partnership is not None:
            for consent in Consent.objects.filter(partnership=partnership, client_id__in=[c.pk for c in clients]):
                by_client.setdefault(consent.client_id, []).append(consent)
        refusals = {}
        for client in clients:
            refusal = _refusal(client=client, partnership=partnership, latest=latest, number=recipient_office_number,
                               scope=scope, consents=by_client.get(client.pk, []), on=on, office_id=office_id,
                               service_type_code=service_type_code)
            if refusal is not None:
                refusals[client.pk] = refusal
    return refusals


def client_sharing_status(*, client, on: dt.date | None = None) -> dict:
    """Per active partner of the client's office: may the client's data be shared today?

    Two queries (partnerships, the client's consents) plus one for the client's providers
    that are not partners yet.
    """
    on = on or timezone.localdate()
    partnerships = list(Partnership.objects.active(on).filter(office_id=client.office_id)
                        .select_related("partner_office").order_by("partner_name", "pk"))
    consents = list(Consent.objects.filter(client_id=client.pk, partnership__in=partnerships))
    rows = []
    for partnership in partnerships:
        mine = [c for c in consents if c.partnership_id == partnership.pk]
        active = [c for c in mine if c.is_active_on(on)]
        row = {"partnership": partnership, "allowed": bool(active), "consent": active[0] if active else None,
               "scopes_label": "、".join(c.scopes_label for c in active), "reason": ""}
        if not active:
            refusal = _refusal(client=client, partnership=partnership, latest=partnership,
                               number=partnership.partner_office_number, scope=ConsentScope.SCHEDULE,
                               consents=mine, on=on, office_id=client.office_id, service_type_code=None)
            row["reason"] = {
                "consent_revoked": "同意撤回",
                "consent_not_yet": "同意日前",
            }.get(refusal.reason, "同意なし") if refusal else ""
            row["consent"] = max(mine, key=lambda c: c.obtained_on) if mine else None
        rows.append(row)
    partnered = {p.partner_office_number for p in partnerships}
    unpartnered = []
    services = getattr(client, "services", None)
    if services is not None:
        seen = set()
        for service in services.all():
            number = service.provider_office_number
            if number not in partnered and number not in seen:
                seen.add(number)
                unpartnered.append({"office_number": number, "name": service.provider_name})
    return {"rows": rows, "unpartnered": unpartnered}


# --------------------------------------------------------------------------- consent


MAX_MB = 1024 * 1024


def consent_document_check(upload) -> str:
    """The content type of an uploaded consent scan (PDF or JPEG, by magic bytes), or ValidationError."""
    limit = settings.RENKEI_CONSENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"document": (
            f"ファイルが大きすぎます（{upload.size / MAX_MB:.1f}MB）。{limit / MAX_MB:.0f}MB以下のPDFかJPEGを選んでください。"
            "スキャナーの解像度を下げる（200dpi程度）と小さくなります。"
        )})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    raise ValidationError({"document": (
        f"「{upload.name}」はPDFでもJPEGでもありません。同意書のスキャンはPDFかJPEG（.jpg）で保存して選んでください。"
    )})


@transaction.atomic
def consent_record(*, office: Office, membership: Membership, client, partnership: Partnership,
                   obtained_on: dt.date, obtained_by: Membership | None, method: str, scopes: list[str],
                   document=None, note: str = "") -> Consent:
    """Record a 利用者's consent to share with one partner."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    # Re-read under a lock: a partnership ended a moment ago must not take new consents.
    partnership = Partnership.objects.select_for_update(of=("self",)).select_related("partner_office").get(pk=partnership.pk)
    if client.office_id != office.pk:
        errors.setdefault("client", []).append("この利用者はあなたの事業所の利用者ではありません。")
    if partnership.office_id != office.pk:
        errors.setdefault("partnership", []).append("この連携先はあなたの事業所の連携先ではありません。")
    elif partnership.ended_at is not None:
        errors.setdefault("partnership", []).append(
            f"{partnership.display_name}との連携は{wareki_date(partnership.ended_on)}に終了しているため、同意を記録できません。")
    if obtained_on > today:
        errors.setdefault("obtained_on", []).append(
            f"同意日に未来の日付（{wareki_date(obtained_on)}）は入力できません。今日は{wareki_date(today)}です。")
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
        current = (Consent.objects.select_for_update().filter(client_id=client.pk, partnership=partnership)
                   .filter(revoked_on__isnull=True).first())
        if current is not None:
            errors.setdefault("__all__", []).append(
                f"{client.full_name}さんには{partnership.display_name}への同意（同意日 {wareki_date(current.obtained_on)}、"
                f"範囲: {current.scopes_label}）がすでに記録されています。範囲を変えるときは、今の同意を撤回してから記録し直してください。")
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        office=office, client=client, partnership=partnership, obtained_on=obtained_on, obtained_by=obtained_by,
        obtained_by_name=obtained_by.name if obtained_by else "", method=method,
        scope_plan=ConsentScope.PLAN in scopes, scope_schedule=ConsentScope.SCHEDULE in scopes,
        scope_actual=ConsentScope.ACTUAL in scopes, note=note.strip(), recorded_by=membership.user,
    )
    if document:
        consent.document = document
        consent.document_type = content_type
        consent.document_size = document.size
    consent.save()
    audit_record(office=office, actor=membership, action=AuditAction.CONSENT_RECORDED, client=client,
                 partner_office_number=partnership.partner_office_number,
                 detail={"consent_id": consent.pk, "scopes": scopes, "obtained_on": obtained_on.isoformat(),
                         "method": method, "document": bool(document)})
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
            "同意日以降の日付を入力してください。")
    if revoked_on > today:
        errors.setdefault("revoked_on", []).append(
            f"撤回日に未来の日付（{wareki_date(revoked_on)}）は入力できません。撤回の申し出を受けた日を入力してください。")
    if not (reason or "").strip():
        errors.setdefault("revocation_reason", []).append("撤回の理由を入力してください（例: 利用者本人からの申し出）。")
    if errors:
        raise ValidationError(errors)
    locked.revoked_on = revoked_on
    locked.revocation_reason = reason.strip()[:200]
    locked.revoked_by_name = membership.name
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_on", "revocation_reason", "revoked_by_name", "revoked_at"])
    audit_record(office=locked.office_id, actor=membership, action=AuditAction.CONSENT_REVOKED,
                 client=locked.client_id, partner_office_number=locked.partnership.partner_office_number,
                 detail={"consent_id": locked.pk, "revoked_on": revoked_on.isoformat()})
    return locked
