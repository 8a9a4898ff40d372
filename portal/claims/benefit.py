"""給付管理票 (様式第十一) of one 利用者 and month: a pure calculation over the confirmed 実績.

Rules (「介護給付費請求書等の記載要領」様式第十一; the record rules as QKAN80 writes 8222, see
linkage/kokuho/layouts.json):

- One line per サービス事業所 × サービス種類 with the 給付計画単位数: the units of the month's
  実績 that count against the 区分支給限度 and fall within it (区分支給限度基準内単位数).
  Services outside the 区分支給限度 (e.g. 居宅療養管理指導, 処遇改善加算) are not on it.
- 要介護状態区分 and 区分支給限度基準額: the heaviest certification of the month (a mid-month
  区分変更 uses the higher limit for the whole month); 限度額適用期間: the months of the last
  certification overlapping the month.
- Units over the limit are paid in full by the 利用者 to the provider whose units are over;
  by default the 第7表 takes them from the last lines upwards, and the care manager may move
  them to another provider × kind (``over_by``), as long as they fit in that line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# 地域密着型サービス (識別コード 5 on the 給付管理票): QKAN80 QP001SpecialCase.isRegionStickingService
# (32 36 37 38 39 54 71 72 73 74 75) plus the kinds created later as 地域密着型 by 介護保険法 第8条第14項
# (76 定期巡回, 77 看護小規模多機能, 78 地域密着型通所介護, 68/79 短期利用, 28 地域密着型特定施設 短期利用).
COMMUNITY_KINDS = frozenset(
    {"32", "36", "37", "38", "39", "54", "71", "72", "73", "74", "75", "76", "77", "78", "68", "79", "28"}
)

CARE_LEVEL_ORDER = ("01", "12", "13", "21", "22", "23", "24", "25")


class StatementError(ValueError):
    """The 給付管理票 cannot be made; the message is shown to the user."""


@dataclass(frozen=True)
class CertPeriod:
    care_level: str
    valid_from: dt.date
    valid_to: dt.date
    limit_units: int


@dataclass(frozen=True)
class ProviderUnits:
    """A provider × kind of the month's 実績 as the 第7表 sees it."""

    provider_office_number: str
    provider_name: str
    service_type_code: str
    managed_units: int  # units that count against the 区分支給限度 (before any excess is taken off)
    over_units: int = 0  # the 第7表's default share of the excess (kind + class)

    @property
    def key(self) -> str:
        return f"{self.provider_office_number}-{self.service_type_code}"


@dataclass(frozen=True)
class StatementLine:
    provider_office_number: str
    provider_name: str
    service_type_code: str
    provider_class: str  # 1 指定 / 5 地域密着型
    plan_units: int  # 給付計画単位数
    over_units: int  # paid in full by the 利用者 to this provider

    @property
    def key(self) -> str:
        return f"{self.provider_office_number}-{self.service_type_code}"


@dataclass(frozen=True)
class Statement:
    month: dt.date
    care_level: str
    limit_units: int
    limit_from: dt.date  # first day of the first month
    limit_to: dt.date  # first day of the last month
    lines: tuple[StatementLine, ...]
    care_level_changed: bool = False

    @property
    def total_units(self) -> int:
        return sum(line.plan_units for line in self.lines)

    @property
    def over_units(self) -> int:
        return sum(line.over_units for line in self.lines)


def heaviest(levels: Sequence[str]) -> str:
    return max(levels, key=lambda c: CARE_LEVEL_ORDER.index(c) if c in CARE_LEVEL_ORDER else -1)


