"""第7表 サービス利用票別表: a pure calculation (no database, no Django).

Input: the month's service lines (already summed per line), the master rows of their codes,
the client's 区分支給限度基準額 / 種類支給限度基準額 / 給付率, and the 単位数単価 of each
provider and service kind. Output: rows grouped per provider × service kind (事業所 × サービス
種類, as on the form), each group with its totals, and a total row.

Rules (as the national 第7表 is filled in):

- サービス単位/金額 of a line = 単位数 × 回数. For a 月 code the count is 1 when the line has any
  planned day; for a 日 code it is the number of planned days; for a 回 code the sum of counts.
- 率 加算 (e.g. 介護職員等処遇改善加算) are computed last, per provider × kind, as
  round-half-up(区分支給限度基準内単位数 of that group's limit-managed lines × rate / 1000). They are
  outside the 区分支給限度 (給付管理単位数 empty) and never over the limit.
- 種類支給限度: limit-managed units of one kind (all providers) over the kind's limit are taken
  from the last lines of that kind upwards. 区分支給限度: the remaining units over the benefit
  limit are taken from the last lines of the table upwards (the usual default; the over-limit
  units are shown per line so the care manager can see where they fell) — unless the care
  manager chose the lines (``chosen_over=True``): then each line's ``chosen_class_over`` is used
  when the choices add up to the units over and no line gives more than it has; otherwise the
  default applies and ``Annex.allocation_problems`` says why.
- Per group: 単位数単価 (by the provider's 地域区分 and the kind's 人件費割合);
  費用総額 = floor((区分支給限度基準内単位数 + 限度対象外単位数) × 単価);
  保険請求額 = floor(費用総額 × 給付率 / 100); 利用者負担（保険対象分） = 費用総額 − 保険請求額;
  利用者負担（全額負担分） = floor((種類支給限度超 + 区分支給限度超 + 30日超) × 単価).
- 割引: a line whose provider offers a 割引 counts 割引後単位数 = round-half-up(単位数 × 割引後率 / 100)
  per occurrence (the official 第7表: 「割引後 率％・単位数」; the 第6表 CSV No.8 carries it too).
- 短期入所 30日超: the days of a line past 30 consecutive short-stay days (``over30_days``, from
  :mod:`portal.schedules.short_stay`) form a row of their own (３０日超区分 1), outside the limits
  and not covered (全額負担).

Size: kept as one module (over ~400 lines) because one calculation (単位数 → 限度内/超 → 費用 → 負担) that reads top to
bottom; splitting it would scatter the 第7表's rounding rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

PER_VISIT, PER_DAY, PER_MONTH = "1", "2", "3"


@dataclass(frozen=True)
class CodeInfo:
    """What the 第7表 needs from one サービスコード master row."""

    code: str
    name: str
    units: int
    calc_unit: str = PER_VISIT
    limit_target: bool = True
    rate_permille: int | None = None
    units_entered: bool = False

    @property
    def is_rate(self) -> bool:
        return self.rate_permille is not None


@dataclass(frozen=True)
class AnnexLine:
    """One 第6表 line as the 第7表 sees it."""

    provider_office_number: str
    provider_name: str
    service_code: str
    days: Sequence[int]  # counts for day 1..31
    units_entered: int | None = None
    tais_code: str = ""
    notified_code: str = ""
    equipment_name: str = ""
    line_id: int | None = None
    chosen_class_over: int | None = None  # units over the 区分支給限度 the care manager put on this line
    discount_rate: int | None = None  # 割引後率 (%) the provider offers, None = no 割引
    over30_days: frozenset = frozenset()  # days (1..31) past 30 consecutive short-stay days (３０日超)

    @property
    def service_type_code(self) -> str:
        return self.service_code[:2]


@dataclass
class AnnexRow:
    line: AnnexLine
    name: str
    units: int
    count: int
    service_units: int
    limit_target: bool
    is_rate: bool = False
    unknown: bool = False
    kind_over: int = 0
    class_over: int = 0
    discount_rate: int | None = None
    discounted_units: int | None = None  # 割引後単位数 (per occurrence)
    over30: bool = False  # the days past 30 consecutive short-stay days: not covered, 全額負担

    @property
    def unit_value(self) -> int:
        """The units one occurrence counts for (割引後単位数 when there is a 割引)."""
        return self.discounted_units if self.discounted_units is not None else self.units

    @property
    def provider_office_number(self) -> str:
        return self.line.provider_office_number

    @property
    def service_code(self) -> str:
        return self.line.service_code

    @property
    def managed_units(self) -> int | None:
        """給付管理単位数 (None for services outside the 区分支給限度)."""
        return self.service_units if self.limit_target else None

    @property
    def kind_in(self) -> int:
        return self.service_units - self.kind_over if self.limit_target else 0

    @property
    def class_in(self) -> int:
        return self.kind_in - self.class_over if self.limit_target else 0

    @property
    def over(self) -> int:
        return self.kind_over + self.class_over


@dataclass
class AnnexGroup:
    """One provider × service kind, with the amounts of the form's 合計 row for it."""

    provider_office_number: str
    provider_name: str
    service_type_code: str
    rows: list[AnnexRow] = field(default_factory=list)
    unit_price: Decimal = Decimal("10.00")
    benefit_rate: int = 90

    @property
    def service_units(self) -> int:
        return sum(r.service_units for r in self.rows)

    @property
    def managed_units(self) -> int:
        return sum(r.service_units for r in self.rows if r.limit_target)

    @property
    def outside_units(self) -> int:
        """Units of the group outside the 区分支給限度 (e.g. 処遇改善加算)."""
        return sum(r.service_units for r in self.rows if not r.limit_target and not r.over30)

    @property
    def over30_units(self) -> int:
        """Units of the days past 30 consecutive short-stay days (not covered: 全額負担)."""
        return sum(r.service_units for r in self.rows if r.over30)

    @property
    def kind_over(self) -> int:
        return sum(r.kind_over for r in self.rows)

    @property
    def kind_in(self) -> int:
        return sum(r.kind_in for r in self.rows)

    @property
    def class_over(self) -> int:
        return sum(r.class_over for r in self.rows)

    @property
    def class_in(self) -> int:
        """区分支給限度基準内単位数: managed units within the limits plus units outside the limit."""
        return sum(r.class_in for r in self.rows) + self.outside_units

    @property
    def over_units(self) -> int:
        return self.kind_over + self.class_over

    @property
    def cost_total(self) -> int:
        return floor_yen(self.class_in * self.unit_price)

    @property
    def insurance_claim(self) -> int:
        return floor_yen(Decimal(self.cost_total) * self.benefit_rate / 100)

    @property
    def copay_insured(self) -> int:
        return self.cost_total - self.insurance_claim

    @property
    def copay_full(self) -> int:
        return floor_yen((self.over_units + self.over30_units) * self.unit_price)

    @property
    def needs_subtotal(self) -> bool:
        return len(self.rows) > 1


