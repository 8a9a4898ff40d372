"""Writes for offices and staff (HackSoft style: ``<entity>_<action>``, keyword-only).

Size: kept as one module (over ~400 lines) because the writes of the office and its staff, which sign-up,
invitations and verification change together.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.offices.models import (
    ClaimStatus,
    Membership,
    Office,
    OfficeNumberClaim,
    OfficeServiceKind,
    Role,
    StaffInvitation,
    VerificationAction,
    VerificationEvent,
    VerificationMethod,
    VerificationStatus,
)
from portal.offices.tenancy import office_scope

INVITATION_SALT = "renkei.staff-invitation"


@transaction.atomic
def office_register(
    *,
    user,
    office_number: str,
    name: str,
    address: str,
    phone: str,
    regional_grade: str,
    service_type_codes: list[str],
    postal_code: str = "",
    display_name: str = "",
) -> Office:
    """Register an office; the registering person becomes its admin."""
    try:
        with transaction.atomic():
            office = Office.objects.create(
                office_number=office_number,
                name=name,
                postal_code=postal_code,
                address=address,
                phone=phone,
                regional_grade=regional_grade,
            )
    except IntegrityError:
        raise ValidationError({"office_number": "この事業所番号はすでに登録されています。"})
    OfficeServiceKind.objects.bulk_create(
        [OfficeServiceKind(office=office, service_type_code=code) for code in sorted(set(service_type_codes))]
    )
    Membership.objects.create(office=office, user=user, role=Role.ADMIN, display_name=display_name)
    return office


def invitation_token(invitation: StaffInvitation) -> str:
    return signing.dumps({"o": invitation.office_id, "i": invitation.pk}, salt=INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> StaffInvitation | None:
    """Load an invitation from its link, inside the scope of its own office."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    office = Office.objects.filter(pk=data.get("o")).first()
    if office is None:
        return None
    with office_scope(office):
        return StaffInvitation.objects.select_related("office").filter(pk=data.get("i")).first()