def _month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def statement_build(
    *,
    month: dt.date,
    certifications: Sequence[CertPeriod],
    units: Sequence[ProviderUnits],
    over_by: Mapping[str, int] | None = None,
) -> Statement:
    """The 給付管理票 of ``month``. ``over_by`` {provider-kind key: units} moves the excess."""
    month = month.replace(day=1)
    last = _month_end(month)
    certs = sorted(
        (c for c in certifications if c.valid_from <= last and c.valid_to >= month), key=lambda c: c.valid_from
    )
    if not certs:
        raise StatementError("この月に有効な認定がありません。")
    care_level = heaviest([c.care_level for c in certs])
    limit = max(c.limit_units for c in certs)
    latest = certs[-1]

    groups = [u for u in units if u.managed_units > 0]
    total = sum(u.managed_units for u in groups)
    excess = max(0, total - limit)
    if over_by:
        unknown = set(over_by) - {u.key for u in groups}
        if unknown:
            raise StatementError("限度超過を割り当てた事業所・サービス種類が実績にありません。")
        if any(v < 0 for v in over_by.values()):
            raise StatementError("限度超過の単位数に負の数は使えません。")
        if sum(over_by.values()) != excess:
            raise StatementError(
                f"限度超過の割り当ての合計（{sum(over_by.values()):,}単位）が"
                f"超過単位数（{excess:,}単位）と一致しません。"
            )
        for u in groups:
            if over_by.get(u.key, 0) > u.managed_units:
                raise StatementError(
                    f"{u.provider_name or u.provider_office_number}の超過（{over_by[u.key]:,}単位）が"
                    f"その実績（{u.managed_units:,}単位）を超えています。"
                )
        over = {u.key: over_by.get(u.key, 0) for u in groups}
    else:
        over = {u.key: min(u.over_units, u.managed_units) for u in groups}
        if sum(over.values()) != excess:  # the 第7表's kind limits differ from the class limit: take from the end
            over = {u.key: 0 for u in groups}
            remaining = excess
            for u in reversed(groups):
                take = min(u.managed_units, remaining)
                over[u.key] = take
                remaining -= take
    lines = tuple(
        StatementLine(
            provider_office_number=u.provider_office_number,
            provider_name=u.provider_name,
            service_type_code=u.service_type_code,
            provider_class="5" if u.service_type_code in COMMUNITY_KINDS else "1",
            plan_units=u.managed_units - over[u.key],
            over_units=over[u.key],
        )
        for u in sorted(groups, key=lambda u: (u.provider_office_number, u.service_type_code))
    )
    return Statement(
        month=month,
        care_level=care_level,
        limit_units=limit,
        limit_from=latest.valid_from.replace(day=1),
        limit_to=latest.valid_to.replace(day=1),
        lines=lines,
        care_level_changed=len({c.care_level for c in certs}) > 1,
    )


def statement_records(
    statement: Statement,
    *,
    kind: str,
    created_on: dt.date,
    insurer_number: str,
    office_number: str,
    insured_number: str,
    birth_date: dt.date,
    sex: str,
    care_manager_number: str,
    planner: str = "1",
) -> list[tuple[str, dict]]:
    """The 8222 records (``linkage.kokuho``) of ``statement`` — kind 1 新規 / 2 修正 / 3 取消."""
    common = {
        "month": statement.month.strftime("%Y%m"),
        "insurer": insurer_number.zfill(8),
        "office_number": office_number,
        "kind": kind,
        "created_on": created_on.strftime("%Y%m%d"),
        "sheet_kind": "3",
        "insured": insured_number,
        "birth_date": birth_date.strftime("%Y%m%d"),
        "sex": sex,
        "care_level": statement.care_level,
        "limit_from": statement.limit_from.strftime("%Y%m"),
        "limit_to": statement.limit_to.strftime("%Y%m"),
        "planner": planner,
    }
    rows = [
        (
            "8222",
            {
                **common,
                "line_no": f"{i:02d}",
                "provider": line.provider_office_number,
                "provider_class": line.provider_class,
                "service_kind": line.service_type_code,
                "plan_units": line.plan_units,
            },
        )
        for i, line in enumerate(statement.lines, start=1)
    ]
    rows.append(
        (
            "8222",
            {
                **common,
                "line_no": "99",
                "limit_units": statement.limit_units,
                "total_units": statement.total_units,
                "care_manager_no": care_manager_number,
            },
        )
    )
    return rows
