"""Exchange services: what a send contains, the one send gate, delivery, receiving and status.

Every send path — the hub and the ZIP download for the national system, schedules, plans,
deletions and 実績 — goes through :func:`units_send`, which calls
``portal.billing.services.assert_can_send`` once and
``portal.partners.services.assert_can_share`` for every 利用者 of every unit before anything
is built, signed or stored. ``tests/exchange/test_send_gate.py`` proves no path bypasses it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from linkage.exchange import certificates, pki, sealing
from linkage.exchange.hubclient import HubClient, HubError
from linkage.exchange.models import (
    Channel,
    HubSync,
    InboxStatus,
    Package,
    PackageStatus,
    ReceivedPackage,
    RouteSequence,
    SendBatch,
    UnitKind,
)
from linkage.exchange.package import build_package, new_package_id
from linkage.standard import LINKED_SERVICE_KINDS, FileName, next_sequence
from portal.core.wareki import wareki_month

log = logging.getLogger(__name__)

SEQUENCE_FORMAT = "%Y%m%d%H%M%S"
SCOPE_OF_UNIT = {
    UnitKind.PLAN: "plan", UnitKind.PLAN_DELETE: "plan",
    UnitKind.SCHEDULE: "schedule", UnitKind.SCHEDULE_DELETE: "schedule",
    UnitKind.ACTUAL: "actual", UnitKind.ACTUAL_DELETE: "actual",
}


class SendError(Exception):
    """A send that cannot be made; ``str(exc)`` is Japanese for the user."""


# --------------------------------------------------------------------------- what a send contains


@dataclass
class UnitPlan:
    """One send unit to be made: recipient, 利用者, and how to build its files for a ファイル連番."""

    unit_kind: str
    recipient_office_number: str
    recipient_kind: str
    sender_kind: str
    clients: list
    build: Callable  # (sequence: datetime, clients: list) -> linkage.standard.BuiltUnit
    recipient_name: str = ""
    month: dt.date | None = None
    plan_id: int | None = None
    refused: list = field(default_factory=list)  # [(client, Japanese reason)] shown in the preview
    fixes: dict = field(default_factory=dict)  # {client id: (url, link label)}: where to fix a refusal

    @property
    def refusals(self) -> list[dict]:
        """The refused 利用者 with the reason and a link to fix it (for the preview)."""
        return [{"client": c, "why": why, "url": self.fixes.get(c.pk, ("", ""))[0],
                 "link_label": self.fixes.get(c.pk, ("", ""))[1]} for c, why in self.refused]

    @property
    def scope(self) -> str:
        return SCOPE_OF_UNIT[self.unit_kind]

    @property
    def kind_label(self) -> str:
        return UnitKind(self.unit_kind).label

    @property
    def recipient_kind_label(self) -> str:
        from portal.core.codes import service_kind_name

        return f"{self.recipient_kind} {service_kind_name(self.recipient_kind)}"

    @property
    def share_kind(self) -> str | None:
        """The service kind the partnership must cover (the provider's side of the route)."""
        return self.sender_kind if self.unit_kind in (UnitKind.ACTUAL, UnitKind.ACTUAL_DELETE) else self.recipient_kind


def _ym(month: dt.date) -> str:
    return f"{month.year:04d}{month.month:02d}"


def _partner_names(office, numbers) -> dict[str, str]:
    from portal.offices.models import Office
    from portal.partners.models import Partnership

    names = {p.partner_office_number: p.display_name
             for p in Partnership.objects.filter(office=office, partner_office_number__in=numbers).select_related("partner_office")}
    for o in Office.objects.filter(verification_status="verified", office_number__in=numbers):
        names.setdefault(o.office_number, o.name)
    return names


def _consent_link(office, client, partner_office_number: str, on: dt.date | None) -> tuple[str, str]:
    """The consent form pre-filled with the 利用者 and the partnership with that office."""
    from django.urls import reverse

    from portal.partners.models import Partnership

    partnership = (Partnership.objects.active(on).filter(office=office, partner_office_number=partner_office_number)
                   .values_list("pk", flat=True).first())
    query = f"?client={client.pk}" + (f"&partnership={partnership}" if partnership else "")
    return reverse("partners:consent_create") + query, "同意を記録する"


def own_consent_gaps(*, office, clients, partner_office_number: str, service_type_code: str | None = None,
                     scope: str = "actual", on: dt.date | None = None) -> list[dict]:
    """The receiving side: 利用者 whose data this office could not send back to the partner because its
    own 同意 is missing (or does not cover ``scope``) — told when they receive, not when they send."""
    from portal.partners.services import sharing_refusals

    clients = list(clients)
    if not clients:
        return []
    refusals = sharing_refusals(office=office, clients=clients, recipient_office_number=partner_office_number,
                                scope=scope, on=on, service_type_code=service_type_code)
    gaps = []
    for client in clients:
        refusal = refusals.get(client.pk)
        if refusal is None or refusal.reason == "other_office":
            continue
        if refusal.reason.startswith("consent") or refusal.reason == "no_consent":
            url, label = _consent_link(office, client, partner_office_number, on)
        else:
            url, label = _fix_link(office, None, client, refusal.reason, on)
        gaps.append({"client": client, "why": str(refusal), "url": url, "link_label": label})
    return gaps


def _fix_link(office, unit: UnitPlan, client, reason: str, on: dt.date | None) -> tuple[str, str]:
    """Where the user fixes a refusal: the consent form (pre-filled) or the partner pages."""
    from django.urls import reverse

    if reason.startswith("consent") or reason == "no_consent":
        return _consent_link(office, client, unit.recipient_office_number, on)
    if reason == "not_partner":
        return reverse("partners:invite"), "連携先を招待する"
    return reverse("partners:list"), "連携先を確認する"


def _refusals(office, unit: UnitPlan, on: dt.date | None):
    from portal.partners.services import sharing_refusals

    refusals = sharing_refusals(office=office, clients=unit.clients, recipient_office_number=unit.recipient_office_number,
                                scope=unit.scope, on=on, service_type_code=unit.share_kind)
    unit.refused = [(c, str(refusals[c.pk])) for c in unit.clients if c.pk in refusals]
    links: dict[str, tuple[str, str]] = {}
    for c in unit.clients:
        if c.pk in refusals:
            reason = refusals[c.pk].reason
            if reason.startswith("consent") or reason == "no_consent":
                unit.fixes[c.pk] = _fix_link(office, unit, c, reason, on)
            else:
                links.setdefault(reason, _fix_link(office, unit, c, reason, on))
                unit.fixes[c.pk] = links[reason]
    unit.clients = [c for c in unit.clients if c.pk not in refusals]
    return unit


def month_send_plan(*, office, month: dt.date, client_ids=None, on: dt.date | None = None) -> list[UnitPlan]:
    """利用票 units of one month (§d-2/§d-3): one per provider office × linked service kind, carrying
    every 利用者 related to that recipient (only those with active consent; the others in ``refused``)."""
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine
    from portal.schedules.standard import sender_kind_of

    schedules = ServiceSchedule.objects.filter(client__office=office, month=month).select_related("client")
    if client_ids is not None:
        schedules = schedules.filter(client_id__in=list(client_ids))
    schedules = {s.pk: s for s in schedules}
    routes: dict[tuple[str, str], dict[int, object]] = {}
    lines = (ServiceScheduleLine.objects.filter(schedule_id__in=list(schedules))
             .values_list("schedule_id", "provider_office_number", "service_type_code", "planned_days"))
    for schedule_id, number, kind, days in lines:
        if kind in LINKED_SERVICE_KINDS and any(days or []):
            schedule = schedules[schedule_id]
            routes.setdefault((number, kind), {})[schedule.client_id] = schedule.client
    names = _partner_names(office, {n for n, _ in routes})
    cache: dict = {}
    by_client = {s.client_id: s for s in schedules.values()}
    sender_kind = sender_kind_of(office)
    plans = []
    for (number, kind), clients in sorted(routes.items()):
        unit = UnitPlan(
            unit_kind=UnitKind.SCHEDULE, recipient_office_number=number, recipient_kind=kind, sender_kind=sender_kind,
            recipient_name=names.get(number, ""), month=month,
            clients=sorted(clients.values(), key=lambda c: (c.family_name_kana, c.given_name_kana, c.pk)),
            build=_schedule_builder(office=office, month=month, by_client=by_client, cache=cache,
                                    recipient=(number, kind), sender_kind=sender_kind),
        )
        plans.append(_refusals(office, unit, on))
    return plans


def _schedule_builder(*, office, month, by_client, cache, recipient, sender_kind):
    def build(sequence: dt.datetime, clients: list):
        from linkage.standard import build_send_unit
        from portal.schedules.selectors import load_schedule, schedule_annex
        from portal.schedules.standard import schedule_records

        records = {"UPPLAN": [], "UPSIKYU": [], "UPHOSOKU": []}
        for client in clients:
            key = by_client[client.pk].pk
            if key not in cache:
                schedule = load_schedule(key)
                cache[key] = schedule_records(schedule=schedule, annex=schedule_annex(schedule), sender_office=office,
                                              created_on=timezone.localdate())
            r = cache[key]
            records["UPPLAN"] += r.plan
            records["UPSIKYU"] += r.annex
            records["UPHOSOKU"] += r.hosoku
        return build_send_unit(
            "schedule", records, sender_office=office.office_number, sender_kind=sender_kind,
            recipient_office=recipient[0], recipient_kind=recipient[1], sequence=sequence, month=month,
        )

    return build


def schedule_delete_plan(*, office, client, month: dt.date, recipient_office_number: str, recipient_kind: str,
                         on: dt.date | None = None) -> UnitPlan:
    """第6表（サービス利用票）予定削除 of one 利用者 and month for one provider (7表 goes with it)."""
    from portal.schedules.standard import sender_kind_of

    def build(sequence, clients):
        from linkage.standard import build_send_unit

        return build_send_unit(
            "schedule_delete", {"DLTPLAN": [{2: c.insurer_number, 3: c.insured_number, 4: _ym(month)} for c in clients]},
            sender_office=office.office_number, sender_kind=sender_kind_of(office),
            recipient_office=recipient_office_number, recipient_kind=recipient_kind, sequence=sequence, month=month,
        )

    unit = UnitPlan(unit_kind=UnitKind.SCHEDULE_DELETE, recipient_office_number=recipient_office_number,
                    recipient_kind=recipient_kind, sender_kind=sender_kind_of(office), clients=[client], build=build,
                    recipient_name=_partner_names(office, [recipient_office_number]).get(recipient_office_number, ""),
                    month=month)
    return _refusals(office, unit, on)


def plan_send_plan(*, office, plan, on: dt.date | None = None, delete: bool = False) -> list[UnitPlan]:
    """居宅サービス計画書 (or its 1表削除) to every provider the plan names."""
    from portal.careplans import standard as plan_standard

    recipients = plan_standard.plan_recipients(plan)
    units = []
    for r in recipients:
        def build(sequence, clients, r=r):
            fn = plan_standard.plan_deletion_send_unit if delete else plan_standard.plan_send_units
            return fn(plan=plan, sender_office=office, recipient_office_number=r.office_number,
                      recipient_kind=r.service_type_code, created_at=sequence)

        unit = UnitPlan(unit_kind=UnitKind.PLAN_DELETE if delete else UnitKind.PLAN,
                        recipient_office_number=r.office_number, recipient_kind=r.service_type_code,
                        sender_kind=plan_standard.sender_kind_of(office), clients=[plan.client], build=build,
                        recipient_name=r.name, plan_id=plan.pk)
        units.append(_refusals(office, unit, on))
    return units


def _master_units(codes: set[str], month: dt.date) -> dict[str, int]:
    from portal.schedules.models import ServiceCode

    last = month.replace(day=28) + dt.timedelta(days=4)
    last = last - dt.timedelta(days=last.day)
    found: dict[str, tuple[dt.date, int]] = {}
    rows = ServiceCode.objects.filter(
        service_type_code__in={c[:2] for c in codes}, service_item_code__in={c[2:] for c in codes},
        valid_from__lte=last,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month)).values_list(
        "service_type_code", "service_item_code", "units", "valid_from")
    for kind, item, units, valid_from in rows:
        code = kind + item
        if code in codes and (code not in found or valid_from > found[code][0]):
            found[code] = (valid_from, units)
    return {code: units for code, (_, units) in found.items()}


