"""E-mails to an office's admins about partner invitations and partnerships."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portal.offices.models import Membership, Office, Role

# --------------------------------------------------------------------------- notifications


def _admin_emails(office: Office) -> list[str]:
    return list(
        Membership.objects.filter(office=office, role=Role.ADMIN)
        .order_by("joined_at")
        .values_list("user__email", flat=True)
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
