"""The audit trail: :func:`audit_record` (append-only; ``detail`` holds ids and codes only)."""

from __future__ import annotations

import logging

from portal.offices.models import Membership, Office
from portal.partners.models import AuditAction, AuditEvent, AuditEventClient

logger = logging.getLogger("portal.partners.services")  # one logger for the package, as before the split

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


def audit_record(
    *,
    office,
    actor,
    action: str,
    client=None,
    clients=(),
    partner_office_number: str = "",
    detail: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
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
    event = _audit(
        office_id=office_id,
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        client_id=client_id,
        partner_office_number=partner_office_number,
        detail=_clean_detail(detail),
    )
    if client_ids:
        AuditEventClient.objects.bulk_create(
            [AuditEventClient(office_id=office_id, event=event, client_id=cid) for cid in client_ids]
        )
    return event


def _audit(*, office_id, actor_id, actor_name, action, client_id=None, partner_office_number="", detail=None):
    event = AuditEvent.objects.create(
        office_id=office_id,
        actor_id=actor_id,
        actor_name=actor_name[:120],
        action=action,
        client_id=client_id,
        partner_office_number=partner_office_number or "",
        detail=detail or {},
    )
    logger.info("audit office=%s action=%s event=%s", office_id, action, event.pk)
    return event


def _partner_side_actor(office: Office) -> str:
    return f"連携先（{office.name}）"