def actual_send_plan(*, office, schedule, service_type_code: str | None = None, delete: bool = False,
                     on: dt.date | None = None) -> list[UnitPlan]:
    """実績 (UPJSK) — or 実績削除 (DLTJSK) — of the provider's own lines of one 利用者's month,
    one unit per own service kind, back to the care-management office the 予定 came from."""
    from linkage.exchange.models import ReceivedSchedule

    client = schedule.client
    received = (ReceivedSchedule.objects.filter(office=office, client=client, month=schedule.month)
                .select_related("package").order_by("-sequence").first())
    if received is None:
        raise SendError(f"{client.full_name}さんの{wareki_month(schedule.month)}の予定を受信していないため、実績の送り先（居宅介護支援事業所）がわかりません。")
    recipient_kind = (received.package.sender_kind if received.package else "") or "43"
    own = [line for line in schedule.lines.all() if line.provider_office_number == office.office_number
           and line.service_type_code in LINKED_SERVICE_KINDS]
    kinds = sorted({line.service_type_code for line in own}) if service_type_code is None else [service_type_code]
    if not kinds:
        raise SendError("この利用票にあなたの事業所のサービスがありません。")
    units_of = _master_units({line.service_code for line in own}, schedule.month)
    planner = (received.hosoku or {}).get("planner", "")
    units = []
    for kind in kinds:
        def build(sequence, clients, kind=kind):
            from linkage.standard import build_send_unit

            if delete:
                records = {"DLTJSK": [{2: client.insurer_number, 3: client.insured_number, 4: _ym(schedule.month),
                                       5: office.office_number, 6: kind}]}
                unit_kind = "actual_delete"
            else:
                from portal.schedules.annex import discounted
                from portal.schedules.short_stay import SHORT_STAY_KINDS, short_stay_of
                from portal.schedules.standard import detail_numbers

                rows = []
                per_of = {line.pk: line.units_entered if line.units_entered is not None
                          else units_of.get(line.service_code, 0) for line in own}
                per_of = {pk: discounted(per, line.discount_rate) if line.discount_rate else per
                          for (pk, per), line in zip(per_of.items(), own)}  # No.8: 割引後単位数
                stay = None
                if any(line.service_type_code in SHORT_STAY_KINDS for line in own):
                    stay = short_stay_of(client=client, month=schedule.month,
                                         lines=((x.service_type_code, x.actual_days) for x in schedule.lines.all()),
                                         entered_before=schedule.short_stay_days_before)
                detail = detail_numbers((line.pk, office.office_number, line.service_code, per_of[line.pk])
                                        for line in own if line.service_type_code == kind and line.actual_total)
                for line in own:
                    if line.service_type_code != kind:
                        continue
                    per = per_of[line.pk]
                    short = stay is not None and line.service_type_code in SHORT_STAY_KINDS
                    over30 = (set(stay.over30_days) | {d for d, c in enumerate(line.over30_received, start=1)
                                                       if c == "1"}) if short else set()
                    for day, count in enumerate(line.actual_days[: schedule.days_in_month], start=1):
                        if count:
                            rows.append({
                                2: client.insurer_number, 3: client.insured_number, 4: timezone.localdate(),
                                6: received.sender_office_number, 7: planner or None, 8: per,
                                10: schedule.month.replace(day=day), 11: line.prorated_days or None,
                                12: line.start_time, 13: line.end_time, 14: int(count), 15: line.service_code,
                                16: line.tais_code or None, 17: line.notified_code or None,
                                18: line.equipment_name or None, 19: detail.get(line.pk), 20: office.office_number,
                                21: office.name, 22: line.satellite_branch or None,
                                23: "1" if day in over30 else "0",
                                24: office.office_number,
                                **({9: stay.before} if short and (stay.used or stay.entered) else {}),
                            })
                if not rows:
                    raise SendError(f"{kind} の実績が1日もありません。実績を入力してから送信してください（サービス種類ごと取り消す場合は「実績削除」）。")
                records = {"UPJSK": rows}
                unit_kind = "actual"
            return build_send_unit(unit_kind, records, sender_office=office.office_number, sender_kind=kind,
                                   recipient_office=received.sender_office_number, recipient_kind=recipient_kind,
                                   sequence=sequence, month=schedule.month)

        unit = UnitPlan(unit_kind=UnitKind.ACTUAL_DELETE if delete else UnitKind.ACTUAL,
                        recipient_office_number=received.sender_office_number, recipient_kind=recipient_kind,
                        sender_kind=kind, clients=[client], build=build, month=schedule.month,
                        recipient_name=_partner_names(office, [received.sender_office_number]).get(
                            received.sender_office_number, ""))
        units.append(_refusals(office, unit, on))
    return units


