"""「Renkei で受け取る」: a partner on no system asks, from its link page, to exchange on Renkei (issue 19 item 4).

The request becomes an ordinary 連携の招待 (``PartnerInvitation``) from the care office to the partner's
事業所番号, mailed to the address the partner gives. The partner then signs up, registers its office with
that 事業所番号 and is verified by the operator like any office; its admin accepts the invitation, and
``partnership_pair_create`` turns the care office's record of the paper partner into a normal partnership
(the same row: its consents, links and audit trail carry on). That move is recorded in the care office's
trail (``paper_partner_moved``). From then on the care office sends through Renkei — the consent rules
gate each send as before — and a link page takes no answer for a month sent that way.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scope
from portal.paperlinks.models import PaperLink
from portal.partners.models import AuditAction, InvitationStatus, PartnerInvitation
from portal.partners.services import audit_record

logger = logging.getLogger(__name__)


class JoinError(Exception):
    """Why the request cannot be made, in Japanese."""


def pending_invitation(link: PaperLink) -> PartnerInvitation | None:
    with office_scope(link.office_id):
        return (
            PartnerInvitation.objects.filter(
                office_id=link.office_id,
                status=InvitationStatus.PENDING,
                invitee_office_number=link.partner_office_number,
                expires_at__gt=timezone.now(),
            )
            .order_by("-created_at")
            .first()
        )


def moved(link: PaperLink) -> bool:
    """The care office now works with this partner on Renkei (the paper record became a partnership)."""
    return not link.partnership.is_external and link.partnership.partner_office_id is not None


def paper_link_join(*, link: PaperLink, email: str) -> PartnerInvitation:
    """The partner's 「Renkei で受け取る」: an invitation from the care office, mailed to ``email``."""
    from portal.paperlinks.services import partner_label

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise JoinError("招待を受け取るメールアドレスを、例: jimu@example.jp の形で入力してください。") from None
    if moved(link):
        raise JoinError(f"{link.office.name}とは、すでに Renkei で連携しています。")
    if not link.office.is_verified or not link.partnership.is_active:
        raise JoinError(f"いまは Renkei での受け取りを申し込めません。{link.office.name}にお問い合わせください。")
    existing = pending_invitation(link)
    if existing is not None:
        return existing
    partnership = link.partnership
    office = link.office
    registered = Office.objects.filter(verification_status="verified", office_number=link.partner_office_number).first()
    with office_scope(office.pk), transaction.atomic():
        invitation = PartnerInvitation.objects.create(
            office=office,
            invited_by=None,
            invited_by_name=f"{partner_label(partnership)}からの申込",
            invitee_office_number=link.partner_office_number,
            invitee_name=partnership.partner_name,
            invitee_email=email,
            service_type_codes=list(partnership.service_type_codes),
            expires_at=timezone.now() + dt.timedelta(days=max(settings.RENKEI_PARTNER_INVITATION_DAYS, 30)),
        )
        audit_record(
            office=office.pk,
            actor=None,
            actor_name=partner_label(partnership),
            action=AuditAction.PAPER_LINK_JOIN_REQUESTED,
            partner_office_number=link.partner_office_number,
            detail={"paper_link_id": link.pk, "invitation_id": invitation.pk, "partnership_id": partnership.pk},
        )
        body = render_to_string(
            "paperlinks/email/join.txt",
            {
                "care_office": office,
                "invitation": invitation,
                "registered": registered,
                "signup_link": settings.SITE_URL + reverse("account_signup"),
                "register_link": settings.SITE_URL + reverse("offices:register"),
                "invitation_link": settings.SITE_URL
                + reverse("partners:invitation_detail", kwargs={"partner_invitation_id": invitation.pk}),
            },
        )
        subject = f"[Renkei] {office.name}との連携の招待（事業所番号 {link.partner_office_number}）"
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    logger.info("paper link join requested office=%s link=%s invitation=%s", office.pk, link.pk, invitation.pk)
    return invitation


def record_move(*, partnership, invitee: Office) -> None:
    """Called when an invitation turns a paper partner into a Renkei partnership (care office's trail)."""
    with office_scope(partnership.office_id):
        links = PaperLink.objects.filter(office_id=partnership.office_id, partnership=partnership)
        audit_record(
            office=partnership.office_id,
            actor=None,
            actor_name=f"{invitee.name}（{invitee.office_number}）",
            action=AuditAction.PAPER_PARTNER_MOVED,
            partner_office_number=invitee.office_number,
            detail={
                "partnership_id": partnership.pk,
                "paper_links": links.count(),
                "months": sorted({f"{m:%Y-%m}" for m in links.values_list("month", flat=True)}),
            },
        )
