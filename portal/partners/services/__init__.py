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

The functions live by what they act on: ``audit``, ``notify`` (e-mails), ``invitations``, ``partnerships``,
``sharing`` and ``consent``; import them from here.
"""

from .audit import audit_record
from .consent import MAX_MB, consent_document_check, consent_record, consent_revoke
from .invitations import (
    PartnerInvitationError,
    accept_kind_choices,
    kind_choices,
    partner_invitation_accept,
    partner_invitation_cancel,
    partner_invitation_create,
    partner_invitation_decline,
    partner_invitation_problem,
    partnership_pair_create,
    provider_side,
)
from .partnerships import PartnershipError, partnership_end, partnership_external_create, partnership_for
from .sharing import SharingNotAllowed, assert_can_share, client_sharing_status, sharing_refusals

__all__ = [
    "MAX_MB",
    "PartnerInvitationError",
    "PartnershipError",
    "SharingNotAllowed",
    "accept_kind_choices",
    "assert_can_share",
    "audit_record",
    "client_sharing_status",
    "consent_document_check",
    "consent_record",
    "consent_revoke",
    "kind_choices",
    "partner_invitation_accept",
    "partner_invitation_cancel",
    "partner_invitation_create",
    "partner_invitation_decline",
    "partner_invitation_problem",
    "partnership_end",
    "partnership_external_create",
    "partnership_for",
    "partnership_pair_create",
    "provider_side",
    "sharing_refusals",
]
