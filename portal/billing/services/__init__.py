"""Writes for licences, invoices, payments and reminders; the sending gate.

HackSoft style: ``<entity>_<action>(*, keyword-only args)``. Every write that could race
takes a row lock first:
- licence writes lock the ``Office`` row (two operators renewing at once → one wins,
  the other gets a Japanese error);
- issuing locks the ``Licence`` row (never two live invoices for one period) and the
  ``InvoiceNumberSequence`` row of the series (numbers without gaps or duplicates; the
  unique constraints on ``Invoice.number`` and ``(series, sequence)`` are the safety net);
- recording a payment locks the ``Invoice`` row (no over-payment by two clicks).

The package is split by entity: ``gating``, ``licences``, ``invoices``, ``payments`` and ``emails``;
every name callers use is re-exported here (``from portal.billing import services``).
"""

from portal.billing.licensing import licence_state, licence_status
from portal.billing.services.emails import invoice_email_send, office_admin_emails, office_reminders_send
from portal.billing.services.gating import SendingBlocked, SuspendedBlocked, assert_can_send
from portal.billing.services.invoices import invoice_cancel, invoice_issue, issuer_problems, licence_description
from portal.billing.services.licences import add_years, licence_apply, licence_period_end, licence_renew
from portal.billing.services.payments import invoice_outstanding, payment_record

__all__ = [
    "SendingBlocked",
    "assert_can_send",
    "licence_state",
    "licence_status",
    "licence_apply",
    "licence_renew",
    "invoice_issue",
    "invoice_cancel",
    "payment_record",
    "invoice_outstanding",
    "office_reminders_send",
    "invoice_email_send",
    # helpers other modules and tests call as ``services.<name>``
    "SuspendedBlocked",
    "add_years",
    "issuer_problems",
    "licence_description",
    "licence_period_end",
    "office_admin_emails",
]