@dataclass
class Annex:
    groups: list[AnnexGroup]
    benefit_limit_units: int
    kind_limits: Mapping[str, int]
    benefit_rate: int
    chosen_over: bool = False
    # (line or None for the whole sheet, Japanese message) when the chosen allocation cannot be used
    allocation_problems: list = field(default_factory=list)
    default_class_over: dict = field(default_factory=dict)  # id(line) → units over by the default rule

    @property
    def rows(self) -> list[AnnexRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def service_units(self) -> int:
        return sum(g.service_units for g in self.groups)

    @property
    def managed_units(self) -> int:
        return sum(g.managed_units for g in self.groups)

    @property
    def kind_over(self) -> int:
        return sum(g.kind_over for g in self.groups)

    @property
    def kind_in(self) -> int:
        return sum(g.kind_in for g in self.groups)

    @property
    def class_over(self) -> int:
        return sum(g.class_over for g in self.groups)

    @property
    def class_in(self) -> int:
        return sum(g.class_in for g in self.groups)

    @property
    def over_units(self) -> int:
        return self.kind_over + self.class_over

    @property
    def over30_units(self) -> int:
        return sum(g.over30_units for g in self.groups)

    @property
    def is_over(self) -> bool:
        return self.over_units > 0

    @property
    def cost_total(self) -> int:
        return sum(g.cost_total for g in self.groups)

    @property
    def insurance_claim(self) -> int:
        return sum(g.insurance_claim for g in self.groups)

    @property
    def copay_insured(self) -> int:
        return sum(g.copay_insured for g in self.groups)

    @property
    def copay_full(self) -> int:
        return sum(g.copay_full for g in self.groups)

    @property
    def copay_total(self) -> int:
        return self.copay_insured + self.copay_full

    @property
    def unknown_codes(self) -> list[str]:
        return sorted({r.service_code for r in self.rows if r.unknown})

    def kind_totals(self) -> dict[str, int]:
        """Limit-managed units per service kind (for 種類支給限度 and 利用者補足情報)."""
        out: dict[str, int] = {}
        for r in self.rows:
            if r.limit_target:
                out[r.line.service_type_code] = out.get(r.line.service_type_code, 0) + r.service_units
        return out

    def kind_over_totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            if r.kind_over:
                out[r.line.service_type_code] = out.get(r.line.service_type_code, 0) + r.kind_over
        return out


def floor_yen(value) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_FLOOR))


