"""The invoice PDF: rendered from the immutable invoice row, so the same invoice always prints the same."""

from __future__ import annotations

from portal.billing.models import Invoice
from portal.documents.render import render_pdf


def invoice_pdf(invoice: Invoice) -> bytes:
    return render_pdf("billing/invoice_pdf.html", {"invoice": invoice, "lines": _lines(invoice)})


def _lines(invoice: Invoice) -> list[dict]:
    return [
        {
            "description": invoice.description,
            "quantity": 1,
            "amount": invoice.amount,
        }
    ]
