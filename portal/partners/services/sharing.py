"""Sharing, the single enforcement point of every send path: :func:`assert_can_share`, :func:`sharing_refusals`\nand the sharing status of a client."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.core.codes import service_kind_name
from portal.core.wareki import wareki_date
from portal.offices.tenancy import office_scope
from portal.partners.models import Consent, ConsentScope, Partnership

# --------------------------------------------------------------------------- sharing (the enforcement point)


class SharingNotAllowed(Exception):
    """A 利用者's data may not go to that partner. ``str(exc)`` is the Japanese message (it names
    the 利用者: show it, do not log it); ``reason`` is a code safe to log:

    not_partner, partnership_ended, service_kind, other_office, no_consent, consent_not_yet,
    consent_revoked, consent_scope.
    """

    def __init__(self, message: str, *, reason: str, client_id=None, partner_office_number: str = ""):
        super().__init__(message)
        self.reason = reason
        self.client_id = client_id
        self.partner_office_number = partner_office_number


def _scope_label(scope: str) -> str:
    return ConsentScope(scope).label


def _partnership_for_sharing(office_id: int, number: str, on: dt.date) -> tuple[Partnership | None, Partnership | None]:
    """(the partnership active on ``on``, else the latest one) for a recipient 事業所番号."""
    rows = list(
        Partnership.objects.filter(office_id=office_id, partner_office_number=number)
        .select_related("partner_office")
        .order_by("-started_on", "-pk")
    )
    active = next((p for p in rows if p.started_on <= on and (p.ended_on is None or on < p.ended_on)), None)
    return active, (rows[0] if rows else None)


def _refusal(
    *,
    client,
    partnership: Partnership | None,
    latest: Partnership | None,
    number: str,
    scope: str,
    consents: list[Consent],
    on: dt.date,
    office_id: int,
    service_type_code: str | None,
) -> SharingNotAllowed | None:
    def refuse(reason: str, why: str, partner_label: str | None = None) -> SharingNotAllowed:
        label = partner_label or (
            f"{(partnership or latest).display_name}（{number}）" if (partnership or latest) else f"事業所番号 {number}"
        )
        return SharingNotAllowed(
            f"{client.full_name}さんの{_scope_label(scope)}を{label}に共有できません。{why}",
            reason=reason,
            client_id=client.pk,
            partner_office_number=number,
        )

    if client.office_id != office_id:
        return refuse("other_office", "この利用者はあなたの事業所の利用者ではありません。")
    if partnership is None:
        if latest is not None and latest.ended_on is not None and latest.ended_on <= on:
            return refuse("partnership_ended", f"この事業所との連携は{wareki_date(latest.ended_on)}に終了しています。")
        return refuse(
            "not_partner",
            "この事業所は連携先に登録されていません。「連携先」で招待するか、外部の連携先として登録してください。",
        )
    if service_type_code and service_type_code not in partnership.service_type_codes:
        return refuse(
            "service_kind",
            (
                f"この連携の対象サービス種類は{partnership.kinds_label}で、"
                f"{service_type_code} {service_kind_name(service_type_code)}は含まれていません。"
            ),
        )
    mine = [c for c in consents if c.partnership_id == partnership.pk]
    active = [c for c in mine if c.is_active_on(on)]
    if active:
        if any(c.covers(scope) for c in active):
            return None
        return refuse(
            "consent_scope",
            (
                f"利用者の同意の範囲（{'、'.join(c.scopes_label for c in active) or 'なし'}）に"
                f"{_scope_label(scope)}が含まれていません。"
            ),
        )
    revoked = [c for c in mine if c.revoked_on is not None and c.revoked_on <= on]
    if revoked:
        last = max(revoked, key=lambda c: c.revoked_on)
        return refuse("consent_revoked", f"利用者の同意は{wareki_date(last.revoked_on)}に撤回されています。")
    future = [c for c in mine if c.obtained_on > on]
    if future:
        return refuse(
            "consent_not_yet", f"利用者の同意日（{wareki_date(min(c.obtained_on for c in future))}）より前です。"
        )
    return refuse(
        "no_consent", "この連携先への共有について、利用者の同意が記録されていません。「同意」から記録してください。"
    )


def assert_can_share(
    *,
    office,
    client,
    recipient_office_number: str,
    scope: str,
    on: dt.date | None = None,
    service_type_code: str | None = None,
) -> Partnership:
    """The single enforcement point: may ``client``'s ``scope`` data go to the recipient on ``on``?

    Returns the active ``Partnership``; raises ``SharingNotAllowed`` when there is no partnership,
    it has ended, it does not cover ``service_type_code``, or the 利用者 has no active consent
    covering ``scope`` (none, revoked, not yet obtained, or a narrower scope).
    """
    if scope not in ConsentScope.values:
        raise ValueError(f"unknown consent scope: {scope!r}")
    office_id = getattr(office, "pk", office)
    on = on or timezone.localdate()
    with office_scope(office_id):
        partnership, latest = _partnership_for_sharing(office_id, recipient_office_number, on)
        consents = []
        if partnership is not None and client.office_id == office_id:
            consents = list(Consent.objects.filter(client_id=client.pk, partnership=partnership))
        refusal = _refusal(
            client=client,
            partnership=partnership,
            latest=latest,
            number=recipient_office_number,
            scope=scope,
            consents=consents,
            on=on,
            office_id=office_id,
            service_type_code=service_type_code,
        )
    if refusal is not None:
        raise refusal
    return partnership


def sharing_refusals(
    *,
    office,
    clients,
    recipient_office_number: str,
    scope: str,
    on: dt.date | None = None,
    service_type_code: str | None = None,
) -> dict[int, SharingNotAllowed]:
    """``assert_can_share`` for many 利用者 in two queries: {client id: refusal} for those refused."""
    if scope not in ConsentScope.values:
        raise ValueError(f"unknown consent scope: {scope!r}")
    office_id = getattr(office, "pk", office)
    on = on or timezone.localdate()
    clients = list(clients)
    with office_scope(office_id):
        partnership, latest = _partnership_for_sharing(office_id, recipient_office_number, on)
        by_client: dict[int, list[Consent]] = {}
        if partnership is not None:
            for consent in Consent.objects.filter(partnership=partnership, client_id__in=[c.pk for c in clients]):
                by_client.setdefault(consent.client_id, []).append(consent)
        refusals = {}
        for client in clients:
            refusal = _refusal(
                client=client,
                partnership=partnership,
                latest=latest,
                number=recipient_office_number,
                scope=scope,
                consents=by_client.get(client.pk, []),
                on=on,
                office_id=office_id,
                service_type_code=service_type_code,
            )
            if refusal is not None:
                refusals[client.pk] = refusal
    return refusals


def client_sharing_status(*, client, on: dt.date | None = None) -> dict:
    """Per active partner of the client's office: may the client's data be shared today?

    Two queries (partnerships, the client's consents) plus one for the client's providers
    that are not partners yet.
    """
    on = on or timezone.localdate()
    partnerships = list(
        Partnership.objects.active(on)
        .filter(office_id=client.office_id)
        .select_related("partner_office")
        .order_by("partner_name", "pk")
    )
    consents = list(Consent.objects.filter(client_id=client.pk, partnership__in=partnerships))
    rows = []
    for partnership in partnerships:
        mine = [c for c in consents if c.partnership_id == partnership.pk]
        active = [c for c in mine if c.is_active_on(on)]
        row = {
            "partnership": partnership,
            "allowed": bool(active),
            "consent": active[0] if active else None,
            "scopes_label": "、".join(c.scopes_label for c in active),
            "reason": "",
        }
        if not active:
            refusal = _refusal(
                client=client,
                partnership=partnership,
                latest=partnership,
                number=partnership.partner_office_number,
                scope=ConsentScope.SCHEDULE,
                consents=mine,
                on=on,
                office_id=client.office_id,
                service_type_code=None,
            )
            row["reason"] = (
                {
                    "consent_revoked": "同意撤回",
                    "consent_not_yet": "同意日前",
                }.get(refusal.reason, "同意なし")
                if refusal
                else ""
            )
            row["consent"] = max(mine, key=lambda c: c.obtained_on) if mine else None
        rows.append(row)
    partnered = {p.partner_office_number for p in partnerships}
    unpartnered = []
    services = getattr(client, "services", None)
    if services is not None:
        seen = set()
        for service in services.all():
            number = service.provider_office_number
            if number not in partnered and number not in seen:
                seen.add(number)
                unpartnered.append({"office_number": number, "name": service.provider_name})
    return {"rows": rows, "unpartnered": unpartnered}