def staff_invitation_create(*, office: Office, invited_by, email: str, role: str) -> StaffInvitation:
    email = email.strip().lower()
    if office.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": "この方はすでにこの事業所のメンバーです。"})
    if StaffInvitation.objects.filter(
        office=office,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError({"email": "このメールアドレスにはすでに有効な招待を送っています。"})
    invitation = StaffInvitation.objects.create(
        office=office,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + dt.timedelta(days=settings.RENKEI_INVITATION_DAYS),
    )
    link = settings.SITE_URL + reverse("offices:invitation", kwargs={"token": invitation_token(invitation)})
    body = render_to_string("offices/email/staff_invitation.txt", {"invitation": invitation, "link": link})
    transaction.on_commit(lambda: send_mail(f"[Renkei] {office.name}への招待", body, None, [email]))
    return invitation


class InvitationError(Exception):
    """Why an invitation cannot be used, in Japanese."""


def invitation_problem(*, invitation: StaffInvitation, user) -> str | None:
    """Why ``user`` cannot use ``invitation`` now (Japanese), or ``None``."""
    if invitation.accepted_at is not None:
        return "この招待リンクはすでに使われています。招待は1回だけ使えます。管理者に新しい招待を依頼してください。"
    if invitation.revoked_at is not None:
        return "この招待は管理者によって取り消されました。"
    if invitation.expires_at <= timezone.now():
        return "この招待リンクは有効期限が切れています。管理者に新しい招待を依頼してください。"
    if user.email.lower() != invitation.email.lower():
        return f"この招待は {invitation.email} 宛てです。そのメールアドレスでログインしてから、もう一度リンクを開いてください。"
    if Membership.objects.filter(office_id=invitation.office_id, user=user).exists():
        return "すでにこの事業所のメンバーです。"
    return None


def staff_invitation_accept(*, invitation: StaffInvitation, user, display_name: str = "") -> Membership:
    with transaction.atomic():
        with office_scope(invitation.office_id):
            locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        problem = invitation_problem(invitation=locked, user=user)
        if problem:
            raise InvitationError(problem)
        membership = Membership.objects.create(
            office_id=locked.office_id, user=user, role=locked.role, display_name=display_name
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def staff_invitation_revoke(*, invitation: StaffInvitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def _ensure_another_admin(membership: Membership) -> None:
    if (
        membership.role == Role.ADMIN
        and not membership.office.memberships.filter(role=Role.ADMIN).exclude(pk=membership.pk).exists()
    ):
        raise ValidationError("事業所には管理者が1人以上必要です。先に別のメンバーを管理者にしてください。")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role != Role.ADMIN:
        _ensure_another_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _ensure_another_admin(membership)
    membership.delete()


# --------------------------------------------------------------------------- 事業所の本人確認


class NotVerified(Exception):
    """The office has not been verified by the operator yet (Japanese message)."""


NOT_VERIFIED_MESSAGE = (
    "この事業所はまだ本人確認（運営者による事業所の確認）が済んでいないため、データ連携（送信・受信・連携先の招待）はできません。"
    "「事業所の本人確認」から指定通知書を提出してください。利用者や計画書の準備はそのまま進められます。"
)


def assert_office_verified(office) -> None:
    """Raise :class:`NotVerified` unless the operator has verified ``office``."""
    if not office.is_verified:
        raise NotVerified(NOT_VERIFIED_MESSAGE)


def verified_office_by_number(number: str) -> Office | None:
    """The office holding ``number`` that partners may see and invite (verified only)."""
    return Office.objects.filter(office_number=number, verification_status=VerificationStatus.VERIFIED).first()


def _event(*, office, actor, action, reason: str = "", claim=None) -> VerificationEvent:
    name = ""
    if actor is not None:
        name = ("運営者 " if actor.is_staff else "") + (actor.email or "")
    with office_scope(office):
        return VerificationEvent.objects.create(
            office=office, actor=actor, actor_name=name[:120], action=action, reason=reason, claim=claim
        )


def _operator_emails() -> list[str]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    )


def _admin_emails(office) -> list[str]:
    return [m.user.email for m in office.memberships.filter(role=Role.ADMIN).select_related("user") if m.user.email]


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    recipients = [r for r in recipients if r]
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


@transaction.atomic
def office_verification_request(*, office: Office, user, method: str, document=None, note: str = "") -> Office:
    """The office asks to be verified: with its 指定通知書, or by a check of the public register."""
    locked = Office.objects.select_for_update().get(pk=office.pk)
    if locked.is_verified:
        raise ValidationError("この事業所は本人確認済みです。")
    if method not in VerificationMethod.values:
        raise ValidationError({"method": "確認方法を選んでください。"})
    if method == VerificationMethod.DOCUMENT and document is None and not locked.verification_document:
        raise ValidationError({"document": "指定通知書（PDF・JPEG・PNG）を選んでください。"})
    if document is not None:
        locked.verification_document = document
    locked.verification_method = method
    locked.verification_note = note.strip()[:2000]
    locked.verification_status = VerificationStatus.PENDING
    locked.verification_requested_at = timezone.now()
    locked.verification_reason = ""
    locked.save()
    _event(office=locked, actor=user, action=VerificationAction.REQUESTED, reason=VerificationMethod(method).label)
    _mail(
        f"[Renkei] 事業所の本人確認の申請（{locked.office_number}）",
        f"事業所番号 {locked.office_number} の事業所から本人確認の申請がありました。\n"
        f"{settings.SITE_URL}{reverse('offices:operator_verifications')}\n",
        _operator_emails(),
    )
    return locked


@transaction.atomic
def office_verify(*, office: Office, operator) -> Office:
    """The operator approves the office; Renkei then issues its signing certificate."""
    locked = Office.objects.select_for_update().get(pk=office.pk)
    locked.verification_status = VerificationStatus.VERIFIED
    locked.verified_at = timezone.now()
    locked.verification_reason = ""
    locked.save(update_fields=["verification_status", "verified_at", "verification_reason"])
    _event(office=locked, actor=operator, action=VerificationAction.APPROVED)
    _mail(
        f"[Renkei] 事業所の本人確認が完了しました（{locked.name}）",
        f"{locked.name}（事業所番号 {locked.office_number}）の本人確認が完了しました。"
        "連携先の招待とデータ連携ができるようになりました。\n"
        f"{settings.SITE_URL}{reverse('dashboard')}\n",
        _admin_emails(locked),
    )
    from portal.offices.certificates import certificate_issue_if_needed

    with office_scope(locked):
        record = certificate_issue_if_needed(locked)
    if record is not None:
        _event(
            office=locked,
            actor=operator,
            action=VerificationAction.CERTIFICATE_ISSUED,
            reason=f"シリアル番号 {record.serial}",
        )
    return locked


@transaction.atomic
def office_verification_reject(*, office: Office, operator, reason: str) -> Office:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "確認できなかった理由を入力してください（事業所に表示されます）。"})
    locked = Office.objects.select_for_update().get(pk=office.pk)
    locked.verification_status = VerificationStatus.REJECTED
    locked.verification_reason = reason[:2000]
    locked.verified_at = None
    locked.save(update_fields=["verification_status", "verification_reason", "verified_at"])
    _event(office=locked, actor=operator, action=VerificationAction.REJECTED, reason=reason)
    _mail(
        f"[Renkei] 事業所の本人確認ができませんでした（{locked.name}）",
        f"{locked.name}（事業所番号 {locked.office_number}）の本人確認ができませんでした。\n理由: {reason}\n"
        f"{settings.SITE_URL}{reverse('offices:verification')}\n",
        _admin_emails(locked),
    )
    return locked


