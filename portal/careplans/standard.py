"""居宅サービス計画書 → the standard CSV files (計画書 send unit and 1表_削除).

This module only maps portal models to field numbers; ``linkage.standard`` knows the layouts,
writes the files (MS932, quoting, file names) and validates them.

- :func:`plan_send_units` — UP1KYO + UP2KYO + UP3KYO + UPHOSOKU (補足 in its 計画書 mode:
  No.4 = 居宅サービス計画作成（変更）日, No.63 and the name month = 000000) for one recipient.
- :func:`plan_deletion_send_unit` — DLT1KYO for one recipient.
- :func:`hosoku_record` — the 利用者補足情報 record in 計画書 mode, derived from the client register
  (via ``portal.schedules.standard.hosoku_rows``) and the plan's 認定 as printed on it.
- :func:`plan_recipients` — the provider offices named in the plan (第2表 / 第3表 / the client's
  利用サービス), i.e. to whom the plan is sent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from linkage.standard import LINKED_SERVICE_KINDS, ZERO_MONTH, BuiltUnit, build_send_unit
from portal.careplans.models import CarePlan, PlanStatus
from portal.careplans.selectors import needs_tree, table2_rows
from portal.clients.models import DEFAULT_BENEFIT_LIMITS, CertificationStatus
from portal.core.wareki import wareki_date
from portal.offices.selectors import sender_kind_of

KIND_LIMIT_SLOTS = 9  # 利用者補足情報 Nos.20–55: 種類支給限度 slots １〜９


def _postal(value: str) -> str | None:
    """郵便番号 as XXX-XXXX (the register may hold 1600023 or 160-0023); None when not 7 digits."""
    digits = re.sub(r"\D", "", value or "")
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _period(start: dt.date | None, end: dt.date | None) -> str | None:
    """A 期間 as printed on the form, e.g. 令和8年4月1日～令和8年9月30日."""
    if not start and not end:
        return None
    return f"{wareki_date(start) if start else ''}～{wareki_date(end) if end else ''}"


# --------------------------------------------------------------------------- records


def _keys(client) -> dict:
    return {2: client.insurer_number, 3: client.insured_number}


def table1_record(plan: CarePlan) -> dict:
    client = plan.client
    rec = _keys(client)
    rec.update(
        {
            4: plan.plan_date,
            5: _postal(client.postal_code),
            6: _text(client.address),
            7: _text(client.address2),
            8: _text(plan.author_name),
            9: _text(plan.office_name),
            10: _postal(plan.office_postal_code),
            11: _text(plan.office_address),
            12: None,
            13: plan.office_number or None,
            14: plan.plan_date,
            15: plan.first_plan_date,
            16: plan.plan_category or None,
            17: plan.certification_status or None,
            18: plan.certified_on,
            19: plan.cert_valid_from,
            20: plan.cert_valid_to,
            21: plan.care_level or None,
            22: _text(plan.user_intentions),
            23: _text(plan.committee_opinion),
            24: _text(plan.support_policy),
            25: plan.living_support_reason or None,
            26: _text(plan.living_support_other) if plan.living_support_reason == "3" else None,
            27: plan.office_number or None,
            28: None,
        }
    )
    return rec


def table2_records(plan: CarePlan, needs=None) -> list[dict]:
    """One UP2KYO record per printed row; repeated 課題/目標 text is left blank (§d-6)."""
    client = plan.client
    out = []
    for row in table2_rows(needs if needs is not None else needs_tree(plan)):
        rec = _keys(client)
        rec.update({4: plan.plan_date, 5: plan.plan_date, 6: row.need_no, 21: plan.office_number or None})
        if row.need_first:
            rec[7] = _text(row.need.text)
        if row.goal is not None:
            rec[8] = row.goal_no
            if row.goal_first:
                rec[9] = _text(row.goal.long_term_goal)
                rec[11] = _period(row.goal.long_from, row.goal.long_to)
        if row.short_goal is not None and row.short_first:
            rec[10] = _text(row.short_goal.text)
            rec[12] = _period(row.short_goal.short_from, row.short_goal.short_to)
        item = row.item
        if item is not None:
            rec.update(
                {
                    13: row.item_no,
                    14: _text(item.content),
                    15: "Y" if item.insurance_covered else "N",
                    16: _text(item.service_kind),
                    17: item.provider_office_number or None,
                    18: _text(item.provider_name),
                    19: _text(item.frequency),
                    20: _period(item.period_from, item.period_to),
                }
            )
        out.append(rec)
    return out


def table3_records(plan: CarePlan) -> list[dict]:
    """UP3KYO: one record per weekly service, per daily activity and per 週単位以外のサービス line."""
    client = plan.client
    base = {**_keys(client), 4: plan.plan_date, 5: plan.plan_date}
    out = []
    for a in plan.weekly_activities.all():
        out.append({**base, 6: _text(a.content), 7: str(a.weekday), 8: a.start_time, 9: a.end_time})
    for a in plan.daily_activities.all():
        out.append({**base, 10: _text(a.content), 11: a.start_time, 12: a.end_time or a.start_time})
    for line in (plan.non_weekly_services or "").splitlines():
        if line.strip():
            out.append({**base, 13: line.strip()})
    return out


@dataclass(frozen=True)
class CertificationFigures:
    """The 認定 values a 補足 record carries."""

    status: str
    care_level: str
    certified_on: dt.date | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    limit_units: int | None


def _figures_from_plan(plan: CarePlan) -> CertificationFigures:
    limit = None
    cert = None
    if plan.cert_valid_from:
        cert = next(
            (
                c
                for c in plan.client.certifications.all()
                if c.valid_from == plan.cert_valid_from and c.care_level == plan.care_level
            ),
            None,
        )
    if cert is not None:
        limit = cert.limit_units
    elif plan.care_level:
        limit = DEFAULT_BENEFIT_LIMITS.get(plan.care_level)
    return CertificationFigures(
        plan.certification_status, plan.care_level, plan.certified_on, plan.cert_valid_from, plan.cert_valid_to, limit
    )


def hosoku_record(
    *, client, office_number: str, plan_date: dt.date, figures: CertificationFigures | None = None
) -> dict:
    """利用者補足情報 (UPHOSOKU) in its 計画書 mode: No.4 = the plan's 作成（変更）日, No.63 = 000000.

    The person (name, sex, birth date, address, phone) and the 種類支給限度 slots come from the
    client register through the schedules app's :func:`portal.schedules.standard.hosoku_rows`
    (its 6表/7表 mode), so both modes derive them the same way; the 認定 figures are the ones
    printed on the plan (``figures``; default: the register's certification on ``plan_date``).
    """
    from portal.schedules.standard import hosoku_rows

    rec = dict(hosoku_rows(client, month=plan_date.replace(day=1), office_number=office_number)[0])
    rec[4] = plan_date
    rec[63] = ZERO_MONTH
    rec.pop(17, None)  # 要介護状態変更日 / 前回要介護状態区分 belong to a month's 利用票
    rec.pop(59, None)
    rec.pop(56, None)
    for slot in range(KIND_LIMIT_SLOTS):  # the month's totals are not part of a plan
        rec.pop(22 + 4 * slot, None)
        rec.pop(23 + 4 * slot, None)
    if rec.get(9) is None:
        rec[9] = _postal(client.postal_code)
    if figures is None:
        cert = client.certification_on(plan_date) or next(iter(client.certifications.all()), None)
        if cert is not None:
            figures = CertificationFigures(
                cert.status, cert.care_level, cert.certified_on, cert.valid_from, cert.valid_to, cert.limit_units
            )
    for no in (13, 14, 15, 16, 18, 19):
        rec.pop(no, None)
    if figures is not None:
        certified = figures.status == CertificationStatus.CERTIFIED
        rec.update(
            {
                13: figures.certified_on,
                14: figures.valid_from if certified else None,
                15: figures.valid_to if certified else None,
                16: figures.status or None,
                18: figures.care_level or None,
                19: figures.limit_units if (certified and figures.limit_units) else None,
            }
        )
    return rec


# --------------------------------------------------------------------------- send units


def _load(plan: CarePlan) -> CarePlan:
    """The plan with everything the records need, in a fixed number of queries."""
    return (
        CarePlan.objects.select_related("client", "client__office")
        .prefetch_related("client__certifications", "client__kind_limits", "weekly_activities", "daily_activities")
        .get(pk=plan.pk)
    )


def plan_send_units(
    *, plan: CarePlan, sender_office, recipient_office_number: str, recipient_kind: str, created_at: dt.datetime
) -> BuiltUnit:
    """The 計画書 send unit (UP1KYO + UP2KYO + UP3KYO + UPHOSOKU) for one recipient office.

    ``created_at`` is the ファイル連番 (second resolution) shared by the files. Returns the
    ``BuiltUnit`` (``.files`` = [(name, bytes)], ``.findings`` from the validator, ``.ok``).
    """
    plan = _load(plan)
    records = {
        "UP1KYO": [table1_record(plan)],
        "UP2KYO": table2_records(plan),
        "UP3KYO": table3_records(plan),
        "UPHOSOKU": [
            hosoku_record(
                client=plan.client,
                office_number=plan.office_number or sender_office.office_number,
                plan_date=plan.plan_date,
                figures=_figures_from_plan(plan),
            )
        ],
    }
    base = {**_keys(plan.client), 4: plan.plan_date, 5: plan.plan_date}
    # A send unit is a complete set (§d-2): a plan without 2表 rows or 3表 entries still sends
    # the file, with one record that carries only the keys.
    records["UP2KYO"] = records["UP2KYO"] or [{**base, 21: plan.office_number or None}]
    records["UP3KYO"] = records["UP3KYO"] or [dict(base)]
    return build_send_unit(
        "plan",
        records,
        sender_office=sender_office.office_number,
        sender_kind=sender_kind_of(sender_office),
        recipient_office=recipient_office_number,
        recipient_kind=recipient_kind,
        sequence=created_at,
    )


def plan_deletion_send_unit(
    *, plan: CarePlan, sender_office, recipient_office_number: str, recipient_kind: str, created_at: dt.datetime
) -> BuiltUnit:
    """DLT1KYO (居宅サービス計画1表_削除) for a plan already sent; receivers drop 2表/3表 with it."""
    client = plan.client
    return build_send_unit(
        "plan_delete",
        {"DLT1KYO": [{**_keys(client), 4: plan.plan_date}]},
        sender_office=sender_office.office_number,
        sender_kind=sender_kind_of(sender_office),
        recipient_office=recipient_office_number,
        recipient_kind=recipient_kind,
        sequence=created_at,
    )


@dataclass(frozen=True)
class Recipient:
    office_number: str
    service_type_code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name or '事業所'}（{self.office_number}・種類{self.service_type_code}）"


def plan_recipients(plan: CarePlan, needs=None) -> list[Recipient]:
    """Providers the plan names (with a 10-digit 事業所番号 and a 連携対象 service kind)."""
    found: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for s in plan.client.services.all():
        names.setdefault(s.provider_office_number, s.provider_name)
        if s.service_type_code in LINKED_SERVICE_KINDS:
            found.setdefault((s.provider_office_number, s.service_type_code), s.provider_name)
    for row in table2_rows(needs if needs is not None else needs_tree(plan)):
        item = row.item
        if item is None or not item.provider_office_number:
            continue
        if item.provider_name:
            names.setdefault(item.provider_office_number, item.provider_name)
        if item.service_type_code in LINKED_SERVICE_KINDS:
            found.setdefault((item.provider_office_number, item.service_type_code), item.provider_name)
    for a in plan.weekly_activities.all():
        if a.provider_office_number and a.service_type_code in LINKED_SERVICE_KINDS:
            found.setdefault((a.provider_office_number, a.service_type_code), "")
    return sorted(
        (Recipient(number, kind, name or names.get(number, "")) for (number, kind), name in found.items()),
        key=lambda r: (r.office_number, r.service_type_code),
    )


def plan_can_be_sent(plan: CarePlan) -> bool:
    return plan.status in (PlanStatus.CONFIRMED, PlanStatus.DELIVERED)
