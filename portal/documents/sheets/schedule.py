"""The サービス利用票 / 提供票 view model: :func:`schedule_sheet` → :class:`ScheduleSheet` (第6表 and 第7表 別表, from\n``portal.schedules.annex``, the same calculator as the 第7表 page)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from portal.clients.models import CareLevel, CertificationStatus, Sex
from portal.core.codes import service_kind_name
from portal.schedules.short_stay import SHORT_STAY_KINDS  # noqa: F401  (re-exported by portal.documents.sheets)

from .common import WEEKDAYS, DocumentUnavailable

SCHEDULE_TITLES = {
    "provision": ("サービス提供票", "サービス提供票別表", "居宅介護支援事業者 → サービス事業者"),
    "usage": ("サービス利用票（兼居宅サービス計画）", "サービス利用票別表", "居宅介護支援事業者 → 利用者"),
}


@dataclass
class GridLine:
    """One service line of the 第6表 day grid (予定 row + 実績 row)."""

    time_label: str
    service_name: str
    service_code: str
    provider_name: str
    provider_number: str
    planned: list[int | str | None]  # 31 cells: "" (none), a count, or None (no such day)
    actual: list[int | str | None]
    planned_total: int
    actual_total: int
    has_actual: bool


@dataclass
class AnnexPrintRow:
    """One printed row of the 第7表 (a service line, or the 合計 row of a provider × kind)."""

    row_type: str  # "line" | "sub"
    provider_name: str = ""
    provider_number: str = ""
    service_name: str = ""
    service_code: str = ""
    units: int | None = None
    discount_rate: int | None = None
    discounted_units: int | None = None
    count: int | None = None
    service_units: int | None = None
    kind_over: int | None = None
    kind_within: int | None = None
    limit_over: int | None = None
    limit_within: int | None = None
    unit_price: object = None
    total_cost: int | None = None
    benefit_rate: int | None = None
    insurance_claim: int | None = None
    copay_insured: int | None = None
    copay_full: int | None = None


@dataclass
class AnnexSheet:
    rows: list[AnnexPrintRow]
    total: AnnexPrintRow
    limit_units: int
    limit_over_units: int
    kinds: list[dict]
    kinds_total_units: int
    kinds_total_over: int
    short_stay_before: int | None
    short_stay_this_month: int | None
    short_stay_total: int | None
    unknown_codes: list[str]


@dataclass
class ScheduleSheet:
    kind: str  # "provision" | "usage"
    schedule_id: int
    title: str
    annex_title: str
    direction: str
    month: dt.date
    created_on: dt.date | None
    insurer_number: str
    insurer_name: str
    insured_number: str
    notified_on: dt.date | None  # 居宅サービス計画作成依頼届出年月日
    client_name: str
    client_kana: str
    birth_date: dt.date
    sex_choices: list[tuple[str, bool]]
    care_level_label: str
    changed_care_level_label: str  # 変更後要介護状態区分 (a second 認定 starting within the month)
    changed_on: dt.date | None  # 変更日
    applying: bool
    limit_units: int
    limit_from: dt.date
    limit_to: dt.date
    short_stay_days_before: int | None
    care_office_name: str
    care_office_number: str
    care_manager_name: str
    provider_number: str
    provider_label: str
    provider_only: bool
    copay_ratio: int
    benefit_rate: int
    days: list[dict]
    lines: list[GridLine]
    planned_total: int
    actual_total: int
    has_actual: bool
    annex: AnnexSheet = field(default=None)

    @property
    def texts(self) -> list[str]:
        return [self.client_name, self.insured_number] + [line.service_name for line in self.lines]


def _time_label(start: str, end: str) -> str:
    if not start or start == "9999" or not end or end == "9999":
        return ""
    return f"{start[:2]}:{start[2:]}\n～{end[:2]}:{end[2:]}"


def _day_cells(values, days_in_month: int) -> list[int | str | None]:
    out: list[int | str | None] = []
    for i in range(31):
        if i >= days_in_month:
            out.append(None)
        else:
            n = int(values[i] or 0) if i < len(values) else 0
            out.append(n if n else "")
    return out


def month_days(month: dt.date) -> list[dict]:
    """The 31 columns of the grid: day number, 曜日 and a class for 土/日 (blank past month end)."""
    n = calendar.monthrange(month.year, month.month)[1]
    out = []
    for i in range(1, 32):
        if i > n:
            out.append({"day": None, "weekday": "", "cls": "off"})
            continue
        wd = dt.date(month.year, month.month, i).weekday()
        out.append({"day": i, "weekday": WEEKDAYS[wd], "cls": "sat" if wd == 5 else "sun" if wd == 6 else ""})
    return out


def _care_level_label(code: str) -> str:
    return CareLevel(code).label if code in CareLevel.values else code


def schedule_certification(schedule):
    """The 認定 that applies to the month: covering its first day, else its last day, else any
    certification overlapping the month (latest start wins). None when there is none."""
    client = schedule.client
    first = schedule.month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    cert = client.certification_on(first) or client.certification_on(last)
    if cert is None:
        overlapping = [c for c in client.certifications.all() if c.valid_from <= last and c.valid_to >= first]
        cert = max(overlapping, key=lambda c: c.valid_from, default=None)
    return cert


def _annex_print(annex, *, provider_number: str, schedule_lines, short_stay=None) -> AnnexSheet:
    groups = [g for g in annex.groups if not provider_number or g.provider_office_number == provider_number]
    rows: list[AnnexPrintRow] = []
    for g in groups:
        with_amounts = not g.needs_subtotal
        for r in g.rows:
            row = AnnexPrintRow(
                row_type="line",
                provider_name=g.provider_name,
                provider_number=g.provider_office_number,
                service_name=r.name,
                service_code=r.service_code,
                units=r.units,
                count=r.count,
                service_units=r.service_units,
                discount_rate=r.discount_rate,
                discounted_units=r.discounted_units,
            )
            if r.limit_target:
                row.kind_over, row.kind_within = r.kind_over, r.kind_in
                row.limit_over, row.limit_within = r.class_over, r.class_in
            if with_amounts:
                _amounts(row, g)
                row.limit_within = g.class_in
            rows.append(row)
        if g.needs_subtotal:
            sub = AnnexPrintRow(
                row_type="sub",
                provider_name=g.provider_name,
                provider_number=g.provider_office_number,
                service_name=f"{service_kind_name(g.service_type_code)}合計",
                service_units=g.service_units,
                kind_over=g.kind_over,
                kind_within=g.kind_in,
                limit_over=g.class_over,
                limit_within=g.class_in,
            )
            _amounts(sub, g)
            rows.append(sub)
    if provider_number:
        total = AnnexPrintRow(
            row_type="total",
            service_units=sum(g.service_units for g in groups),
            kind_over=sum(g.kind_over for g in groups),
            kind_within=sum(g.kind_in for g in groups),
            limit_over=sum(g.class_over for g in groups),
            limit_within=sum(g.class_in for g in groups),
            total_cost=sum(g.cost_total for g in groups),
            insurance_claim=sum(g.insurance_claim for g in groups),
            copay_insured=sum(g.copay_insured for g in groups),
            copay_full=sum(g.copay_full for g in groups),
        )
    else:
        total = AnnexPrintRow(
            row_type="total",
            service_units=annex.service_units,
            kind_over=annex.kind_over,
            kind_within=annex.kind_in,
            limit_over=annex.class_over,
            limit_within=annex.class_in,
            total_cost=annex.cost_total,
            insurance_claim=annex.insurance_claim,
            copay_insured=annex.copay_insured,
            copay_full=annex.copay_full,
        )
    kind_totals = annex.kind_totals()
    kind_over = annex.kind_over_totals()
    shown_kinds = {g.service_type_code for g in groups}
    kinds = [
        {
            "code": code,
            "name": service_kind_name(code),
            "limit_units": annex.kind_limits.get(code),
            "units": units,
            "over_units": kind_over.get(code, 0),
        }
        for code, units in kind_totals.items()
        if code in shown_kinds
    ]
    stay = short_stay if short_stay is not None and (short_stay.used or short_stay.entered) else None
    return AnnexSheet(
        rows=rows,
        total=total,
        limit_units=annex.benefit_limit_units,
        limit_over_units=annex.over_units,
        kinds=kinds,
        kinds_total_units=sum(k["units"] for k in kinds),
        kinds_total_over=sum(k["over_units"] for k in kinds),
        short_stay_before=stay.before if stay else None,
        short_stay_this_month=stay.this_month if stay else None,
        short_stay_total=stay.total if stay else None,
        unknown_codes=annex.unknown_codes,
    )


def _amounts(row: AnnexPrintRow, group) -> None:
    row.unit_price = group.unit_price
    row.total_cost = group.cost_total
    row.benefit_rate = group.benefit_rate
    row.insurance_claim = group.insurance_claim
    row.copay_insured = group.copay_insured
    row.copay_full = group.copay_full


def schedule_queryset():
    """ServiceSchedule rows with what the 第6表/第7表 print, in a constant number of queries."""
    from django.db.models import Prefetch

    from portal.clients.models import Certification
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    return ServiceSchedule.objects.select_related("client__office", "client__care_manager__user").prefetch_related(
        "client__office__service_kinds",
        Prefetch("client__certifications", queryset=Certification.objects.order_by("valid_from")),
        "client__services",
        "client__kind_limits",
        Prefetch("lines", queryset=ServiceScheduleLine.objects.order_by("sort_order", "pk")),
    )


def schedule_providers(schedule) -> list[tuple[str, str]]:
    """(事業所番号, 事業所名) of the providers on a schedule, in line order."""
    seen: dict[str, str] = {}
    for line in schedule.lines.all():
        if line.provider_office_number not in seen or not seen[line.provider_office_number]:
            seen[line.provider_office_number] = line.provider_name
    return list(seen.items())


def schedule_sheet(schedule, *, kind: str = "provision", provider_number: str = "") -> ScheduleSheet:
    """第6表 + 第7表 of one 利用者's month.

    ``kind`` is ``"provision"`` (サービス提供票, the provider's copy) or ``"usage"`` (サービス利用票,
    the client's copy). With ``provider_number`` the grid and the 別表 show that provider's lines
    only (the 別表 rows are still those the whole month's 第7表 calculated).
    """
    from portal.core.wareki import wareki_month

    if kind not in SCHEDULE_TITLES:
        raise ValueError(f"unknown schedule document kind: {kind}")
    client = schedule.client
    month_label = wareki_month(schedule.month)
    cert = schedule_certification(schedule)
    if cert is None:
        raise DocumentUnavailable(
            f"{client.full_name}さんには{month_label}に有効な認定（要介護状態区分・認定有効期間）が登録されていないため、"
            f"{SCHEDULE_TITLES[kind][0]}を作成できません。利用者の画面で認定を登録してから、もう一度お試しください。"
        )
    last = schedule.last_day
    changed = min(
        (
            c
            for c in client.certifications.all()
            if cert.valid_from < c.valid_from <= last and c.valid_from > schedule.month
        ),
        key=lambda c: c.valid_from,
        default=None,
    )
    all_lines = list(schedule.lines.all())
    lines = [ln for ln in all_lines if not provider_number or ln.provider_office_number == provider_number]
    if not lines:
        where = f"（事業所番号 {provider_number}）" if provider_number else ""
        raise DocumentUnavailable(
            f"{client.full_name}さんの{month_label}のサービス利用票{where}にサービスの行がないため、"
            f"{SCHEDULE_TITLES[kind][0]}を作成できません。サービス利用票（第6表）でサービスを入力してから、もう一度お試しください。"
        )
    state = schedule_state(schedule)
    annex = state.annex
    names: dict = {}
    for row in annex.rows:  # a line's first row (its 30日超 row, if any, follows)
        names.setdefault(row.line.line_id, row.name)
    days_in_month = schedule.days_in_month
    grid: list[GridLine] = []
    for ln in lines:
        planned = _day_cells(ln.planned_days, days_in_month)
        actual = _day_cells(ln.actual_days, days_in_month)
        actual_total = ln.actual_total
        grid.append(
            GridLine(
                time_label=_time_label(ln.start_time, ln.end_time),
                service_name=names.get(ln.pk, "") or ln.service_code,
                service_code=ln.service_code,
                provider_name=ln.provider_name or state.provider_names.get(ln.provider_office_number, ""),
                provider_number=ln.provider_office_number,
                planned=planned,
                actual=actual,
                planned_total=ln.planned_total,
                actual_total=actual_total,
                has_actual=actual_total > 0,
            )
        )
    providers = {number: name or state.provider_names.get(number, "") for number, name in schedule_providers(schedule)}
    provider_label = ""
    if provider_number:
        provider_label = f"{providers.get(provider_number) or ''}（{provider_number}）".lstrip()
    elif kind == "provision":
        provider_label = "、".join(name or number for number, name in providers.items())
    title, annex_title, direction = SCHEDULE_TITLES[kind]
    care_office_name, care_office_number, care_manager_name = _care_office_of(schedule)
    return ScheduleSheet(
        kind=kind,
        schedule_id=schedule.pk,
        title=title,
        annex_title=annex_title,
        direction=direction,
        month=schedule.month,
        created_on=schedule.created_on,
        insurer_number=client.insurer_number,
        insurer_name=client.insurer_name,
        insured_number=client.insured_number,
        notified_on=client.plan_notified_on,
        client_name=client.full_name,
        client_kana=client.full_name_kana,
        birth_date=client.birth_date,
        sex_choices=[("男", client.sex == Sex.MALE), ("女", client.sex == Sex.FEMALE)],
        care_level_label=_care_level_label(cert.care_level),
        changed_care_level_label=_care_level_label(changed.care_level) if changed else "",
        changed_on=changed.valid_from if changed else None,
        applying=cert.status == CertificationStatus.APPLYING,
        limit_units=annex.benefit_limit_units,
        limit_from=cert.valid_from,
        limit_to=cert.valid_to,
        short_stay_days_before=(
            state.short_stay.before
            if state.short_stay is not None and (state.short_stay.used or state.short_stay.entered)
            else None
        ),
        care_office_name=care_office_name,
        care_office_number=care_office_number,
        care_manager_name=care_manager_name,
        provider_number=provider_number,
        provider_label=provider_label,
        provider_only=bool(provider_number),
        copay_ratio=int(client.copay_ratio),
        benefit_rate=client.benefit_rate,
        days=month_days(schedule.month),
        lines=grid,
        planned_total=sum(g.planned_total for g in grid),
        actual_total=sum(g.actual_total for g in grid),
        has_actual=any(g.has_actual for g in grid),
        annex=_annex_print(annex, provider_number=provider_number, schedule_lines=lines, short_stay=state.short_stay),
    )


def _care_office_of(schedule) -> tuple[str, str, str]:
    """(事業所名, 事業所番号, 担当者名) of the 居宅介護支援事業者 that wrote the month.

    In a care-management office that is the office itself and the client's care manager. In a
    provider office the month was received through the linkage: the sender and the planner it
    named (read from the exchange app's record of what was received)."""
    client = schedule.client
    office = client.office
    if office.is_care_management:
        return office.name, office.office_number, client.care_manager.name if client.care_manager else ""
    from portal.documents.ports import received_schedules
    from portal.offices.models import Office

    received = received_schedules.get().sender_of(schedule)
    if received is None:
        return "", "", ""
    # Office (the tenant table) is not scoped; only the sender's public name is read.
    sender = Office.objects.filter(office_number=received.office_number).values_list("name", flat=True).first()
    return sender or "", received.office_number, received.planner


def schedule_state(schedule):
    """The schedules app's own reading of a saved month (lines checked, 第7表 calculated,
    provider names resolved) — the same call its 第6表/第7表 pages make."""
    from portal.schedules.selectors import saved_sheet_state

    return saved_sheet_state(schedule)
