"""What a send contains: one ``UnitPlan`` per recipient and unit kind (利用票, 計画書, 予定削除, 実績),
with the 利用者 whose consent or link refuses them.

Size: kept as one module (over ~400 lines) because the four unit builders (利用票, 計画書, 予定削除, 実績) share the
consent/link filter and the file naming, so what a send contains reads in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from linkage.exchange.models import UnitKind
from linkage.exchange.services.base import SCOPE_OF_UNIT, SendError
from linkage.standard import LINKED_SERVICE_KINDS
from portal.core.wareki import wareki_month
from portal.masters.selectors import service_code_units

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
        return [
            {
                "client": c,
                "why": why,
                "url": self.fixes.get(c.pk, ("", ""))[0],
                "link_label": self.fixes.get(c.pk, ("", ""))[1],
            }
            for c, why in self.refused
        ]

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

    names = {
        p.partner_office_number: p.display_name
        for p in Partnership.objects.filter(office=office, partner_office_number__in=numbers).select_related(
            "partner_office"
        )
    }
    for o in Office.objects.filter(verification_status="verified", office_number__in=numbers):
        names.setdefault(o.office_number, o.name)
    return names


def _consent_link(office, client, partner_office_number: str, on: dt.date | None) -> tuple[str, str]:
    """The consent form pre-filled with the 利用者 and the partnership with that office."""
    from django.urls import reverse

    from portal.partners.models import Partnership

    partnership = (
        Partnership.objects.active(on)
        .filter(office=office, partner_office_number=partner_office_number)
        .values_list("pk", flat=True)
        .first()
    )
    query = f"?client={client.pk}" + (f"&partnership={partnership}" if partnership else "")
    return reverse("partners:consent_create") + query, "同意を記録する"


def own_consent_gaps(
    *,
    office,
    clients,
    partner_office_number: str,
    service_type_code: str | None = None,
    scope: str = "actual",
    on: dt.date | None = None,
) -> list[dict]:
    """The receiving side: 利用者 whose data this office could not send back to the partner because its
    own 同意 is missing (or does not cover ``scope``) — told when they receive, not when they send."""
    from portal.partners.services import sharing_refusals

    clients = list(clients)
    if not clients:
        return []
    refusals = sharing_refusals(
        office=office,
        clients=clients,
        recipient_office_number=partner_office_number,
        scope=scope,
        on=on,
        service_type_code=service_type_code,
    )
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

    refusals = sharing_refusals(
        office=office,
        clients=unit.clients,
        recipient_office_number=unit.recipient_office_number,
        scope=unit.scope,
        on=on,
        service_type_code=unit.share_kind,
    )
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
    from portal.offices.selectors import sender_kind_of
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    schedules = ServiceSchedule.objects.filter(client__office=office, month=month).select_related("client")
    if client_ids is not None:
        schedules = schedules.filter(client_id__in=list(client_ids))
    schedules = {s.pk: s for s in schedules}
    routes: dict[tuple[str, str], dict[int, object]] = {}
    lines = ServiceScheduleLine.objects.filter(schedule_id__in=list(schedules)).values_list(
        "schedule_id", "provider_office_number", "service_type_code", "planned_days"
    )
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
            unit_kind=UnitKind.SCHEDULE,
            recipient_office_number=number,
            recipient_kind=kind,
            sender_kind=sender_kind,
            recipient_name=names.get(number, ""),
            month=month,
            clients=sorted(clients.values(), key=lambda c: (c.family_name_kana, c.given_name_kana, c.pk)),
            build=_schedule_builder(
                office=office,
                month=month,
                by_client=by_client,
                cache=cache,
                recipient=(number, kind),
                sender_kind=sender_kind,
            ),
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
                cache[key] = schedule_records(
                    schedule=schedule,
                    annex=schedule_annex(schedule),
                    sender_office=office,
                    created_on=timezone.localdate(),
                )
            r = cache[key]
            records["UPPLAN"] += r.plan
            records["UPSIKYU"] += r.annex
            records["UPHOSOKU"] += r.hosoku
        return build_send_unit(
            "schedule",
            records,
            sender_office=office.office_number,
            sender_kind=sender_kind,
            recipient_office=recipient[0],
            recipient_kind=recipient[1],
            sequence=sequence,
            month=month,
        )

    return build


def schedule_delete_plan(
    *, office, client, month: dt.date, recipient_office_number: str, recipient_kind: str, on: dt.date | None = None
) -> UnitPlan:
    """第6表（サービス利用票）予定削除 of one 利用者 and month for one provider (7表 goes with it)."""
    from portal.offices.selectors import sender_kind_of

    def build(sequence, clients):
        from linkage.standard import build_send_unit

        return build_send_unit(
            "schedule_delete",
            {"DLTPLAN": [{2: c.insurer_number, 3: c.insured_number, 4: _ym(month)} for c in clients]},
            sender_office=office.office_number,
            sender_kind=sender_kind_of(office),
            recipient_office=recipient_office_number,
            recipient_kind=recipient_kind,
            sequence=sequence,
            month=month,
        )

    unit = UnitPlan(
        unit_kind=UnitKind.SCHEDULE_DELETE,
        recipient_office_number=recipient_office_number,
        recipient_kind=recipient_kind,
        sender_kind=sender_kind_of(office),
        clients=[client],
        build=build,
        recipient_name=_partner_names(office, [recipient_office_number]).get(recipient_office_number, ""),
        month=month,
    )
    return _refusals(office, unit, on)


def plan_send_plan(*, office, plan, on: dt.date | None = None, delete: bool = False) -> list[UnitPlan]:
    """居宅サービス計画書 (or its 1表削除) to every provider the plan names."""
    from portal.careplans import standard as plan_standard
    from portal.offices.selectors import sender_kind_of

    recipients = plan_standard.plan_recipients(plan)
    units = []
    for r in recipients:

        def build(sequence, clients, r=r):
            fn = plan_standard.plan_deletion_send_unit if delete else plan_standard.plan_send_units
            return fn(
                plan=plan,
                sender_office=office,
                recipient_office_number=r.office_number,
                recipient_kind=r.service_type_code,
                created_at=sequence,
            )

        unit = UnitPlan(
            unit_kind=UnitKind.PLAN_DELETE if delete else UnitKind.PLAN,
            recipient_office_number=r.office_number,
            recipient_kind=r.service_type_code,
            sender_kind=sender_kind_of(office),
            clients=[plan.client],
            build=build,
            recipient_name=r.name,
            plan_id=plan.pk,
        )
        units.append(_refusals(office, unit, on))
    return units


def actual_send_plan(
    *, office, schedule, service_type_code: str | None = None, delete: bool = False, on: dt.date | None = None
) -> list[UnitPlan]:
    """実績 (UPJSK) — or 実績削除 (DLTJSK) — of the provider's own lines of one 利用者's month,
    one unit per own service kind, back to the care-management office the 予定 came from."""
    from linkage.exchange.models import ReceivedSchedule

    client = schedule.client
    received = (
        ReceivedSchedule.objects.filter(office=office, client=client, month=schedule.month)
        .select_related("package")
        .order_by("-sequence")
        .first()
    )
    if received is None:
        raise SendError(
            f"{client.full_name}さんの{wareki_month(schedule.month)}の予定を受信していないため、実績の送り先（居宅介護支援事業所）がわかりません。"
        )
    recipient_kind = (received.package.sender_kind if received.package else "") or "43"
    own = [
        line
        for line in schedule.lines.all()
        if line.provider_office_number == office.office_number and line.service_type_code in LINKED_SERVICE_KINDS
    ]
    kinds = sorted({line.service_type_code for line in own}) if service_type_code is None else [service_type_code]
    if not kinds:
        raise SendError("この利用票にあなたの事業所のサービスがありません。")
    units_of = service_code_units({line.service_code for line in own}, schedule.month)
    planner = (received.hosoku or {}).get("planner", "")
    units = []
    for kind in kinds:

        def build(sequence, clients, kind=kind):
            from linkage.standard import build_send_unit

            if delete:
                records = {
                    "DLTJSK": [
                        {
                            2: client.insurer_number,
                            3: client.insured_number,
                            4: _ym(schedule.month),
                            5: office.office_number,
                            6: kind,
                        }
                    ]
                }
                unit_kind = "actual_delete"
            else:
                from portal.schedules.annex import discounted
                from portal.schedules.short_stay import SHORT_STAY_KINDS, short_stay_of
                from portal.schedules.standard import detail_numbers

                rows = []
                per_of = {
                    line.pk: line.units_entered
                    if line.units_entered is not None
                    else units_of.get(line.service_code, 0)
                    for line in own
                }
                per_of = {
                    pk: discounted(per, line.discount_rate) if line.discount_rate else per
                    for (pk, per), line in zip(per_of.items(), own)
                }  # No.8: 割引後単位数
                stay = None
                if any(line.service_type_code in SHORT_STAY_KINDS for line in own):
                    stay = short_stay_of(
                        client=client,
                        month=schedule.month,
                        lines=((x.service_type_code, x.actual_days) for x in schedule.lines.all()),
                        entered_before=schedule.short_stay_days_before,
                    )
                detail = detail_numbers(
                    (line.pk, office.office_number, line.service_code, per_of[line.pk])
                    for line in own
                    if line.service_type_code == kind and line.actual_total
                )
                for line in own:
                    if line.service_type_code != kind:
                        continue
                    per = per_of[line.pk]
                    short = stay is not None and line.service_type_code in SHORT_STAY_KINDS
                    over30 = (
                        (set(stay.over30_days) | {d for d, c in enumerate(line.over30_received, start=1) if c == "1"})
                        if short
                        else set()
                    )
                    for day, count in enumerate(line.actual_days[: schedule.days_in_month], start=1):
                        if count:
                            rows.append(
                                {
                                    2: client.insurer_number,
                                    3: client.insured_number,
                                    4: timezone.localdate(),
                                    6: received.sender_office_number,
                                    7: planner or None,
                                    8: per,
                                    10: schedule.month.replace(day=day),
                                    11: line.prorated_days or None,
                                    12: line.start_time,
                                    13: line.end_time,
                                    14: int(count),
                                    15: line.service_code,
                                    16: line.tais_code or None,
                                    17: line.notified_code or None,
                                    18: line.equipment_name or None,
                                    19: detail.get(line.pk),
                                    20: office.office_number,
                                    21: office.name,
                                    22: line.satellite_branch or None,
                                    23: "1" if day in over30 else "0",
                                    24: office.office_number,
                                    **({9: stay.before} if short and (stay.used or stay.entered) else {}),
                                }
                            )
                if not rows:
                    raise SendError(
                        f"{kind} の実績が1日もありません。実績を入力してから送信してください（サービス種類ごと取り消す場合は「実績削除」）。"
                    )
                records = {"UPJSK": rows}
                unit_kind = "actual"
            return build_send_unit(
                unit_kind,
                records,
                sender_office=office.office_number,
                sender_kind=kind,
                recipient_office=received.sender_office_number,
                recipient_kind=recipient_kind,
                sequence=sequence,
                month=schedule.month,
            )

        unit = UnitPlan(
            unit_kind=UnitKind.ACTUAL_DELETE if delete else UnitKind.ACTUAL,
            recipient_office_number=received.sender_office_number,
            recipient_kind=recipient_kind,
            sender_kind=kind,
            clients=[client],
            build=build,
            month=schedule.month,
            recipient_name=_partner_names(office, [received.sender_office_number]).get(
                received.sender_office_number, ""
            ),
        )
        units.append(_refusals(office, unit, on))
    return units
