"""Office economics: the 居宅介護支援費 check (tiers (Ⅰ)/(Ⅱ), 逓減 (ⅰ)(ⅱ)(ⅲ)) and the savings simulation.

Pure functions over counts; the view gathers the counts (typed by the user, or counted from
``portal.clients``) and asks the port ``billing.exchange_use`` (``portal/billing/ports.py``,
provided by the exchange) whether the office used the data exchange in the month.

The dated 居宅介護支援費 unit table lives in ``portal/masters/kyotaku.py`` (with its source).

取扱件数 (老企第36号 第三の7): (要介護の利用者 + 介護予防支援の利用者 × 1/3) ÷ 常勤換算の
介護支援専門員数. When 取扱件数 ≥ 45 (Ⅱ: 50), the cases are taken in contract order: the
1st to 44th (Ⅱ: 49th; with more than one full-time-equivalent care manager 45 × FTE − 1,
rounded down) get (ⅰ), the next up to the 59th (60 × FTE − 1) get (ⅱ), the rest (ⅲ).
介護予防支援 cases take part in the order (each counting 1/3) but are billed as 介護予防支援費,
not here.

Without contract dates the order is unknown; this module assumes the order that gives the
LOWEST total (介護予防支援 first, then 要介護1・2, then 要介護3・4・5), so the figure shown is a
floor: the real units are never lower. The page says so.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from portal.masters.kyotaku import (  # noqa: F401  (the names callers import from here)
    GROUP_LABELS,
    KYOTAKU_UNIT_PRICES,
    KYOTAKU_UNIT_TABLES,
    SYSTEM_LABELS,
    TIER_LABELS,
    TIERS,
    KyotakuUnitTable,
    unit_table_on,
)

# National averages for the savings simulation. Source: 厚生労働省「ケアプランデータ連携システム」
# 導入効果の試算（介護保険最新情報 Vol.1096, 2022年9月6日 ほか）: per care-management office and year.
NATIONAL_SAVING_WITH_STAFF = 816_000  # 円/年（人件費を含む）
NATIONAL_SAVING_WITHOUT_STAFF = 72_000  # 円/年（人件費を除く: 印刷・FAX・郵送など）
EXCHANGE_TIME_SHARE = Fraction(1, 3)  # 提供票のやりとりにかかる時間は約1/3になる


# --------------------------------------------------------------------------- tiers


@dataclass(frozen=True)
class TierLine:
    tier: str
    group: str
    cases: int
    units_each: int

    @property
    def units(self) -> int:
        return self.cases * self.units_each

    @property
    def tier_label(self) -> str:
        return TIER_LABELS[self.tier]

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[self.group]


@dataclass(frozen=True)
class TierResult:
    system: str  # "I" or "II"
    care_light: int
    care_heavy: int
    support: int
    fte: Fraction
    caseload: Fraction  # 取扱件数
    lines: tuple[TierLine, ...]
    table: KyotakuUnitTable
    last_in_i: int  # the last case number in (ⅰ) (44 for (Ⅰ) with one care manager)
    last_in_ii: int

    @property
    def label(self) -> str:
        return SYSTEM_LABELS[self.system]

    @property
    def total_units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def fte_display(self) -> str:
        """常勤換算の人数 as people write it: 2.5, 1.0 (never the fraction 5/2); cut, not rounded."""
        value = Decimal(self.fte.numerator) / Decimal(self.fte.denominator)
        return str(value.quantize(Decimal("0.1"), rounding=ROUND_DOWN))

    @property
    def is_one_person(self) -> bool:
        return self.fte == 1

    @property
    def caseload_display(self) -> str:
        """取扱件数 to one decimal, rounded down (it is compared with 45 / 50 / 60)."""
        value = Decimal(self.caseload.numerator) / Decimal(self.caseload.denominator)
        return str(value.quantize(Decimal("0.1"), rounding=ROUND_DOWN))

    def cases_in(self, tier: str) -> int:
        return sum(line.cases for line in self.lines if line.tier == tier)

    def units_in(self, tier: str) -> int:
        return sum(line.units for line in self.lines if line.tier == tier)

    @property
    def cases_in_i(self) -> int:
        return self.cases_in("i")

    @property
    def cases_in_ii(self) -> int:
        return self.cases_in("ii")

    @property
    def cases_in_iii(self) -> int:
        return self.cases_in("iii")

    @property
    def reduced(self) -> bool:
        return self.cases_in("ii") + self.cases_in("iii") > 0


def caseload(*, care: int, support: int, fte: Fraction) -> Fraction:
    """取扱件数 = (要介護 + 介護予防支援 × 1/3) ÷ 常勤換算の介護支援専門員数."""
    return (Fraction(care) + Fraction(support, 3)) / fte


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative int")


def tier_split(
    *,
    system: str,
    care_light: int,
    care_heavy: int,
    support: int = 0,
    fte: Fraction | Decimal | int = 1,
    month: dt.date,
) -> TierResult:
    """How many 要介護 cases fall in (ⅰ)(ⅱ)(ⅲ) under ``system`` ("I"/"II"), and their units."""
    _check_counts(care_light=care_light, care_heavy=care_heavy, support=support)
    fte = Fraction(fte)
    if fte < 1:
        raise ValueError("fte must be at least 1")
    table = unit_table_on(month)
    second, third = table.thresholds[system]
    load = caseload(care=care_light + care_heavy, support=support, fte=fte)
    # last case number in (ⅰ) / (ⅱ): 44 / 59 with one care manager; 45×FTE−1 / 60×FTE−1 (rounded down) above
    last_i = math.floor(second * fte - 1)
    last_ii = math.floor(third * fte - 1)

    counts = {(tier, group): 0 for tier in TIERS for group in ("light", "heavy")}
    position = Fraction(support, 3)  # 介護予防支援 first (the lowest-total order, see module docstring)
    for group, n in (("light", care_light), ("heavy", care_heavy)):
        for _ in range(n):
            position += 1
            if load < second or position <= last_i:
                tier = "i"
            elif load < third or position <= last_ii:
                tier = "ii"
            else:
                tier = "iii"
            counts[(tier, group)] += 1

    lines = tuple(
        TierLine(
            tier=tier,
            group=group,
            cases=counts[(tier, group)],
            units_each=table.units[(system, tier)][0 if group == "light" else 1],
        )
        for tier in TIERS
        for group in ("light", "heavy")
    )
    return TierResult(
        system=system,
        care_light=care_light,
        care_heavy=care_heavy,
        support=support,
        fte=fte,
        caseload=load,
        lines=lines,
        table=table,
        last_in_i=last_i,
        last_in_ii=last_ii,
    )


def units_to_yen(units: int, regional_grade: str) -> int:
    """単位数 × 単価 (居宅介護支援), rounded down to the yen."""
    price = KYOTAKU_UNIT_PRICES.get(regional_grade, KYOTAKU_UNIT_PRICES["9"])
    return int((Decimal(units) * price).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class KyotakuCheck:
    month: dt.date
    tier_one: TierResult
    tier_two: TierResult
    used_exchange: bool
    has_clerk: bool
    regional_grade: str
    reasons_not_two: tuple[str, ...] = field(default=())

    @property
    def eligible_for_two(self) -> bool:
        return self.used_exchange and self.has_clerk

    @property
    def applicable(self) -> TierResult:
        return self.tier_two if self.eligible_for_two else self.tier_one

    @property
    def difference_units(self) -> int:
        """What moving to (Ⅱ) changes per month, in units (≥ 0)."""
        return self.tier_two.total_units - self.tier_one.total_units

    @property
    def unit_price(self) -> Decimal:
        return KYOTAKU_UNIT_PRICES.get(self.regional_grade, KYOTAKU_UNIT_PRICES["9"])

    def yen(self, units: int) -> int:
        return units_to_yen(units, self.regional_grade)

    @property
    def tier_one_yen(self) -> int:
        return self.yen(self.tier_one.total_units)

    @property
    def tier_two_yen(self) -> int:
        return self.yen(self.tier_two.total_units)

    @property
    def difference_yen_month(self) -> int:
        return self.tier_two_yen - self.tier_one_yen

    @property
    def difference_yen_year(self) -> int:
        return self.difference_yen_month * 12


def kyotaku_check(
    *,
    month: dt.date,
    care_light: int,
    care_heavy: int,
    support: int,
    fte=1,
    used_exchange: bool,
    has_clerk: bool,
    regional_grade: str = "9",
) -> KyotakuCheck:
    reasons = []
    if not used_exchange:
        reasons.append("この月にケアプランデータ連携（データでのやりとり）の利用がありません。")
    if not has_clerk:
        reasons.append("事務職員の配置が確認できません（スタッフに「事務職員」の役割の方がいません）。")
    common = {"care_light": care_light, "care_heavy": care_heavy, "support": support, "fte": fte, "month": month}
    return KyotakuCheck(
        month=month,
        tier_one=tier_split(system="I", **common),
        tier_two=tier_split(system="II", **common),
        used_exchange=used_exchange,
        has_clerk=has_clerk,
        regional_grade=regional_grade,
        reasons_not_two=tuple(reasons),
    )


# --------------------------------------------------------------------------- savings


@dataclass(frozen=True)
class Savings:
    partners: int
    clients: int
    sheets_per_month: int
    minutes_per_sheet: int
    cost_per_sheet: int
    hourly_wage: int
    licence_price: int

    @property
    def paper_minutes_year(self) -> int:
        return self.sheets_per_month * self.minutes_per_sheet * 12

    @property
    def exchange_minutes_year(self) -> int:
        return math.ceil(self.paper_minutes_year * EXCHANGE_TIME_SHARE)

    @property
    def saved_minutes_year(self) -> int:
        return self.paper_minutes_year - self.exchange_minutes_year

    @property
    def saved_hours_year(self) -> Decimal:
        return (Decimal(self.saved_minutes_year) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def staff_cost_saved_year(self) -> int:
        return self.saved_minutes_year * self.hourly_wage // 60

    @property
    def postage_saved_year(self) -> int:
        return self.sheets_per_month * self.cost_per_sheet * 12

    @property
    def total_saved_year(self) -> int:
        return self.staff_cost_saved_year + self.postage_saved_year

    @property
    def net_after_licence(self) -> int:
        return self.total_saved_year - self.licence_price

    @property
    def sheets_per_client(self) -> Decimal | None:
        if not self.clients:
            return None
        return (Decimal(self.sheets_per_month) / self.clients).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def saved_per_partner(self) -> int | None:
        return self.total_saved_year // self.partners if self.partners else None

    @property
    def national_with_staff(self) -> int:
        return NATIONAL_SAVING_WITH_STAFF

    @property
    def national_without_staff(self) -> int:
        return NATIONAL_SAVING_WITHOUT_STAFF

    @property
    def payback_months(self) -> Decimal | None:
        """Months of savings that pay the yearly licence."""
        if self.total_saved_year <= 0:
            return None
        return (Decimal(self.licence_price) * 12 / self.total_saved_year).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def savings_simulate(
    *,
    partners: int,
    clients: int,
    sheets_per_month: int,
    minutes_per_sheet: int,
    cost_per_sheet: int,
    hourly_wage: int,
    licence_price: int,
) -> Savings:
    """Yearly time and money saved by exchanging 提供票 as data instead of paper (time to about ⅓)."""
    _check_counts(
        partners=partners,
        clients=clients,
        sheets_per_month=sheets_per_month,
        minutes_per_sheet=minutes_per_sheet,
        cost_per_sheet=cost_per_sheet,
        hourly_wage=hourly_wage,
    )
    return Savings(
        partners=partners,
        clients=clients,
        sheets_per_month=sheets_per_month,
        minutes_per_sheet=minutes_per_sheet,
        cost_per_sheet=cost_per_sheet,
        hourly_wage=hourly_wage,
        licence_price=licence_price,
    )


# --------------------------------------------------------------------------- data from other apps


def office_used_exchange(office, month: dt.date) -> bool:
    """Did ``office`` exchange data through Renkei in ``month``? Asked through the port
    ``billing.exchange_use`` (provided by the exchange); without it the answer is False and the page
    offers a manual override."""
    from portal.billing.ports import exchange_use

    return bool(exchange_use.get().office_used_exchange(office, month))


def office_has_clerk(office) -> bool:
    from portal.offices.models import Role

    return office.memberships.filter(role=Role.CLERK).exists()


@dataclass(frozen=True)
class ClientCounts:
    care_light: int
    care_heavy: int
    support: int
    on: dt.date


def client_counts(office, month: dt.date) -> ClientCounts | None:
    """Count the office's 利用者 by the certification valid on the last day of ``month``.

    要介護1・2 ('21','22'), 要介護3・4・5 ('23'–'25'), 要支援 ('12','13' = 介護予防支援). Two
    queries whatever the number of 利用者. None while ``portal.clients`` is not available.
    """
    try:
        from portal.clients.models import Client
    except ImportError:
        return None
    if not hasattr(Client, "certification_on"):
        return None
    import calendar

    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    light = heavy = support = 0
    for client in Client.objects.filter(office=office, is_active=True).prefetch_related("certifications"):
        certification = client.certification_on(last_day)
        level = getattr(certification, "care_level", None)
        if level in ("21", "22"):
            light += 1
        elif level in ("23", "24", "25"):
            heavy += 1
        elif level in ("12", "13"):
            support += 1
    return ClientCounts(care_light=light, care_heavy=heavy, support=support, on=last_day)


def partner_count(office) -> int | None:
    """The office's active 連携先 (``portal.partners``), or None while that app offers no ``Partnership``."""
    try:
        from portal.partners.models import Partnership
    except ImportError:
        return None
    queryset = Partnership.objects.filter(office=office)
    return queryset.active().count() if hasattr(queryset, "active") else queryset.count()
