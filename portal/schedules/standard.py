"""サービス利用票 → the standard CSV files (利用票 send unit: UPPLAN + UPSIKYU + UPHOSOKU).

Only field numbers live here; ``linkage.standard`` knows the layouts, writes the files
(MS932, quoting, names) and validates them. The exchange app reuses:

- :func:`schedule_send_units` — one ``linkage.standard.SendUnit`` per recipient (provider office
  × service kind, §d-3); each carries ALL linked services of the client's month (6表), the
  第7表 and the 利用者補足情報 in its 6表/7表 mode.
- :func:`hosoku_rows` — the 利用者補足情報 record(s), derived from the client register and the
  month's 第7表 (never typed twice).
- :func:`schedule_records` — the UPPLAN / UPSIKYU / UPHOSOKU records of one schedule.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from linkage.standard import LINKED_SERVICE_KINDS, ZERO_DATE, SendUnit
from linkage.standard.layouts import WELFARE_EQUIPMENT_KINDS
from portal.clients.models import CertificationStatus
from portal.offices.selectors import sender_kind_of
from portal.schedules.annex import Annex, AnnexGroup, AnnexRow
from portal.schedules.models import NO_TIME, ServiceSchedule
from portal.schedules.short_stay import SHORT_STAY_KINDS, ShortStay, short_stay_of

KIND_LIMIT_SLOTS = 9
TOTAL_OFFICE = "9999999999"
TOTAL_CODE = "999999"


def _ym(month: date) -> str:
    return f"{month.year:04d}{month.month:02d}"


def _postal(value: str) -> str | None:
    return value if value and re.fullmatch(r"\d{3}-\d{4}", value) else None


def _phone(value: str) -> str | None:
    value = (value or "").strip()
    return value[:15] if value and re.fullmatch(r"[0-9()\-+ ]+", value) else None


# --------------------------------------------------------------------------- 利用者補足情報


def _month_certifications(client, month: date) -> list:
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    certs = [c for c in client.certifications.all() if c.valid_from <= last and c.valid_to >= month]
    return sorted(certs, key=lambda c: c.valid_from)


def hosoku_rows(
    client, *, month: date, office_number: str, annex: Annex | None = None, short_stay: ShortStay | None = None
) -> list[dict]:
    """利用者補足情報 (UPHOSOKU) in its 6表/7表 mode: No.4 = 00000000, No.63 = 対象年月.

    Figures come from the register (the certification(s) overlapping the month) and, when
    given, the month's 第7表 (区分支給限度基準額 used, 種類支給限度 totals and over-limit units).
    A mid-month change of care level fills 要介護状態変更日 (No.17) and 前回要介護状態区分 (No.59).
    """
    rec: dict[int, object] = {
        2: client.insurer_number,
        3: client.insured_number,
        4: ZERO_DATE,
        5: client.full_name_kana,
        6: client.full_name,
        7: client.sex or None,
        8: client.birth_date,
        9: _postal(client.postal_code),
        10: client.address or None,
        11: client.address2 or None,
        12: _phone(client.phone),
        60: office_number,
        61: office_number,
        63: _ym(month),
    }
    certs = _month_certifications(client, month)
    if certs:
        cert = certs[-1]
        certified = cert.status == CertificationStatus.CERTIFIED
        rec.update(
            {
                13: cert.certified_on,
                14: cert.valid_from if certified else None,
                15: cert.valid_to if certified else None,
                16: cert.status,
                18: cert.care_level,
                19: (annex.benefit_limit_units if annex is not None else cert.limit_units) or None,
            }
        )
        if len(certs) > 1 and certs[-2].care_level != cert.care_level:
            rec[17] = cert.valid_from
            rec[59] = certs[-2].care_level
    kind_totals = annex.kind_totals() if annex is not None else {}
    kind_over = annex.kind_over_totals() if annex is not None else {}
    for slot, limit in enumerate(list(client.kind_limits.all())[:KIND_LIMIT_SLOTS]):
        no = 20 + 4 * slot
        rec[no] = limit.service_type_code
        rec[no + 1] = limit.units
        rec[no + 2] = kind_totals.get(limit.service_type_code, 0)
        rec[no + 3] = kind_over.get(limit.service_type_code, 0)
    if annex is not None:
        rec[56] = annex.over_units
    if short_stay is not None and (short_stay.used or short_stay.entered):
        rec[57] = short_stay.before
        rec[58] = short_stay.total
    return [rec]


# --------------------------------------------------------------------------- 第6表 / 第7表


def _linked(code: str) -> bool:
    return code[:2] in LINKED_SERVICE_KINDS


def satellite_branches(client, lines=()) -> dict[tuple[str, str], str]:
    """サテライト枝番 per (provider office, service kind) (6表 No.22, 7表 No.8): the 利用者's services
    (the office's own record), otherwise the value received with the schedule's lines."""
    out = {
        (s.provider_office_number, s.service_type_code): s.satellite_branch
        for s in client.services.all()
        if s.satellite_branch
    }
    for line in lines:
        if line.satellite_branch:
            out.setdefault((line.provider_office_number, line.service_type_code), line.satellite_branch)
    return out


def schedule_short_stay(schedule: ServiceSchedule) -> ShortStay:
    """The month's 短期入所 days of the saved 予定 (see :mod:`portal.schedules.short_stay`)."""
    return short_stay_of(
        client=schedule.client,
        month=schedule.month,
        lines=((x.service_type_code, x.planned_days) for x in schedule.lines.all()),
        entered_before=schedule.short_stay_days_before,
    )


def _stay_days_fields(short_stay: ShortStay | None) -> dict:
    """第7表 Nos.30–32 on the rows of a 短期入所 kind."""
    if short_stay is None or not (short_stay.used or short_stay.entered):
        return {}
    return {30: short_stay.before, 31: short_stay.this_month, 32: short_stay.total}


def detail_numbers(items) -> dict:
    """第6表 No.19 明細判別コード: ``items`` are ``(key, provider, service code, units)``; 福祉用具貸与
    (17/67) items that share provider, service code and units but are different lines (e.g. 手すり
    居室分 and 廊下分) get 1, 2, 3… in the given order; everything else gets nothing (Null)."""
    groups: dict[tuple, list] = {}
    for key, provider, code, units in items:
        if code[:2] in WELFARE_EQUIPMENT_KINDS:
            members = groups.setdefault((provider, code, units), [])
            if key not in members:
                members.append(key)
    return {key: n for members in groups.values() if len(members) > 1 for n, key in enumerate(members, start=1)}


def plan_records(
    *,
    schedule: ServiceSchedule,
    annex: Annex,
    created_on: date,
    office_number: str,
    planner_name: str,
    short_stay: ShortStay | None = None,
) -> list[dict]:
    """UPPLAN: one record per service, provider and day (予定). No.8 is the 割引後単位数 when the
    provider offers a 割引; 短期入所 records carry No.9 前月までの利用日数 and No.23 ３０日超区分."""
    month = schedule.month
    days = schedule.days_in_month
    rows = [r for r in annex.rows if _linked(r.service_code) and not r.unknown]
    last_day_of_group: dict[tuple[str, str], int] = {}
    for r in rows:
        counts = list(r.line.days)[:days]
        planned = [d for d, n in enumerate(counts, start=1) if n]
        if planned:
            key = (r.provider_office_number, r.line.service_type_code)
            last_day_of_group[key] = max(last_day_of_group.get(key, 0), planned[-1])
    lines_by_id = {line.pk: line for line in schedule.lines.all()}
    satellites = satellite_branches(schedule.client, lines_by_id.values())
    detail = detail_numbers(
        (r.line.line_id or id(r.line), r.provider_office_number, r.service_code, r.unit_value)
        for r in rows
        if not r.over30
    )
    before = short_stay.before if short_stay is not None and (short_stay.used or short_stay.entered) else None
    out = []
    for r in rows:
        line = lines_by_id.get(r.line.line_id)
        start = line.start_time if line is not None else NO_TIME
        end = line.end_time if line is not None else NO_TIME
        flags = (line.prorated_days if line is not None else "") or None
        base = {
            2: schedule.client.insurer_number,
            3: schedule.client.insured_number,
            4: created_on,
            5: _ym(month),
            6: office_number,
            7: planner_name or None,
            11: flags,
            15: r.service_code,
            16: r.line.tais_code or None,
            17: r.line.notified_code or None,
            18: r.line.equipment_name or None,
            19: detail.get(r.line.line_id or id(r.line)),
            20: r.provider_office_number,
            21: r.line.provider_name or None,
            22: satellites.get((r.provider_office_number, r.line.service_type_code)),
            23: "1" if r.over30 else "0",
            24: office_number,
        }
        if r.line.service_type_code in SHORT_STAY_KINDS:
            base[9] = before
        if r.is_rate:
            day = last_day_of_group.get((r.provider_office_number, r.line.service_type_code), days)
            out.append({**base, 8: r.units, 10: month.replace(day=day), 12: NO_TIME, 13: NO_TIME, 14: 1})
            continue
        for d, n in enumerate(list(r.line.days)[:days], start=1):
            if n and r.over30 == (d in r.line.over30_days):
                out.append({**base, 8: r.unit_value, 10: month.replace(day=d), 12: start, 13: end, 14: int(n)})
    return out


def _group_amounts(g: AnnexGroup) -> dict:
    return {
        19: g.kind_over,
        20: g.kind_in,
        21: g.class_over,
        22: g.class_in,
        23: g.unit_price,
        24: g.cost_total,
        25: g.benefit_rate,
        26: g.insurance_claim,
        28: g.copay_insured,
        29: g.copay_full,
    }


def annex_records(
    *,
    schedule: ServiceSchedule,
    annex: Annex,
    created_on: date,
    office_number: str,
    short_stay: ShortStay | None = None,
) -> list[dict]:
    """UPSIKYU: detail rows, a 区分支給対象種類別小計 (<kind>AAAA) per provider × kind with several
    rows, and the 全合計 (999999 / 9999999999). Amounts sit on the group's 小計 row, or on the
    detail row of a single-row group, as on the printed 第7表.

    A 割引 fills 割引後率 / 割引後単位数 (Nos.14/15) of the detail rows; the 短期入所 rows carry the
    days (Nos.30–32), and the days past 30 consecutive days a row of their own with ３０日超区分 1.

    No.35 入力者コード stays empty: the standard gives it only as a 10-digit number (数字, 10) with no
    meaning or code list, and no member has such a code (the 介護支援専門員番号 is 8 digits); padding a
    personal number into it would invent a format the receiver cannot read."""
    client = schedule.client
    common = {
        2: client.insurer_number,
        3: client.insured_number,
        4: created_on,
        5: _ym(schedule.month),
        33: "0",
        34: TOTAL_OFFICE,
        36: office_number,
    }
    out = []
    satellites = satellite_branches(client, schedule.lines.all())
    stay = _stay_days_fields(short_stay)
    groups = [g for g in annex.groups if g.service_type_code in LINKED_SERVICE_KINDS]
    for g in groups:
        rows: list[AnnexRow] = [r for r in g.rows if not r.unknown]
        if not rows:
            continue
        for r in rows:
            rec = {
                **common,
                6: g.provider_name or None,
                7: g.provider_office_number,
                8: satellites.get((g.provider_office_number, g.service_type_code)),
                9: r.service_code,
                10: r.line.tais_code or None,
                11: r.line.notified_code or None,
                12: r.line.equipment_name or None,
                13: r.units,
                14: r.discount_rate,
                15: r.discounted_units,
                16: r.count,
                17: r.service_units,
                18: r.managed_units,
                33: "1" if r.over30 else "0",
                **(stay if g.service_type_code in SHORT_STAY_KINDS else {}),
            }
            if len(rows) == 1:
                rec.update(_group_amounts(g))
            out.append(rec)
        if len(rows) > 1:
            out.append(
                {
                    **common,
                    6: g.provider_name or None,
                    7: g.provider_office_number,
                    8: satellites.get((g.provider_office_number, g.service_type_code)),
                    9: f"{g.service_type_code}AAAA",
                    13: 0,
                    16: 0,
                    17: g.service_units,
                    18: g.managed_units or None,
                    **_group_amounts(g),
                    **(stay if g.service_type_code in SHORT_STAY_KINDS else {}),
                }
            )
    out.append(
        {
            **common,
            7: TOTAL_OFFICE,
            9: TOTAL_CODE,
            13: 0,
            16: 0,
            17: sum(g.service_units for g in groups),
            18: sum(g.managed_units for g in groups) or None,
            19: sum(g.kind_over for g in groups),
            20: sum(g.kind_in for g in groups),
            21: sum(g.class_over for g in groups),
            22: sum(g.class_in for g in groups),
            24: sum(g.cost_total for g in groups),
            26: sum(g.insurance_claim for g in groups),
            28: sum(g.copay_insured for g in groups),
            29: sum(g.copay_full for g in groups),
        }
    )
    return out


@dataclass
class ScheduleRecords:
    plan: list[dict]
    annex: list[dict]
    hosoku: list[dict]
    recipients: list[tuple[str, str]]  # (provider office number, service kind)


def schedule_records(
    *, schedule: ServiceSchedule, annex: Annex, sender_office, created_on: date, short_stay: ShortStay | None = None
) -> ScheduleRecords:
    client = schedule.client
    planner = client.care_manager.name if client.care_manager_id else (schedule.updated_by_name or "")
    if short_stay is None:
        short_stay = schedule_short_stay(schedule)
    plan = plan_records(
        schedule=schedule,
        annex=annex,
        created_on=created_on,
        office_number=sender_office.office_number,
        planner_name=planner,
        short_stay=short_stay,
    )
    recipients = []
    for r in annex.rows:
        key = (r.provider_office_number, r.line.service_type_code)
        if _linked(r.service_code) and not r.unknown and key not in recipients:
            recipients.append(key)
    return ScheduleRecords(
        plan=plan,
        annex=annex_records(
            schedule=schedule,
            annex=annex,
            created_on=created_on,
            office_number=sender_office.office_number,
            short_stay=short_stay,
        ),
        hosoku=hosoku_rows(
            client, month=schedule.month, office_number=sender_office.office_number, annex=annex, short_stay=short_stay
        ),
        recipients=recipients,
    )


def schedule_send_units(
    *, schedule: ServiceSchedule, sender_office, created_at: datetime, annex: Annex | None = None
) -> list[SendUnit]:
    """One 利用票 send unit per recipient (provider office × service kind), all with the same
    ファイル連番 ``created_at``. Call ``.build()`` on each (it validates the files).

    ``annex`` defaults to the schedule's 第7表 calculated from the current masters."""
    if annex is None:
        from portal.schedules.selectors import schedule_annex

        annex = schedule_annex(schedule)
    records = schedule_records(
        schedule=schedule, annex=annex, sender_office=sender_office, created_on=created_at.date()
    )
    units = []
    for office_number, kind in records.recipients:
        unit = SendUnit(
            "schedule",
            sender_office=sender_office.office_number,
            sender_kind=sender_kind_of(sender_office),
            recipient_office=office_number,
            recipient_kind=kind,
            sequence=created_at,
            month=schedule.month,
        )
        unit.add("UPPLAN", records.plan).add("UPSIKYU", records.annex).add("UPHOSOKU", records.hosoku)
        units.append(unit)
    return units
