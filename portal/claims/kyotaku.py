"""The office's own 居宅介護支援費 claim: 明細書 (様式第七) per 利用者 and the 請求書 totals. Pure.

The tier of each case comes from ``portal.billing.economics.tier_split`` (the month's caseload,
(Ⅰ)/(Ⅱ), (ⅰ)(ⅱ)(ⅲ), 介護予防支援 at ⅓): this module only hands its counts out to the 利用者,
in contract order (here: the order the office registered them, oldest first).

Master data — 単位数, 令和6年4月1日〜 (指定居宅介護支援に要する費用の額の算定に関する基準
（平成12年厚生省告示第20号）別表 as amended by 令和6年厚生労働省告示第86号):

    初回加算 300 / 入院時情報連携加算(Ⅰ) 250, (Ⅱ) 200 / 退院・退所加算(Ⅰ)イ 450, (Ⅰ)ロ 600,
    (Ⅱ)イ 600, (Ⅱ)ロ 750, (Ⅲ) 900 / 通院時情報連携加算 50 / ターミナルケアマネジメント加算 400 /
    緊急時等居宅カンファレンス加算 200 / 特定事業所加算(Ⅰ) 519, (Ⅱ) 421, (Ⅲ) 323, (A) 114 /
    特定事業所医療介護連携加算 125 / 特定事業所集中減算 −200 / 運営基準減算 所定単位数の50%
    (2月以上継続: 算定しない) / 同一建物に居住する利用者 所定単位数の95%.

サービスコード (6 digits, kind 43): ``portal.masters.kyotaku.SERVICE_CODES``, the 令和6年4月 table
(介護給付費単位数等サービスコード表, unchanged for these codes in the 令和8年6月 table). The official PDF/Excel could not be
read here; the codes were confirmed against a public open-source care-billing implementation that
states it checked them against the 令和6年 and 令和8年6月 masters and real 8124 transmissions (the
units printed beside each agree with the 告示 above). The composite codes of a reduced base
(運営基準減算, 同一建物減算: "居宅介護支援Ⅰⅰ１・運" …) are not bundled: they are looked up by name in
the loaded サービスコード master (``manage.py import_service_codes``); the checks before the file say
which names are missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from portal.billing.economics import TierResult
from portal.masters.kyotaku import GROUP_LABELS, KYOTAKU_UNIT_PRICES, SYSTEM_LABELS, TIER_LABELS

KIND = "43"

# add-ons the office enters per 利用者 and month: key → (name in the サービスコード表, units)
ADDONS: Mapping[str, tuple[str, int]] = {
    "first": ("初回加算", 300),
    "admission_1": ("入院時情報連携加算Ⅰ", 250),
    "admission_2": ("入院時情報連携加算Ⅱ", 200),
    "discharge_1a": ("退院退所加算Ⅰイ", 450),
    "discharge_1b": ("退院退所加算Ⅰロ", 600),
    "discharge_2a": ("退院退所加算Ⅱイ", 600),
    "discharge_2b": ("退院退所加算Ⅱロ", 750),
    "discharge_3": ("退院退所加算Ⅲ", 900),
    "hospital_visit": ("通院時情報連携加算", 50),
    "terminal": ("ターミナルケアマネジメント加算", 400),
    "emergency_conference": ("緊急時等居宅カンファレンス加算", 200),
}
ADDON_LABELS: Mapping[str, str] = {
    "first": "初回加算",
    "admission_1": "入院時情報連携加算（Ⅰ）",
    "admission_2": "入院時情報連携加算（Ⅱ）",
    "discharge_1a": "退院・退所加算（Ⅰ）イ",
    "discharge_1b": "退院・退所加算（Ⅰ）ロ",
    "discharge_2a": "退院・退所加算（Ⅱ）イ",
    "discharge_2b": "退院・退所加算（Ⅱ）ロ",
    "discharge_3": "退院・退所加算（Ⅲ）",
    "hospital_visit": "通院時情報連携加算",
    "terminal": "ターミナルケアマネジメント加算",
    "emergency_conference": "緊急時等居宅カンファレンス加算",
}
# office-wide (事業所の体制): 特定事業所加算
SPECIFIC_ADDONS: Mapping[str, tuple[str, int]] = {
    "1": ("特定事業所加算Ⅰ", 519),
    "2": ("特定事業所加算Ⅱ", 421),
    "3": ("特定事業所加算Ⅲ", 323),
    "A": ("特定事業所加算Ａ", 114),
}
CONCENTRATION = ("特定事業所集中減算", -200)
REDUCTIONS = {
    "standards": "運営基準減算（50%）",
    "standards_2months": "運営基準減算（2月以上継続・算定しない）",
    "same_building": "同一建物減算（95%）",
}

TIER_CODE_NAMES = {
    ("I", "i"): "居宅介護支援Ⅰⅰ",
    ("I", "ii"): "居宅介護支援Ⅰⅱ",
    ("I", "iii"): "居宅介護支援Ⅰⅲ",
    ("II", "i"): "居宅介護支援Ⅱⅰ",
    ("II", "ii"): "居宅介護支援Ⅱⅱ",
    ("II", "iii"): "居宅介護支援Ⅱⅲ",
}


class ClaimError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    """One 要介護 利用者 of the month as the claim needs it."""

    key: int  # the client id (contract order = ascending)
    care_level: str
    addons: tuple[str, ...] = ()
    reductions: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return "light" if self.care_level in ("21", "22") else "heavy"


@dataclass(frozen=True)
class DetailLine:
    name: str  # the name in the サービスコード表 (looked up to a code)
    label: str  # shown to people
    units_each: int
    times: int = 1

    @property
    def units(self) -> int:
        return self.units_each * self.times


@dataclass(frozen=True)
class Detail:
    """One 居宅介護支援介護給付費明細書."""

    case: Case
    system: str
    tier: str
    lines: tuple[DetailLine, ...]
    unit_price: Decimal

    @property
    def total_units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def claim_yen(self) -> int:
        return int((Decimal(self.total_units) * self.unit_price).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class Claim:
    month: dt.date
    tiers: TierResult
    details: tuple[Detail, ...]
    unit_price: Decimal

    @property
    def count(self) -> int:
        return len(self.details)

    @property
    def total_units(self) -> int:
        return sum(d.total_units for d in self.details)

    @property
    def cost_total(self) -> int:
        """費用合計 = the sum of the 明細書' 請求金額 (each rounded down)."""
        return sum(d.claim_yen for d in self.details)

    @property
    def insurance_claim(self) -> int:
        return self.cost_total  # 居宅介護支援 is paid in full by the insurance (利用者負担 0)