def round_units(value) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_HALF_UP))


def discounted(units: int, rate: int | None) -> int | None:
    """割引後単位数: 単位数 × 割引後率 / 100, 1単位未満四捨五入 (None without a 割引)."""
    if rate is None:
        return None
    return round_units(Decimal(units) * rate / 100)


def count_of(days: Sequence[int], calc_unit: str) -> int:
    counts = [max(int(n or 0), 0) for n in days]
    if calc_unit == PER_MONTH:
        return 1 if any(counts) else 0
    if calc_unit == PER_DAY:
        return sum(1 for n in counts if n)
    return sum(counts)


def _allocate_over(rows: list[AnnexRow], excess: int, attr: str, available: Callable[[AnnexRow], int]) -> None:
    """Take ``excess`` units from the last rows upwards, recording them in ``attr``."""
    for row in reversed(rows):
        if excess <= 0:
            break
        take = min(available(row), excess)
        if take > 0:
            setattr(row, attr, getattr(row, attr) + take)
            excess -= take


def calculate_annex(
    *,
    lines: Sequence[AnnexLine],
    codes: Mapping[str, CodeInfo],
    benefit_limit_units: int,
    benefit_rate: int,
    unit_price_for: Callable[[str, str], Decimal],
    kind_limits: Mapping[str, int] | None = None,
    chosen_over: bool = False,
) -> Annex:
    """Calculate the 第7表 of one client's month.

    ``unit_price_for(provider_office_number, service_type_code)`` gives the 単位数単価 (yen).
    Lines whose code is not in ``codes`` are shown with 0 units and ``unknown=True``.
    """
    kind_limits = dict(kind_limits or {})
    groups: dict[tuple[str, str], AnnexGroup] = {}
    rate_rows: list[tuple[AnnexGroup, AnnexRow, CodeInfo]] = []
    for line in lines:
        key = (line.provider_office_number, line.service_type_code)
        group = groups.get(key)
        if group is None:
            group = groups[key] = AnnexGroup(
                provider_office_number=line.provider_office_number,
                provider_name=line.provider_name,
                service_type_code=line.service_type_code,
                unit_price=Decimal(unit_price_for(line.provider_office_number, line.service_type_code)),
                benefit_rate=benefit_rate,
            )
        info = codes.get(line.service_code)
        if info is None:
            row = AnnexRow(
                line=line,
                name="（マスタにないサービスコード）",
                units=0,
                count=count_of(line.days, PER_VISIT),
                service_units=0,
                limit_target=False,
                unknown=True,
            )
        elif info.is_rate:
            row = AnnexRow(
                line=line, name=info.name, units=0, count=1, service_units=0, limit_target=False, is_rate=True
            )
            rate_rows.append((group, row, info))
        else:
            units = (line.units_entered or 0) if info.units_entered else info.units
            after = discounted(units, line.discount_rate)
            per = units if after is None else after
            days = list(line.days)
            over30 = [n if d in line.over30_days else 0 for d, n in enumerate(days, start=1)]
            if any(over30):
                days = [0 if d in line.over30_days else n for d, n in enumerate(days, start=1)]
            count = count_of(days, info.calc_unit)
            row = AnnexRow(
                line=line,
                name=info.name,
                units=units,
                count=count,
                service_units=per * count,
                limit_target=info.limit_target,
                discount_rate=line.discount_rate,
                discounted_units=after,
            )
            if any(over30):
                group.rows.append(row)
                count = count_of(over30, info.calc_unit)
                row = AnnexRow(
                    line=line,
                    name=f"{info.name}（30日超）",
                    units=units,
                    count=count,
                    service_units=per * count,
                    limit_target=False,
                    discount_rate=line.discount_rate,
                    discounted_units=after,
                    over30=True,
                )
        group.rows.append(row)

    ordered = [r for g in groups.values() for r in g.rows]
    # 種類支給限度 (per kind across providers)
    for kind, limit in kind_limits.items():
        kind_rows = [r for r in ordered if r.limit_target and r.line.service_type_code == kind]
        total = sum(r.service_units for r in kind_rows)
        if total > limit:
            _allocate_over(kind_rows, total - limit, "kind_over", lambda r: r.service_units - r.kind_over)
    # 区分支給限度
    managed = [r for r in ordered if r.limit_target]
    total_in_kind = sum(r.kind_in for r in managed)
    problems: list = []
    default_over: dict = {}
    if total_in_kind > benefit_limit_units:
        excess = total_in_kind - benefit_limit_units
        _allocate_over(managed, excess, "class_over", lambda r: r.kind_in - r.class_over)
        default_over = {id(r.line): r.class_over for r in managed}
        if chosen_over:
            problems = _chosen_problems(ordered, excess)
            if not problems:
                for r in ordered:
                    r.class_over = (r.line.chosen_class_over or 0) if r.limit_target else 0
    # 率 加算 on the group's units within the limits
    for group, row, info in rate_rows:
        base = sum(r.class_in for r in group.rows if r.limit_target)
        row.units = round_units(Decimal(base) * info.rate_permille / 1000)
        row.count = 1 if base else 0
        row.service_units = row.units
    return Annex(
        groups=list(groups.values()),
        benefit_limit_units=benefit_limit_units,
        kind_limits=kind_limits,
        benefit_rate=benefit_rate,
        chosen_over=chosen_over,
        allocation_problems=problems,
        default_class_over=default_over,
    )


