"""Background job kinds of billing (see portal.jobs.registry)."""

from __future__ import annotations

from django.urls import reverse

from portal.jobs.registry import register

INVOICE_EMAIL = "billing.invoice_email"


@register(
    INVOICE_EMAIL,
    label="請求書のメール送信",
    deadline=300,
    detail_url=lambda job: reverse("billing:operator_office", kwargs={"office_id": job.office_id}),
)
def invoice_email(job) -> None:
    """Email an issued invoice to the office admins (once: keyed by the invoice). SMTP errors are retried."""
    from portal.billing.models import Invoice
    from portal.billing.services import invoice_email_send

    invoice = Invoice.objects.select_related("office").filter(pk=job.subject_id).first()
    if invoice is not None:
        invoice_email_send(invoice=invoice)
