"""The month's state per 利用者: which 実績 are in, what is missing, the 給付管理票 it would give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from portal.claims.benefit import (
    CertPeriod,
    ProviderUnits,
    Statement,
    StatementError,
    statement_build,
)
from portal.claims.models import (
    ActualConfirmation,
    Rejection,
    StatementKind,
)
from portal.claims.services.common import (
    CARE_LEVELS_BILLED_HERE,
    month_end,
    statement_to_json,
)

# --------------------------------------------------------------------------- the month's state


@dataclass
class ProviderStatus:
    provider_office_number: str
    provider_name: str
    service_type_code: str
    arrived: bool
    how: str  # 受信 / 手入力 / ""

    @property
    def key(self) -> str:
        return f"{self.provider_office_number}-{self.service_type_code}"


@dataclass
class CloseRow:
    client: object
    schedule: object
    providers: list[ProviderStatus]
    differences: list[dict]
    units: list[ProviderUnits]
    statement: Statement | None
    problems: list[str]
    periods: list[CertPeriod] = field(default_factory=list)
    confirmations: list = field(default_factory=list)  # newest first
    rejections: list = field(default_factory=list)  # newest first

    @property
    def returned(self) -> bool:
        """The 国保連 returned (返戻) the 給付管理票 last filed: it must be confirmed and filed again."""
        current = self.current
        if current is None or current.file is None:
            return False
        return any(
            r.kind == "returned" and r.target == "benefit" and r.recorded_at > current.file.created_at
            for r in self.rejections
        )

    @property
    def current(self):
        return self.confirmations[0] if self.confirmations else None

    @property
    def missing(self) -> list[ProviderStatus]:
        return [p for p in self.providers if not p.arrived]

    @property
    def over_units(self) -> int:
        return self.statement.over_units if self.statement else 0

    @property
    def stale(self) -> bool:
        """Confirmed, but the 実績 have changed since (a new version is needed)."""
        return bool(
            self.current
            and self.statement
            and self.current.kind != StatementKind.CANCELLATION
            and self.current.statement.get("lines") != statement_to_json(self.statement)["lines"]
        )

    @property
    def state(self) -> str:
        if self.current is None:
            return "未確定"
        if self.returned:
            return "返戻"
        if self.stale:
            return "確定後に実績が変更"
        return "確定済み"


def _actual_rows(schedule):
    from portal.schedules.grid import rows_from_lines

    lines = list(schedule.lines.all())
    rows = rows_from_lines(lines)
    for row, line in zip(rows, lines):
        row.days = [str(n) if n else "" for n in (list(line.actual_days) + [0] * 31)[:31]]
    return lines, rows


def _units_and_statement(
    schedule, office, *, masters=None, offices=None
) -> tuple[list[ProviderUnits], Statement | None, list[str], list]:
    """The 第7表 of the 実績 and the 給付管理票 built from it (problems in Japanese)."""
    from portal.schedules.selectors import sheet_state

    client = schedule.client
    month = schedule.month
    lines, rows = _actual_rows(schedule)
    state = sheet_state(client=client, month=month, rows=rows, care_office=office, masters=masters, offices=offices)
    units = []
    for group in state.annex.groups:
        managed = group.managed_units
        over = sum(r.over for r in group.rows if r.limit_target)
        units.append(
            ProviderUnits(
                provider_office_number=group.provider_office_number,
                provider_name=group.provider_name or state.provider_names.get(group.provider_office_number, ""),
                service_type_code=group.service_type_code,
                managed_units=managed,
                over_units=over,
            )
        )
    problems = []
    for code in state.annex.unknown_codes:
        problems.append(f"サービスコード {code} がマスタにありません。")
    certs = [c for c in client.certifications.all() if c.valid_from <= month_end(month) and c.valid_to >= month]
    certified = [c for c in certs if c.is_certified]
    if any(not c.is_certified for c in certs):
        problems.append("この月に認定が申請中・未確定の期間があります（認定結果を登録してください）。")
    periods = [
        CertPeriod(
            care_level=c.care_level,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            limit_units=c.benefit_limit_units or state.masters.benefit_limit(c.care_level) or c.limit_units,
        )
        for c in certified
    ]
    covered = set()
    for c in certified:
        for d in range(1, month_end(month).day + 1):
            if c.valid_from <= month.replace(day=d) <= c.valid_to:
                covered.add(d)
    outside = sorted(
        {d for line in lines for d in range(1, 32) if (list(line.actual_days) + [0] * 31)[d - 1] and d not in covered}
    )
    if outside:
        problems.append(
            "認定の有効期間外の日に実績があります（"
            + "、".join(f"{d}日" for d in outside[:5])
            + ("ほか" if len(outside) > 5 else "")
            + "）。"
        )
    statement = None
    try:
        statement = statement_build(month=month, certifications=periods, units=units)
    except StatementError as exc:
        problems.append(str(exc))
    if statement and statement.care_level not in CARE_LEVELS_BILLED_HERE:
        problems.append("要支援の月は介護予防支援（地域包括支援センター）の給付管理票になります。")
    return units, statement, problems, periods


def _month_masters_and_offices(schedules, month: dt.date):
    """The month's masters and the verified provider offices for every schedule at once (2–3 queries,
    whatever the number of 利用者), handed to each 利用者's 第7表."""
    from portal.masters.selectors import month_masters
    from portal.offices.models import Office

    codes, kinds, numbers = set(), set(), set()
    for schedule in schedules:
        for line in schedule.lines.all():
            codes.add(line.service_type_code + line.service_item_code)
            kinds.add(line.service_type_code)
            numbers.add(line.provider_office_number)
        for s in schedule.client.services.all():
            kinds.add(s.service_type_code)
            numbers.add(s.provider_office_number)
    kinds.discard("")
    masters = month_masters(month, service_codes=codes, kinds=kinds)
    offices = (
        list(
            Office.objects.filter(verification_status="verified", office_number__in=numbers).prefetch_related(
                "service_kinds"
            )
        )
        if numbers
        else []
    )
    return masters, offices