def _chosen_problems(rows: list[AnnexRow], excess: int) -> list:
    """Why the care manager's allocation of the ``excess`` units cannot be used ([] when it can)."""
    problems: list = []
    for r in rows:
        chosen = r.line.chosen_class_over or 0
        if not chosen or r.over30:
            continue
        if not r.limit_target:
            problems.append(
                (r.line, f"{r.service_code}（{r.name}）は区分支給限度の対象外のため、限度超の単位数は指定できません。")
            )
        elif chosen > r.kind_in:
            problems.append(
                (r.line, f"限度超に指定した{chosen:,}単位が、この行の単位数（{r.kind_in:,}単位）を超えています。")
            )
    total = sum((r.line.chosen_class_over or 0) for r in rows if r.limit_target)
    if total != excess:
        problems.append(
            (
                None,
                f"限度超に指定した単位数の合計（{total:,}単位）が、区分支給限度基準額を超える単位数"
                f"（{excess:,}単位）と合っていません。合計が{excess:,}単位になるように行ごとの単位数を直すか、"
                "「標準（表の最後の行から）」に戻してください。",
            )
        )
    return problems


def rate_addon_days(group_days: Sequence[Sequence[int]], days_in_month: int) -> list[int]:
    """The days of a 率 加算 line (処遇改善加算 etc.): once in the month, on the last day any line of
    its provider × kind group has a count (nothing when the group has none). The same rule for 予定
    (UPPLAN) and 実績, so that comparing them shows only real differences."""
    last = 0
    for days in group_days:
        for d, n in enumerate(list(days)[:days_in_month], start=1):
            if n and d > last:
                last = d
    out = [0] * 31
    if last:
        out[last - 1] = 1
    return out


def rate_addon_count(group_days: Sequence[Sequence[int]], days_in_month: int) -> int:
    """How many times a 率 加算 line counts in the month (0 or 1) by :func:`rate_addon_days`."""
    return sum(rate_addon_days(group_days, days_in_month))