# --------------------------------------------------------------------------- what would stop a send


@dataclass
class SendBlocker:
    """A reason the whole send would be refused, with where to fix it (shown on the preview)."""

    message: str
    url: str
    link_label: str
    hub_only: bool = False  # only the hub needs it (the CSV download for the national system does not)


def send_blockers(*, office, on: dt.date | None = None) -> list[SendBlocker]:
    """Every office-level reason :func:`units_send` would refuse: 本人確認, licence, certificate."""
    from django.urls import reverse

    from portal.billing.services import SendingBlocked, assert_can_send
    from portal.offices.services import NOT_VERIFIED_MESSAGE

    blockers = []
    if not office.is_verified:
        blockers.append(SendBlocker(NOT_VERIFIED_MESSAGE, reverse("offices:verification"), "事業所の本人確認へ"))
    try:
        assert_can_send(office, on)
    except SendingBlocked as exc:
        blockers.append(SendBlocker(str(exc), reverse("billing:office"), "ライセンス・請求書へ"))
    try:
        certificates.signing_identity(office)
    except certificates.NoCertificate as exc:
        blockers.append(SendBlocker(f"{exc}（連携基盤で送るときに必要です。CSVファイルの作成はできます）",
                                    reverse("exchange:certificates"), "電子証明書へ", hub_only=True))
    return blockers


