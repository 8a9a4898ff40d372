"""Demo partnerships and consents (called by ``manage.py load_demo``; safe to run again).

- さくら居宅介護支援事業所 (1310000001) ↔ ひまわり (1370000011), あおぞら (1370000012), みどり (2770000013)
- なにわケアプランセンター (2710000002) ↔ みどり (2770000013)
- consents, for every 利用者 of an office in a partnership, with each partner the 利用者 uses
  (``Client.services``), or with every partner when no service is registered for the 利用者.

``load_demo`` loads apps in INSTALLED_APPS order and ``portal.partners`` comes before
``portal.clients``, so the clients demo (if there is one) is run first here; it must be, and
is, idempotent because ``load_demo`` runs on every ``bin/start``.
"""

from __future__ import annotations

import datetime as dt
import importlib

from django.utils import timezone

from portal.offices.models import Membership, Office, Role
from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import AuditAction, Consent, ConsentMethod, ConsentScope, Partnership

PAIRS = [
    ("1310000001", "1370000011"),
    ("1310000001", "1370000012"),
    ("1310000001", "2770000013"),
    ("2710000002", "2770000013"),
]


def _ensure_clients_demo(offices: dict[str, Office]) -> None:
    from portal.clients.models import Client

    if Client.objects.exists():
        return
    try:
        module = importlib.import_module("portal.clients.demo")
    except ModuleNotFoundError as exc:
        if exc.name == "portal.clients.demo":
            return
        raise
    module.load_app_demo(offices)


def _pair(care_office: Office, provider: Office, started_on: dt.date) -> None:
    with office_scope(care_office):
        if Partnership.objects.filter(
            office=care_office, partner_office_number=provider.office_number, ended_at__isnull=True
        ).exists():
            return
    codes = provider.service_type_codes
    care_side, provider_side = services.partnership_pair_create(
        inviter=care_office, invitee=provider, service_type_codes=codes, invitation=None, started_on=started_on
    )
    for side, partner in ((care_side, provider), (provider_side, care_office)):
        services.audit_record(
            office=side.office_id,
            actor=None,
            action=AuditAction.PARTNERSHIP_ACCEPTED,
            partner_office_number=partner.office_number,
            detail={"partnership_id": side.pk, "service_type_codes": codes, "demo": True},
        )


def _recorder(office: Office) -> Membership | None:
    members = list(Membership.objects.filter(office=office).select_related("user").order_by("joined_at"))
    return next((m for m in members if m.role == Role.CARE_MANAGER), members[0] if members else None)


def _consents(office: Office, obtained_on: dt.date) -> None:
    from portal.clients.models import Client

    with office_scope(office):
        partnerships = list(Partnership.objects.filter(office=office, ended_at__isnull=True))
        if not partnerships:
            return
        by_number = {p.partner_office_number: p for p in partnerships}
        recorder = _recorder(office)
        existing = set(
            Consent.objects.filter(office=office, revoked_on__isnull=True).values_list("client_id", "partnership_id")
        )
        for client in Client.objects.filter(office=office).prefetch_related("services"):
            used = [
                by_number[s.provider_office_number]
                for s in client.services.all()
                if s.provider_office_number in by_number
            ]
            for partnership in dict.fromkeys(used or partnerships):
                if (client.pk, partnership.pk) in existing:
                    continue
                consent = Consent.objects.create(
                    office=office,
                    client=client,
                    partnership=partnership,
                    obtained_on=obtained_on,
                    obtained_by=recorder,
                    obtained_by_name=recorder.name if recorder else "",
                    method=ConsentMethod.WRITTEN,
                    scope_plan=True,
                    scope_schedule=True,
                    scope_actual=True,
                    note="重要事項説明時に書面で同意（デモ）",
                    recorded_by=recorder.user if recorder else None,
                )
                services.audit_record(
                    office=office,
                    actor=recorder,
                    action=AuditAction.CONSENT_RECORDED,
                    client=client,
                    partner_office_number=partnership.partner_office_number,
                    detail={"consent_id": consent.pk, "scopes": list(ConsentScope.values), "demo": True},
                )


def load_app_demo(offices: dict[str, Office]) -> None:
    _ensure_clients_demo(offices)
    today = timezone.localdate()
    started_on = min(dt.date(2026, 4, 1), today)
    for care_number, provider_number in PAIRS:
        care_office, provider = offices.get(care_number), offices.get(provider_number)
        if care_office is not None and provider is not None:
            _pair(care_office, provider, started_on)
    involved = {number for pair in PAIRS for number in pair}
    for number in sorted(involved):
        if number in offices:
            _consents(offices[number], min(dt.date(2026, 4, 1), today))