@transaction.atomic
def office_number_claim_create(
    *, user, office_number: str, claimant_office_name: str, claimant_name: str, phone: str, document, message: str = ""
) -> OfficeNumberClaim:
    """Someone says a registered 事業所番号 is theirs. The operator decides; the trail records it."""
    office = Office.objects.filter(office_number=(office_number or "").strip()).first()
    if office is None:
        raise ValidationError(
            {"office_number": "この事業所番号は Renkei に登録されていません。そのまま事業所を登録できます。"}
        )
    if office.memberships.filter(user=user).exists():
        raise ValidationError({"office_number": "あなたはこの事業所のメンバーです。"})
    if OfficeNumberClaim.objects.filter(office=office, claimant=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError(
            {"office_number": "この事業所番号への異議はすでに申し立て済みです（運営者が確認中です）。"}
        )
    claim = OfficeNumberClaim.objects.create(
        office=office,
        office_number=office.office_number,
        claimant=user,
        claimant_office_name=claimant_office_name.strip(),
        claimant_name=claimant_name.strip(),
        phone=phone.strip(),
        message=message.strip()[:2000],
        document=document,
    )
    _event(office=office, actor=None, action=VerificationAction.CONTESTED, reason=f"異議 #{claim.pk}", claim=claim)
    _mail(
        f"[Renkei] 事業所番号 {office.office_number} への異議の申立て",
        f"事業所番号 {office.office_number} について異議の申立てがありました。\n"
        f"{settings.SITE_URL}{reverse('offices:operator_verifications')}\n",
        _operator_emails(),
    )
    return claim


@transaction.atomic
def office_number_claim_decide(*, claim: OfficeNumberClaim, operator, uphold: bool, reason: str) -> OfficeNumberClaim:
    """Uphold: the office holding the number loses its verification (it can no longer exchange or be seen
    by partners, and its certificates stop); dismiss: nothing changes for it. Both are on its trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "判断の理由を入力してください。"})
    locked = OfficeNumberClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.PENDING:
        raise ValidationError("この異議はすでに判断済みです。")
    locked.status = ClaimStatus.UPHELD if uphold else ClaimStatus.DISMISSED
    locked.decided_at = timezone.now()
    locked.decided_by = operator
    locked.decision_reason = reason[:2000]
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    office = locked.office
    _event(
        office=office,
        actor=operator,
        claim=locked,
        reason=reason,
        action=VerificationAction.CONTEST_UPHELD if uphold else VerificationAction.CONTEST_DISMISSED,
    )
    if uphold:
        office_verification_reject(
            office=office,
            operator=operator,
            reason=f"事業所番号 {office.office_number} について、別の申立人の異議が認められました。{reason}",
        )
        from portal.offices.certificates import certificates_deactivate

        with office_scope(office):
            certificates_deactivate(office)
    if locked.claimant and locked.claimant.email:
        _mail(
            f"[Renkei] 事業所番号 {locked.office_number} への異議について",
            f"申し立てていただいた異議を{'認めました' if uphold else '認めませんでした'}。\n理由: {reason}\n",
            [locked.claimant.email],
        )
    return locked


# --------------------------------------------------------------------------- 利用停止 (operator)

SUSPENDED_MESSAGE = (
    "この事業所は運営者により利用停止中です（理由：{reason}）。ケアプランデータの送信と受信は"
    "止まっています。データはそのまま保存されていて、閲覧・印刷・書き出しはできます。"
    "再開については運営者にお問い合わせください。"
)


class OfficeSuspended(Exception):
    """The office is suspended: sending and receiving stop. ``str(exc)`` says so in Japanese."""

    def __init__(self, office: Office):
        self.office = office
        super().__init__(SUSPENDED_MESSAGE.format(reason=office.suspension_reason))


def assert_not_suspended(office) -> None:
    """Raise ``OfficeSuspended`` when the office is suspended (reads the row, not a cached object)."""
    office_id = getattr(office, "pk", office)
    row = Office.objects.filter(pk=office_id).only("suspended_at", "suspension_reason", "name").first()
    if row is not None and row.is_suspended:
        raise OfficeSuspended(row)


@transaction.atomic
def office_suspend(*, office: Office, reason: str, by=None) -> Office:
    """利用停止: sending and receiving stop with a banner; the data stays. A reason is required."""
    from portal.offices.models import OfficeStatusChange

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "利用停止の理由を入力してください（事業所の画面に表示されます）。"})
    locked = Office.objects.select_for_update().get(pk=office.pk)
    if locked.is_suspended:
        raise ValidationError({"reason": "この事業所はすでに利用停止中です。"})
    locked.suspended_at, locked.suspension_reason = timezone.now(), reason
    locked.save(update_fields=["suspended_at", "suspension_reason"])
    OfficeStatusChange.objects.create(office=locked, action=OfficeStatusChange.Action.SUSPEND, reason=reason, by=by)
    return locked


@transaction.atomic
def office_resume(*, office: Office, reason: str, by=None) -> Office:
    """利用再開: sending and receiving start again; whatever waited in the outbox goes out."""
    from portal.offices.models import OfficeStatusChange

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "利用を再開する理由を入力してください。"})
    locked = Office.objects.select_for_update().get(pk=office.pk)
    if not locked.is_suspended:
        raise ValidationError({"reason": "この事業所は利用停止中ではありません。"})
    locked.suspended_at, locked.suspension_reason = None, ""
    locked.save(update_fields=["suspended_at", "suspension_reason"])
    OfficeStatusChange.objects.create(office=locked, action=OfficeStatusChange.Action.RESUME, reason=reason, by=by)
    return locked


# --------------------------------------------------------------------------- retention (operator)


def retention_until(office: Office):
    """The last day an ended contract's records must be kept (None while the contract runs)."""
    if office.contract_ended_on is None:
        return None
    from portal.billing.services import add_years

    return add_years(office.contract_ended_on, office.retention_years)


def offices_due_for_deletion(on=None) -> list[Office]:
    """Offices whose contract ended and whose retention period is over (the operator confirms each)."""
    on = on or timezone.localdate()
    return [
        o
        for o in Office.objects.filter(contract_ended_on__isnull=False).order_by("contract_ended_on")
        if retention_until(o) < on
    ]


def office_contract_end(*, office: Office, ended_on, by=None) -> Office:
    """Record the end of an office's contract: its retention period starts that day."""
    Office.objects.filter(pk=office.pk).update(contract_ended_on=ended_on)
    office.contract_ended_on = ended_on
    return office


@transaction.atomic
def office_delete_after_retention(*, office: Office, confirm_number: str, by=None, on=None) -> None:
    """Delete everything of an office whose retention period is over, with the operator's confirmation
    (they type the 事業所番号). The office must be suspended (so nothing is sent meanwhile). Its files
    (batch PDFs, exports, consent scans) go with it; a row without personal data records the deletion."""
    import shutil
    from pathlib import Path

    from portal.offices.models import OfficeDeletion

    on = on or timezone.localdate()
    until = retention_until(office)
    if until is None:
        raise ValidationError({"confirm_number": "契約終了日が記録されていない事業所は削除できません。"})
    if until >= on:
        raise ValidationError(
            {"confirm_number": f"保存期間（{until:%Y-%m-%d}まで）が終わっていないため削除できません。"}
        )
    if not office.is_suspended:
        raise ValidationError({"confirm_number": "先に利用停止にしてください（削除の前に送受信を止めます）。"})
    if (confirm_number or "").strip() != office.office_number:
        raise ValidationError({"confirm_number": "確認のため、削除する事業所の事業所番号（10桁）を入力してください。"})
    OfficeDeletion.objects.create(
        office_number=office.office_number, contract_ended_on=office.contract_ended_on, deleted_by=by
    )
    office_id = office.pk
    with office_scope(office):
        office.delete()
    media = Path(settings.MEDIA_ROOT)
    for folder in ("documents", "exports", "private/consents"):
        transaction.on_commit(lambda p=media / folder / str(office_id): shutil.rmtree(p, ignore_errors=True))