# --------------------------------------------------------------------------- the one send gate


def _take_sequence(office, recipient_office_number: str, recipient_kind: str) -> dt.datetime:
    """A ファイル連番 strictly after the last one used on this route (row lock on the route)."""
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    row, created = RouteSequence.objects.select_for_update().get_or_create(
        office=office, recipient_office_number=recipient_office_number, recipient_kind=recipient_kind,
        defaults={"last": now.strftime(SEQUENCE_FORMAT)},
    )
    if created:
        return now
    value = next_sequence(dt.datetime.strptime(row.last, SEQUENCE_FORMAT), now)
    row.last = value.strftime(SEQUENCE_FORMAT)
    row.save(update_fields=["last"])
    return value


def _plain_zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buffer.getvalue()


def units_send(*, office, actor, units: list[UnitPlan], channel: str = Channel.HUB, label: str = "",
               on: dt.date | None = None) -> SendBatch:
    """THE send gate. Checks the licence (assert_can_send) and, for every 利用者 of every unit,
    the partnership and consent (assert_can_share); then builds, validates, signs (hub) and
    stores every unit in one transaction, and queues delivery after commit.

    Raises ``SendingBlocked`` / ``SharingNotAllowed`` / :class:`SendError` (Japanese); nothing
    is stored when any unit fails.
    """
    from portal.billing.services import assert_can_send
    from portal.core.tasks import enqueue
    from portal.partners.models import AuditAction
    from portal.partners.services import assert_can_share, audit_record

    if not office.is_verified:
        from portal.offices.services import NOT_VERIFIED_MESSAGE

        raise SendError(NOT_VERIFIED_MESSAGE)
    assert_can_send(office, on)
    refusals = [why for u in units for _, why in u.refused]
    units = [u for u in units if u.clients]
    if not units:
        reasons = " ".join(refusals[:3])
        raise SendError(f"送信できる利用者がいません。{reasons or '同意・連携先を確認してください。'}")
    for unit in units:
        for client in unit.clients:
            assert_can_share(office=office, client=client, recipient_office_number=unit.recipient_office_number,
                             scope=unit.scope, on=on, service_type_code=unit.share_kind)
    identity = certificates.signing_identity(office) if channel == Channel.HUB else None
    membership = actor if getattr(actor, "office_id", None) == office.pk else None
    with transaction.atomic():
        batch = SendBatch.objects.create(
            office=office, label=label or units[0].kind_label, channel=channel, created_by=membership,
            created_by_name=membership.name if membership else "",
        )
        packages = []
        for unit in units:
            sequence = _take_sequence(office, unit.recipient_office_number, unit.recipient_kind)
            built = unit.build(sequence, unit.clients)
            errors = [f for f in built.findings if f.is_error]
            if errors:
                raise SendError("送信するファイルに誤りがあるため送信できません: " + " / ".join(f.message for f in errors[:5]))
            package_id = new_package_id()
            seq = sequence.strftime(SEQUENCE_FORMAT)
            if channel == Channel.HUB:
                content = build_package(
                    files=built.files, key=identity.key, certificate=identity.certificate, package_id=package_id,
                    sender_office=office.office_number, sender_kind=unit.sender_kind,
                    recipient_office=unit.recipient_office_number, recipient_kind=unit.recipient_kind, sequence=seq,
                    unit_kind=str(unit.unit_kind), month=_ym(unit.month) if unit.month else None,
                    created_at=timezone.now(),
                )
                status = PackageStatus.QUEUED
                limit = getattr(settings, "RENKEI_PACKAGE_MAX_BYTES", 8 * 1024 * 1024)
                if len(content) > limit:
                    raise SendError(f"{unit.recipient_name or unit.recipient_office_number}あての送信単位が大きすぎます"
                                    f"（{len(content) / 2**20:.1f} MB。上限 {limit / 2**20:.1f} MB）。利用者を分けて送ってください。")
            else:
                content = _plain_zip(built.files)
                status = PackageStatus.DOWNLOADED
            packages.append(Package.objects.create(
                office=office, batch=batch, package_id=package_id, channel=channel, unit_kind=unit.unit_kind,
                month=unit.month, sender_kind=unit.sender_kind, recipient_office_number=unit.recipient_office_number,
                recipient_kind=unit.recipient_kind, recipient_name=unit.recipient_name[:100], sequence=seq,
                file_names=[n for n, _ in built.files], client_ids=[c.pk for c in unit.clients],
                client_count=len(unit.clients), plan_id=unit.plan_id, content=content, size=len(content),
                sha256=pki.sha256_hex(content), status=status, created_by=membership,
            ))
            audit_record(
                office=office, actor=actor,
                action=AuditAction.PACKAGE_SENT if channel == Channel.HUB else AuditAction.CSV_DOWNLOADED,
                clients=unit.clients, partner_office_number=unit.recipient_office_number,
                detail={"package_id": str(package_id), "unit_kind": str(unit.unit_kind), "client_count": len(unit.clients),
                        "sequence": seq},
            )
        if channel == Channel.HUB:
            from linkage.exchange.tasks import deliver_package

            for p in packages:
                enqueue(deliver_package, office.pk, p.pk)
    log.info("office %s: batch %s with %s packages (%s)", office.pk, batch.pk, len(packages), channel)
    return batch