def _percent(units: int, percent: int) -> int:
    return int((Decimal(units) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))


def tier_of_cases(tiers: TierResult, cases: Sequence[Case]) -> dict[int, str]:
    """Hand ``tiers``' counts per (tier, group) to the cases, oldest contract first."""
    if (sum(1 for c in cases if c.group == "light"), sum(1 for c in cases if c.group == "heavy")) != (
        tiers.care_light,
        tiers.care_heavy,
    ):
        raise ClaimError("取扱件数の計算に使った人数と明細書の人数が一致しません。")
    result: dict[int, str] = {}
    for group in ("light", "heavy"):
        members = sorted((c for c in cases if c.group == group), key=lambda c: c.key)
        slots = [line.tier for line in tiers.lines if line.group == group for _ in range(line.cases)]
        for case, tier in zip(members, slots):
            result[case.key] = tier
    return result


def claim_build(
    *,
    month: dt.date,
    tiers: TierResult,
    cases: Sequence[Case],
    regional_grade: str,
    specific_addon: str = "",
    concentration: bool = False,
) -> Claim:
    """The month's 居宅介護支援費: one 明細書 per case and the totals of the 請求書."""
    price = KYOTAKU_UNIT_PRICES.get(regional_grade, KYOTAKU_UNIT_PRICES["9"])
    assigned = tier_of_cases(tiers, cases)
    details = []
    for case in sorted(cases, key=lambda c: c.key):
        unknown = set(case.addons) - set(ADDONS)
        if unknown:
            raise ClaimError(f"加算「{'・'.join(sorted(unknown))}」は扱えません。")
        tier = assigned[case.key]
        base_units = tiers.table.units[(tiers.system, tier)][0 if case.group == "light" else 1]
        grade = "１" if case.group == "light" else "２"
        name = TIER_CODE_NAMES[(tiers.system, tier)] + grade
        label = SYSTEM_LABELS[tiers.system] + TIER_LABELS[tier] + GROUP_LABELS[case.group]
        lines: list[DetailLine] = []
        if "standards_2months" in case.reductions:
            # 運営基準減算が2月以上継続: 居宅介護支援費 is not billed, nor are the add-ons (注3, 注6)
            details.append(Detail(case=case, system=tiers.system, tier=tier, lines=(), unit_price=price))
            continue
        if "standards" in case.reductions:
            base_units, name, label = _percent(base_units, 50), name + "・運", label + "（運営基準減算）"
        if "same_building" in case.reductions:
            base_units, name, label = _percent(base_units, 95), name + "・同一", label + "（同一建物減算）"
        lines.append(DetailLine(name=name, label=label, units_each=base_units))
        if "first" in case.addons and "standards" in case.reductions:
            raise ClaimError("運営基準減算の月は初回加算を算定できません。")
        for key in case.addons:
            addon_name, units = ADDONS[key]
            lines.append(DetailLine(name=addon_name, label=ADDON_LABELS[key], units_each=units))
        if specific_addon:
            if specific_addon not in SPECIFIC_ADDONS:
                raise ClaimError("特定事業所加算の区分が正しくありません。")
            addon_name, units = SPECIFIC_ADDONS[specific_addon]
            lines.append(DetailLine(name=addon_name, label=f"特定事業所加算（{specific_addon}）", units_each=units))
        if concentration:
            lines.append(DetailLine(name=CONCENTRATION[0], label="特定事業所集中減算", units_each=CONCENTRATION[1]))
        details.append(Detail(case=case, system=tiers.system, tier=tier, lines=tuple(lines), unit_price=price))
    return Claim(month=month, tiers=tiers, details=tuple(d for d in details if d.lines), unit_price=price)


def unit_price_digits(price: Decimal) -> str:
    """11.40 → "1140" (単位数単価 of the 明細書)."""
    return f"{int((price * 100).to_integral_value()):04d}"
