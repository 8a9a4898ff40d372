"""連携先・同意・監査ログ pages. Views are thin: writes go through ``portal.partners.services``.

Split by concern: ``partners`` (list, invite, external partners, a partnership), ``invitations``,
``consents`` and ``audit``. The names ``portal/partners/urls.py`` uses are re-exported here.
"""

from portal.partners.views.audit import audit_detail, audit_export, audit_list
from portal.partners.views.consents import (
    consent_create,
    consent_detail,
    consent_document,
    consent_list,
    consent_revoke,
)
from portal.partners.views.invitations import (
    invitation_accept,
    invitation_cancel,
    invitation_decline,
    invitation_detail,
)
from portal.partners.views.partners import (
    external_create,
    office_lookup,
    partner_invite,
    partner_list,
    partnership_detail,
    partnership_end,
)

__all__ = [
    "audit_detail",
    "audit_export",
    "audit_list",
    "consent_create",
    "consent_detail",
    "consent_document",
    "consent_list",
    "consent_revoke",
    "external_create",
    "invitation_accept",
    "invitation_cancel",
    "invitation_decline",
    "invitation_detail",
    "office_lookup",
    "partner_invite",
    "partner_list",
    "partnership_detail",
    "partnership_end",
]
