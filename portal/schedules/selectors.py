"""Reads for the 第6表 page and the CSV download, in a fixed number of queries whatever the
number of lines (the client's register rows, the month's masters, the providers' offices)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from portal.clients.models import Certification, Client
from portal.masters.selectors import MonthMasters, month_masters
from portal.offices.models import Office
from portal.schedules.annex import Annex
from portal.schedules.grid import CheckContext, GridRow, build_annex, check_rows, rows_from_lines
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine
from portal.schedules.short_stay import SHORT_STAY_KINDS, ShortStay, short_stay_of


def load_schedule(schedule_id: int) -> ServiceSchedule:
    """The schedule with its client's register rows and its lines (5 queries)."""
    return (
        ServiceSchedule.objects.select_related("client__care_manager__user", "client__office")
        .prefetch_related(
            Prefetch("client__certifications", queryset=Certification.objects.order_by("valid_from")),
            "client__services",
            "client__kind_limits",
            Prefetch("lines", queryset=ServiceScheduleLine.objects.order_by("sort_order", "pk")),
        )
        .get(pk=schedule_id)
    )


@dataclass
class SheetState:
    rows: list[GridRow]
    sheet_errors: list[str]
    annex: Annex
    masters: MonthMasters
    provider_names: dict[str, str]
    over_mode: str = "auto"
    short_stay: ShortStay = None
    satellites: dict = None  # (provider, kind) → サテライト枝番
    short_stay_raw: str = ""  # 前月までの短期入所利用日数 as the page holds it ("" = calculated)

    @property
    def has_errors(self) -> bool:
        return bool(self.sheet_errors) or any(r.has_errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.sheet_errors) + sum(len(r.all_errors) for r in self.rows)


def sheet_state(
    *,
    client: Client,
    month,
    rows: list[GridRow],
    care_office: Office,
    over_mode: str = "auto",
    masters: MonthMasters | None = None,
    offices: list[Office] | None = None,
    short_stay_before: int | None = None,
) -> SheetState:
    """Check the rows and calculate the 第7表 (fixed number of queries).

    ``masters`` (covering at least these rows' codes and kinds) and ``offices`` (the verified offices,
    with ``service_kinds`` prefetched, of at least these rows' providers) may be given by a caller
    that reads many 利用者 at once, so that it makes no query per 利用者.

    割引後率 and サテライト枝番 come from the 利用者's services (the office's own record) and
    otherwise from the line (values received in a file); the 短期入所 days from the earlier months
    (:mod:`portal.schedules.short_stay`) or ``short_stay_before`` as entered."""
    services = list(client.services.all())
    certifications = list(client.certifications.all())
    kinds = {s.service_type_code for s in services} | {r.service_type_code for r in rows if r.service_type_code}
    if masters is None:
        masters = month_masters(month, service_codes={r.service_code for r in rows}, kinds=kinds)
    numbers = {r.provider_office_number for r in rows} | {s.provider_office_number for s in services}
    if offices is None:
        offices = list(
            Office.objects.filter(verification_status="verified", office_number__in=numbers).prefetch_related(
                "service_kinds"
            )
        )
    else:
        offices = [o for o in offices if o.office_number in numbers]
    renkei_kinds = {o.office_number: {k.service_type_code for k in o.service_kinds.all()} for o in offices}
    provider_names = {s.provider_office_number: s.provider_name for s in services}
    provider_names.update({o.office_number: o.name for o in offices})
    ctx = CheckContext(
        month=month,
        masters=masters,
        certifications=certifications,
        client_services={(s.provider_office_number, s.service_type_code) for s in services},
        renkei_kinds=renkei_kinds,
        provider_names=provider_names,
    )
    for row in rows:
        if not row.provider_name:
            row.provider_name = provider_names.get(row.provider_office_number, "")
    sheet_errors = check_rows(rows, ctx)
    short_stay = short_stay_of(
        client=client,
        month=month,
        lines=((r.service_type_code, r.counts) for r in rows),
        entered_before=short_stay_before,
        certifications=certifications,
    )
    discounts = {
        (s.provider_office_number, s.service_type_code): s.discount_rate
        for s in services
        if s.discount_rate is not None
    }
    satellites = {
        (s.provider_office_number, s.service_type_code): s.satellite_branch for s in services if s.satellite_branch
    }
    for r in rows:
        key = (r.provider_office_number, r.service_type_code)
        if key in discounts:
            r.discount_rate = discounts[key]
        if key in satellites:
            r.satellite_branch = satellites[key]
        elif r.satellite_branch:
            satellites.setdefault(key, r.satellite_branch)
        if r.service_type_code in SHORT_STAY_KINDS:
            r.over30_days = short_stay.over30_days | r.over30_received
    annex = build_annex(
        rows=rows,
        masters=masters,
        certifications=certifications,
        kind_limits={k.service_type_code: k.units for k in client.kind_limits.all()},
        benefit_rate=client.benefit_rate,
        provider_grades={o.office_number: o.regional_grade for o in offices},
        default_grade=care_office.regional_grade,
        over_mode=over_mode,
    )
    sheet_errors += [message for line, message in annex.allocation_problems if line is None]
    return SheetState(
        rows=rows,
        sheet_errors=sheet_errors,
        annex=annex,
        masters=masters,
        provider_names=provider_names,
        over_mode=over_mode,
        short_stay=short_stay,
        satellites=satellites,
        short_stay_raw="" if short_stay_before is None else str(short_stay_before),
    )


def saved_sheet_state(schedule: ServiceSchedule) -> SheetState:
    return sheet_state(
        client=schedule.client,
        month=schedule.month,
        rows=rows_from_lines(schedule.lines.all()),
        care_office=schedule.client.office,
        over_mode=schedule.over_mode,
        short_stay_before=schedule.short_stay_days_before,
    )


def schedule_annex(schedule: ServiceSchedule) -> Annex:
    """The 第7表 of the saved lines (used by the CSV builders)."""
    return saved_sheet_state(schedule).annex


def client_schedules(client, *, limit: int) -> list:
    """The client's saved サービス利用票, newest month first."""
    from portal.schedules.models import ServiceSchedule

    return list(ServiceSchedule.objects.filter(client=client).order_by("-month")[:limit])
