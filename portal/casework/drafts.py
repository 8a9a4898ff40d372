"""Autosaved drafts of the 支援経過 entry and the モニタリング (encrypted, per staff member and 利用者, expiring)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.casework.models import CaseworkDraft

KINDS = ("log", "monitoring")
SKIP = {"csrfmiddlewaretoken", "form_token", "lock_version"}


def draft_save(*, office, author, client, kind: str, data: dict) -> CaseworkDraft:
    from portal.core import crypto

    now = timezone.now()
    token = crypto.encrypt_secret(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    draft, _ = CaseworkDraft.objects.update_or_create(
        office=office,
        author=author,
        client=client,
        kind=kind,
        defaults={
            "encrypted_data": token,
            "saved_at": now,
            "expires_at": now + timedelta(hours=settings.RENKEI_CLIENT_DRAFT_HOURS),
        },
    )
    return draft


def draft_state(*, office, author, client, kind: str) -> tuple[str, dict | None]:
    """("draft", data) while a draft is kept; ("saved", None) after the record was saved; ("", None) otherwise."""
    from portal.core import crypto

    draft = CaseworkDraft.objects.filter(
        office=office, author=author, client=client, kind=kind, expires_at__gt=timezone.now()
    ).first()
    if draft is None:
        return "", None
    if not draft.encrypted_data:
        return "saved", None
    try:
        return "draft", json.loads(crypto.decrypt_secret(draft.encrypted_data))
    except crypto.SecretUnreadable:
        return "", None


def draft_done(*, office, author, client, kind: str) -> None:
    """The record was saved: empty the draft, keeping a marker for the device's copy."""
    now = timezone.now()
    CaseworkDraft.objects.update_or_create(
        office=office,
        author=author,
        client=client,
        kind=kind,
        defaults={"encrypted_data": "", "saved_at": now, "expires_at": now + timedelta(hours=12)},
    )


def as_initial(data: dict | None, *, prefix: str = "") -> dict:
    """A draft's ``{name: [values]}`` as a form's ``initial`` (names without the form prefix)."""
    initial = {}
    for name, values in (data or {}).items():
        if prefix:
            if not name.startswith(prefix + "-"):
                continue
            name = name[len(prefix) + 1 :]
        initial[name] = values[0] if len(values) == 1 else values
    return initial