def month_close(office, month: dt.date, client_ids=None) -> list[CloseRow]:
    """Per 利用者 with a 第6表 in ``month``: 実績 arrived per provider, 予実 differences, excess, problems."""
    from portal.claims.ports import received_actuals
    from portal.clients.models import Certification
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    schedules = (
        ServiceSchedule.objects.filter(client__office=office, month=month)
        .select_related("client__care_manager__user", "client__office")
        .prefetch_related(
            Prefetch("client__certifications", queryset=Certification.objects.order_by("valid_from")),
            "client__services",
            "client__kind_limits",
            Prefetch("lines", queryset=ServiceScheduleLine.objects.order_by("sort_order", "pk")),
        )
        .order_by("client__family_name_kana", "client__given_name_kana", "client__pk")
    )
    if client_ids is not None:
        schedules = schedules.filter(client_id__in=list(client_ids))
    schedules = list(schedules)
    ids = [s.client_id for s in schedules]
    masters, offices = _month_masters_and_offices(schedules, month)
    received = received_actuals.get().received_keys(office, month, ids)
    differences: dict[int, list[dict]] = {}
    for diff in received_actuals.get().month_differences(office, month, ids):
        differences.setdefault(diff["client"].pk, []).append(diff)
    confirmations: dict[int, list] = {}
    for c in (
        ActualConfirmation.objects.filter(office=office, month=month, client_id__in=ids)
        .select_related("file")
        .order_by("-version")
    ):
        confirmations.setdefault(c.client_id, []).append(c)

    rejections: dict[int, list] = {}
    for r in Rejection.objects.filter(office=office, month=month, client_id__in=ids).order_by("-recorded_at"):
        rejections.setdefault(r.client_id, []).append(r)
    rows = []
    for schedule in schedules:
        providers: dict[tuple[str, str], ProviderStatus] = {}
        for line in schedule.lines.all():
            key = (line.provider_office_number, line.service_type_code)
            status = providers.get(key)
            if status is None:
                via_hub = (schedule.client_id, *key) in received
                status = providers[key] = ProviderStatus(
                    line.provider_office_number,
                    line.provider_name,
                    key[1],
                    arrived=via_hub,
                    how="受信" if via_hub else "",
                )
            if not status.arrived and line.actual_total > 0:
                status.arrived, status.how = True, "手入力"
        units, statement, problems, periods = _units_and_statement(schedule, office, masters=masters, offices=offices)
        mine = confirmations.get(schedule.client_id, [])
        moved = mine[0].statement.get("over_by") if mine else None
        if statement is not None and moved:  # the care manager moved the excess when confirming: keep it
            try:
                statement = statement_build(month=month, certifications=periods, units=units, over_by=moved)
            except StatementError:
                pass  # the 実績 changed so that the move no longer fits: the row shows as changed
        rows.append(
            CloseRow(
                client=schedule.client,
                schedule=schedule,
                providers=list(providers.values()),
                differences=differences.get(schedule.client_id, []),
                units=units,
                statement=statement,
                problems=problems,
                periods=periods,
                confirmations=mine,
                rejections=rejections.get(schedule.client_id, []),
            )
        )
    return rows
