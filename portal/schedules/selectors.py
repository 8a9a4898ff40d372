"""Reads for the 第6表 page and the CSV download, in a fixed number of queries whatever the
number of lines (the client's register rows, the month's masters, the providers' offices)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from portal.clients.models import Certification, Client
from portal.offices.models import Office
from portal.schedules.annex import Annex
from portal.schedules.grid import CheckContext, GridRow, build_annex, check_rows, rows_from_lines
from portal.masters.selectors import MonthMasters, month_masters
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine


def load_schedule(schedule_id: int) -> ServiceSchedule:
    """The schedule with its client's register rows and its lines (5 queries)."""
    return ServiceSchedule.objects.select_related("client__care_manager__user", "client__office").prefetch_related(
        Prefetch("client__certifications", queryset=Certification.objects.order_by("valid_from")),
        "client__services", "client__kind_limits",
        Prefetch("lines", queryset=ServiceScheduleLine.objects.order_by("sort_order", "pk")),
    ).get(pk=schedule_id)


@dataclass
class SheetState:
    rows: list[GridRow]
    sheet_errors: list[str]
    annex: Annex
    masters: MonthMasters
    provider_names: dict[str, str]
    over_mode: str = "auto"

    @property
    def has_errors(self) -> bool:
        return bool(self.sheet_errors) or any(r.has_errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.sheet_errors) + sum(len(r.all_errors) for r in self.rows)


def sheet_state(*, client: Client, month, rows: list[GridRow], care_office: Office, over_mode: str = "auto"
                ) -> SheetState:
    """Check the rows and calculate the 第7表 (fixed number of queries)."""
    services = list(client.services.all())
    certifications = list(client.certifications.all())
    kinds = {s.service_type_code for s in services} | {r.service_type_code for r in rows if r.service_type_code}
    masters = month_masters(month, service_codes={r.service_code for r in rows}, kinds=kinds)
    numbers = {r.provider_office_number for r in rows} | {s.provider_office_number for s in services}
    offices = list(Office.objects.filter(verification_status="verified", office_number__in=numbers).prefetch_related("service_kinds"))
    renkei_kinds = {o.office_number: {k.service_type_code for k in o.service_kinds.all()} for o in offices}
    provider_names = {s.provider_office_number: s.provider_name for s in services}
    provider_names.update({o.office_number: o.name for o in offices})
    ctx = CheckContext(
        month=month, masters=masters, certifications=certifications,
        client_services={(s.provider_office_number, s.service_type_code) for s in services},
        renkei_kinds=renkei_kinds, provider_names=provider_names,
    )
    for row in rows:
        if not row.provider_name:
            row.provider_name = provider_names.get(row.provider_office_number, "")
    sheet_errors = check_rows(rows, ctx)
    annex = build_annex(
        rows=rows, masters=masters, certifications=certifications,
        kind_limits={k.service_type_code: k.units for k in client.kind_limits.all()},
        benefit_rate=client.benefit_rate, provider_grades={o.office_number: o.regional_grade for o in offices},
        default_grade=care_office.regional_grade, over_mode=over_mode,
    )
    sheet_errors += [message for line, message in annex.allocation_problems if line is None]
    return SheetState(rows=rows, sheet_errors=sheet_errors, annex=annex, masters=masters,
                      provider_names=provider_names, over_mode=over_mode)


def saved_sheet_state(schedule: ServiceSchedule) -> SheetState:
    return sheet_state(client=schedule.client, month=schedule.month, rows=rows_from_lines(schedule.lines.all()),
                       care_office=schedule.client.office, over_mode=schedule.over_mode)


def schedule_annex(schedule: ServiceSchedule) -> Annex:
    """The 第7表 of the saved lines (used by the CSV builders)."""
    return saved_sheet_state(schedule).annex


def client_schedules(client, *, limit: int) -> list:
    """The client's saved サービス利用票, newest month first."""
    from portal.schedules.models import ServiceSchedule

    return list(ServiceSchedule.objects.filter(client=client).order_by("-month")[:limit])