def batch_zip(batch: SendBatch) -> tuple[str, bytes]:
    """The standard CSVs of every package of a file-channel batch, as one ZIP (for the national system)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for package in batch.packages.order_by("pk"):
            with zipfile.ZipFile(io.BytesIO(bytes(package.content))) as zf:
                for name in zf.namelist():
                    if name.upper().endswith(".CSV"):
                        out.writestr(name, zf.read(name))
    return f"renkei-csv-{batch.pk}.zip", buffer.getvalue()


# --------------------------------------------------------------------------- delivery (worker)


def hub_client_for(office) -> HubClient:
    identity = certificates.signing_identity(office)
    return HubClient(settings.RENKEI_HUB_URL, office_number=office.office_number, key=identity.key,
                     certificate=identity.certificate, timeout=getattr(settings, "RENKEI_HUB_TIMEOUT", 30))


def retry_delay(attempts: int) -> int:
    base = getattr(settings, "RENKEI_SEND_RETRY_BASE", 5)
    cap = getattr(settings, "RENKEI_SEND_RETRY_MAX", 600)
    return int(min(cap, base * (2 ** max(0, attempts - 1))))


@dataclass
class DeliveryResult:
    outcome: str  # sent | retry | error | skipped
    retry_in: int | None = None


def package_deliver(*, package_pk: int) -> DeliveryResult:
    """Claim the package (conditional UPDATE), submit it to the hub, record the outcome.

    Idempotent: a package already sent, or claimed by another worker recently, is skipped; the
    hub treats a second submit of the same package id as the same package.
    """
    from portal.offices.models import Office

    if Office.objects.filter(pk__in=Package.objects.filter(pk=package_pk).values("office_id"),
                             suspended_at__isnull=False).exists():
        return DeliveryResult("skipped")  # 利用停止: stays 送信待ち; the sweep sends it after 再開
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_CLAIM_TIMEOUT", 300))
    claimed = Package.objects.filter(pk=package_pk, channel=Channel.HUB).filter(
        Q(status=PackageStatus.QUEUED) | Q(status=PackageStatus.SENDING, claimed_at__lt=stale)
    ).update(status=PackageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return DeliveryResult("skipped")
    package = Package.objects.select_related("office").get(pk=package_pk)
    if not package.office.is_verified:
        from portal.offices.services import NOT_VERIFIED_MESSAGE

        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=NOT_VERIFIED_MESSAGE)
        return DeliveryResult("error")
    try:
        client = hub_client_for(package.office)
        result = client.submit(package_sealed(package=package, client=client))
    except (certificates.NoCertificate, sealing.SealError) as exc:
        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=str(exc))
        return DeliveryResult("error")
    except HubError as exc:
        max_attempts = getattr(settings, "RENKEI_SEND_MAX_ATTEMPTS", 15)
        if exc.retryable and package.attempts < max_attempts:
            delay = retry_delay(package.attempts)
            Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
                status=PackageStatus.QUEUED, last_error=f"{exc}（{delay}秒後に再送します）",
                next_attempt_at=now + dt.timedelta(seconds=delay))
            log.info("package %s: hub unavailable (attempt %s), retry in %ss", package.pk, package.attempts, delay)
            return DeliveryResult("retry", delay)
        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=f"連携基盤が受け付けませんでした: {exc}")
        log.warning("package %s refused by hub: %s", package.pk, exc.code)
        return DeliveryResult("error")
    Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
        status=PackageStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None)
    log.info("package %s delivered to hub (duplicate=%s)", package.pk, bool(result.get("duplicate")))
    return DeliveryResult("sent")


def package_sealed(*, package: Package, client: HubClient) -> bytes:
    """The package encrypted to the recipient office's current certificate(s) as published by the
    hub and checked here (trusted CA, 事業所番号, validity). Made once and kept, so a retry sends
    the same bytes. Raises a retryable HubError while the recipient has no certificate at the hub."""
    if package.sealed_content:
        return bytes(package.sealed_content)
    number = package.recipient_office_number
    rows = client.office_certificates(number)
    recipients = sealing.recipient_certificates(rows, office_number=number, roots=certificates.trusted_roots())
    if not rows:
        raise HubError(f"送信先の事業所（{number}）の電子証明書が連携基盤にまだ登録されていないため、暗号化できません。"
                       "相手が証明書を登録すると送信します。", code="no_recipient_certificate", retryable=True)
    if not recipients:
        raise sealing.SealError(f"連携基盤が示した送信先の事業所（{number}）の電子証明書を確認できないため、送信を中止しました"
                                "（信頼する認証局の発行でないか、事業所番号・有効期限が合いません）。運営者に連絡してください。",
                                "untrusted_recipient_certificate")
    identity = certificates.signing_identity(package.office)
    sealed = sealing.seal_package(bytes(package.content), key=identity.key, certificate=identity.certificate,
                                  recipients=recipients)
    Package.objects.filter(pk=package.pk, sealed_content__isnull=True).update(sealed_content=sealed)
    return bytes(Package.objects.filter(pk=package.pk).values_list("sealed_content", flat=True).get())


def outbox_due(*, office) -> list[int]:
    """Packages to (re)queue: queued and due, or stuck in 送信中 past the claim timeout (killed worker)."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_CLAIM_TIMEOUT", 300))
    return list(Package.objects.filter(office=office, channel=Channel.HUB).filter(
        Q(status=PackageStatus.QUEUED, next_attempt_at__isnull=True,
          created_at__lt=now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_QUEUED_GRACE", 30)))
        | Q(status=PackageStatus.QUEUED, next_attempt_at__lt=now)
        | Q(status=PackageStatus.SENDING, claimed_at__lt=stale)
    ).values_list("pk", flat=True)[:1000])


def sent_status_sync(*, office, client: HubClient | None = None) -> int:
    """Copy the recipients' acknowledgements (受信済 / 取込済 / 取込エラー) from the hub."""
    client = client or hub_client_for(office)
    sync, _ = HubSync.objects.get_or_create(office=office)
    changed = 0
    while True:
        rows = client.sent(updated_after=sync.sent_updated_after or None)
        if not rows:
            break
        for row in rows:
            status = {"received": PackageStatus.RECEIVED, "imported": PackageStatus.IMPORTED,
                      "rejected": PackageStatus.REJECTED}.get(row["status"])
            if status is not None:
                values = {"status": status, "remote_detail": row.get("status_detail", "")[:4000]}
                if row.get("received_at"):
                    values["received_at"] = dt.datetime.fromisoformat(row["received_at"])
                if row.get("imported_at"):
                    values["imported_at"] = dt.datetime.fromisoformat(row["imported_at"])
                changed += Package.objects.filter(
                    office=office, package_id=row["package_id"],
                    status__in=[PackageStatus.QUEUED, PackageStatus.SENDING, PackageStatus.SENT, PackageStatus.RECEIVED],
                ).update(**values)
            if row.get("deleted_at"):
                _hub_deletion_record(office, row["package_id"], dt.datetime.fromisoformat(row["deleted_at"]))
            sync.sent_updated_after = row["updated_at"]
        sync.save(update_fields=["sent_updated_after"])
        if len(rows) < 500:
            break
    return changed


def _hub_deletion_record(office, package_id: str, deleted_at: dt.datetime) -> None:
    """The hub deleted a sent package after its retention period: note when, once, in the audit trail."""
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    package = Package.objects.filter(office=office, package_id=package_id, hub_deleted_at__isnull=True).first()
    if package is None:
        return
    if Package.objects.filter(pk=package.pk, hub_deleted_at__isnull=True).update(hub_deleted_at=deleted_at):
        audit_record(office=office, actor=None, action=AuditAction.PACKAGE_HUB_DELETED,
                     partner_office_number=package.recipient_office_number,
                     detail={"package_id": str(package.package_id), "deleted_at": deleted_at.isoformat()})


# --------------------------------------------------------------------------- receiving (worker)


def inbox_receive(*, office, client: HubClient | None = None) -> list[int]:
    """Fetch every package waiting on the hub, keep it (verified or not), acknowledge receipt."""
    from linkage.exchange.importer import received_package_store

    client = client or hub_client_for(office)
    stored = []
    while True:
        entries = client.inbox(limit=100)
        if not entries:
            break
        for entry in entries:
            data = client.fetch(entry["package_id"])
            record = received_package_store(office=office, data=data, package_id=entry["package_id"])
            client.ack(entry["package_id"], "received")
            ReceivedPackage.objects.filter(pk=record.pk, hub_acknowledged="").update(hub_acknowledged="received")
            stored.append(record.pk)
        if len(entries) < 100:
            break
    if stored:
        HubSync.objects.get_or_create(office=office)
        HubSync.objects.filter(office=office).update(notice_pending=F("notice_pending") + len(stored))
    return stored


def received_notice_send(*, office, now: dt.datetime | None = None) -> int:
    """Mail the office about packages received since the last notice — one aggregated mail at most
    every RENKEI_RECEIVED_NOTICE_MINUTES (a flood of packages is not a flood of mail). The pending
    count is claimed with a conditional UPDATE; the mail goes out after commit. Returns the count mailed."""
    now = now or timezone.now()
    interval = dt.timedelta(minutes=getattr(settings, "RENKEI_RECEIVED_NOTICE_MINUTES", 60))
    row = HubSync.objects.filter(office=office, notice_pending__gt=0).values_list("notice_pending", "notice_sent_at").first()
    if row is None or (row[1] is not None and row[1] > now - interval):
        return 0
    count, last = row
    claimed = HubSync.objects.filter(office=office, notice_pending=count, notice_sent_at=last).update(
        notice_pending=0, notice_sent_at=now)
    if not claimed:
        return 0
    transaction.on_commit(lambda: _notify_received(office, count))
    return count


def _notify_received(office, count: int) -> None:
    from django.core.mail import send_mail
    from django.urls import reverse

    emails = [m.user.email for m in office.memberships.select_related("user") if m.user.email]
    if not emails:
        return
    link = settings.SITE_URL + reverse("exchange:inbox")
    send_mail(
        f"[Renkei] データ連携で{count}件受信しました",
        f"{office.name} 宛てにデータ連携で{count}件のパッケージが届きました。\n受信箱で内容を確認してください。\n{link}\n",
        None, emails,
    )


def imports_acknowledge(*, office, client: HubClient | None = None) -> int:
    """Tell the hub the outcome (取込済 / 取込エラー) of every hub package not yet reported."""
    pending = list(ReceivedPackage.objects.filter(
        office=office, channel=Channel.HUB, status__in=[InboxStatus.IMPORTED, InboxStatus.REJECTED],
    ).exclude(hub_acknowledged__in=["imported", "rejected"]).values_list("pk", "package_id", "status", "error")[:500])
    if not pending:
        return 0
    client = client or hub_client_for(office)
    for pk, package_id, status, error in pending:
        ack = "imported" if status == InboxStatus.IMPORTED else "rejected"
        try:
            client.ack(str(package_id), ack, error[:2000])
        except HubError as exc:
            if exc.status == 404:
                ReceivedPackage.objects.filter(pk=pk).update(hub_acknowledged=ack)
                continue
            raise
        ReceivedPackage.objects.filter(pk=pk).update(hub_acknowledged=ack)
    return len(pending)


def office_sync(*, office) -> dict:
    """One round for one office: receive, import in ファイル連番 order, report, sync sent statuses."""
    from linkage.exchange.importer import imports_run
    from portal.offices.services import assert_not_suspended

    assert_not_suspended(office)  # 利用停止: nothing is received (the hub keeps it until 再開)
    if not office.is_verified:
        return {"skipped": "unverified"}
    client = hub_client_for(office)
    received = inbox_receive(office=office, client=client)
    imported = imports_run(office=office)
    acked = imports_acknowledge(office=office, client=client)
    changed = sent_status_sync(office=office, client=client)
    noticed = received_notice_send(office=office)
    return {"received": len(received), "imported": imported, "acknowledged": acked, "status_changed": changed,
            "noticed": noticed}


# --------------------------------------------------------------------------- billing hook


def office_used_exchange(office, month: dt.date) -> bool:
    """Did ``office`` send or receive anything through the exchange in ``month`` (any day)?"""
    from portal.offices.tenancy import office_scope

    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    with office_scope(office):
        return (Package.objects.filter(office=office, created_at__gte=lo, created_at__lt=hi).exists()
                or ReceivedPackage.objects.filter(office=office, received_at__gte=lo, received_at__lt=hi).exists())


def new_upload_id() -> str:
    return str(uuid.uuid4())


__all__ = [
    "UnitPlan", "SendError", "month_send_plan", "plan_send_plan", "schedule_delete_plan", "actual_send_plan",
    "units_send", "batch_zip", "package_deliver", "outbox_due", "sent_status_sync", "inbox_receive",
    "imports_acknowledge", "office_sync", "office_used_exchange", "FileName",
]


# --------------------------------------------------------------------------- 実績 entry (provider)


def _own_lines(schedule, office):
    return [line for line in schedule.lines.all() if line.provider_office_number == office.office_number]


@transaction.atomic
def actuals_copy_from_plan(*, schedule, office) -> int:
    """Start 実績 from the received 予定: every own line's actual days = its planned days."""
    count = 0
    for line in _own_lines(schedule, office):
        line.actual_days = list(line.planned_days)
        line.save(update_fields=["actual_days"])
        count += 1
    _touch(schedule, office)
    return count


def _touch(schedule, office, membership=None) -> None:
    from portal.schedules.models import ServiceSchedule

    ServiceSchedule.objects.filter(pk=schedule.pk).update(
        version=F("version") + 1, updated_by=membership, updated_by_name=(membership.name if membership else office.name)[:60])


@transaction.atomic
def actuals_save(*, schedule, office, membership, values: dict[int, dict]) -> None:
    """Save the 実績 of own lines: ``values`` = {line id: {"days": [31 ints], "start": HHMM, "end": HHMM}}."""
    from django.core.exceptions import ValidationError

    from portal.schedules.annex import rate_addon_days

    errors = []
    lines = {line.pk: line for line in _own_lines(schedule, office)}
    rate_lines = []
    for pk, v in values.items():
        line = lines.get(pk)
        if line is None:
            continue
        if v.get("rate"):  # 率 加算: no days of its own (see rate_addon_days), no time
            rate_lines.append(line)
            continue
        days = v["days"]
        for day, n in enumerate(days, start=1):
            if day > schedule.days_in_month and n:
                errors.append(f"{line.service_code} {day}日: この月は{schedule.days_in_month}日までです。")
        for label, t in (("開始時刻", v["start"]), ("終了時刻", v["end"])):
            if not _valid_time(t):
                errors.append(f"{line.service_code} の{label}「{t}」は HHMM（例: 0930）か 9999（時間表示なし）で入力してください。")
        line.actual_days = days
        line.start_time, line.end_time = v["start"], v["end"]
    if errors:
        raise ValidationError(errors)
    for line in rate_lines:
        group = [other.actual_days for other in lines.values() if other not in rate_lines
                 and other.service_type_code == line.service_type_code]
        line.actual_days = rate_addon_days(group, schedule.days_in_month)
    for line in lines.values():
        line.save(update_fields=["actual_days", "start_time", "end_time"])
    _touch(schedule, office, membership)


def _valid_time(value: str) -> bool:
    if value == "9999":
        return True
    return len(value) == 4 and value.isdigit() and int(value[:2]) <= 24 and int(value[2:]) < 60


@transaction.atomic
def actual_line_add(*, schedule, office, membership, service_code: str, start: str, end: str, day: int):
    """An unplanned visit: a new own line with 実績 only."""
    from django.core.exceptions import ValidationError
    from portal.schedules.models import ServiceScheduleLine

    code = service_code.strip().upper()
    errors = {}
    if len(code) != 6 or code[:2] not in LINKED_SERVICE_KINDS:
        errors["service_code"] = "サービスコードは6桁（種類2桁＋項目4桁）で、連携対象のサービス種類を入力してください。"
    elif code[:2] not in {k.service_type_code for k in office.service_kinds.all()}:
        errors["service_code"] = f"サービス種類 {code[:2]} はこの事業所の提供サービスにありません。"
    if not _valid_time(start) or not _valid_time(end):
        errors["start"] = "時刻は HHMM（例: 0930）か 9999（時間表示なし）で入力してください。"
    if not 1 <= day <= schedule.days_in_month:
        errors["day"] = f"日は1〜{schedule.days_in_month}で入力してください。"
    if errors:
        raise ValidationError(errors)
    actual = [0] * 31
    actual[day - 1] = 1
    line = ServiceScheduleLine.objects.create(
        schedule=schedule, sort_order=999, provider_office_number=office.office_number, provider_name=office.name[:100],
        service_type_code=code[:2], service_item_code=code[2:], start_time=start, end_time=end,
        planned_days=[0] * 31, actual_days=actual,
    )
    _touch(schedule, office, membership)
    return line


# --------------------------------------------------------------------------- downloads for other apps


def units_download(*, office, actor, units: list[UnitPlan], label: str = "") -> tuple[str, bytes]:
    """The national-system download of any units: goes through :func:`units_send` (file channel)."""
    batch = units_send(office=office, actor=actor, units=units, channel=Channel.FILE, label=label)
    return batch_zip(batch)


def plan_download(*, office, actor, plan) -> tuple[str, bytes]:
    """ZIP of a plan's standard CSVs for every provider it names (for portal.careplans)."""
    return units_download(office=office, actor=actor, units=plan_send_plan(office=office, plan=plan),
                          label="居宅サービス計画書（ファイル）")


def schedule_download(*, office, actor, schedule) -> tuple[str, bytes]:
    """ZIP of one 利用者's month (利用票) for every provider (for portal.schedules)."""
    units = month_send_plan(office=office, month=schedule.month, client_ids=[schedule.client_id])
    return units_download(office=office, actor=actor, units=units, label="サービス利用票（ファイル）")
