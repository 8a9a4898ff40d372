"""居宅介護支援費: the dated unit table and the 1単位の単価 of 居宅介護支援 (national master data).

Master data (dated, with its source) — 居宅介護支援費 単位数, 令和6年4月1日〜:
    指定居宅介護支援に要する費用の額の算定に関する基準（平成12年厚生省告示第20号）別表 イ,
    as amended by 令和6年厚生労働省告示第86号 (令和6年度介護報酬改定, 施行 2024-04-01);
    figures as published in 社会保障審議会介護給付費分科会 第239回（2024-01-22）資料「諮問書別紙」.
    Checked 2026-11 against the 令和6年度 service code table (居宅介護支援Ⅰⅰ１ 432111 = 1,086 …
    居宅介護支援Ⅱⅲ２ 435611 = 410), unchanged in the 令和8年6月 table.

                          要介護1・2   要介護3・4・5
    (Ⅰ)(ⅰ) 取扱件数45未満     1,086        1,411
    (Ⅰ)(ⅱ) 45以上60未満の部分   544          704
    (Ⅰ)(ⅲ) 60以上の部分        326          422
    (Ⅱ)(ⅰ) 取扱件数50未満     1,086        1,411
    (Ⅱ)(ⅱ) 50以上60未満の部分   527          683
    (Ⅱ)(ⅲ) 60以上の部分        316          410
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

TIERS = ("i", "ii", "iii")
TIER_LABELS = {"i": "（ⅰ）", "ii": "（ⅱ）", "iii": "（ⅲ）"}
SYSTEM_LABELS = {"I": "居宅介護支援費（Ⅰ）", "II": "居宅介護支援費（Ⅱ）"}
GROUP_LABELS = {"light": "要介護1・2", "heavy": "要介護3・4・5"}


@dataclass(frozen=True)
class KyotakuUnitTable:
    valid_from: dt.date
    source: str
    # (system, tier) → (要介護1・2, 要介護3・4・5)
    units: dict[tuple[str, str], tuple[int, int]]
    # system → (threshold of (ⅱ), threshold of (ⅲ)) in 取扱件数
    thresholds: dict[str, tuple[int, int]]


KYOTAKU_UNIT_TABLES: tuple[KyotakuUnitTable, ...] = (
    KyotakuUnitTable(
        valid_from=dt.date(2024, 4, 1),
        source=(
            "令和6年度介護報酬改定（令和6年厚生労働省告示第86号、2024年4月1日施行）"
            "指定居宅介護支援に要する費用の額の算定に関する基準 別表イ／"
            "社会保障審議会介護給付費分科会 第239回（2024年1月22日）資料"
        ),
        units={
            ("I", "i"): (1086, 1411),
            ("I", "ii"): (544, 704),
            ("I", "iii"): (326, 422),
            ("II", "i"): (1086, 1411),
            ("II", "ii"): (527, 683),
            ("II", "iii"): (316, 410),
        },
        thresholds={"I": (45, 60), "II": (50, 60)},
    ),
)

# 1単位の単価 for 居宅介護支援 (人件費割合70%のサービス) by 地域区分 (Office.regional_grade).
# Source: 厚生労働大臣が定める一単位の単価（平成27年厚生労働省告示第93号）, 令和6年4月〜.
KYOTAKU_UNIT_PRICES: dict[str, Decimal] = {
    "1": Decimal("11.40"),
    "2": Decimal("11.12"),
    "3": Decimal("11.05"),
    "4": Decimal("10.84"),
    "5": Decimal("10.70"),
    "6": Decimal("10.42"),
    "7": Decimal("10.21"),
    "9": Decimal("10.00"),
}


def unit_table_on(day: dt.date) -> KyotakuUnitTable:
    tables = [t for t in KYOTAKU_UNIT_TABLES if t.valid_from <= day]
    if not tables:
        raise LookupError(f"no 居宅介護支援費 unit table for {day}")
    return max(tables, key=lambda t: t.valid_from)


# 居宅介護支援 サービスコード (kind 43), name → code, valid from 2024-04-01 (令和6年度改定; unchanged for
# these codes in the 令和8年6月 table). The official 介護給付費単位数等サービスコード表 could not be read
# here: confirmed 2026-11-30 against a public open-source care-billing implementation that states it
# checked them against the 令和6年 and 令和8年6月 masters and real 8124 transmissions (its units agree
# with the 告示). The composite codes of a reduced base (運営基準減算, 同一建物減算) are not here: they
# come from the loaded サービスコード表 (portal.masters.models.ServiceCode).
SERVICE_CODES_VALID_FROM = dt.date(2024, 4, 1)
SERVICE_CODES: Mapping[str, str] = {
    "居宅介護支援Ⅰⅰ１": "432111",
    "居宅介護支援Ⅰⅰ２": "432211",
    "居宅介護支援Ⅰⅱ１": "433111",
    "居宅介護支援Ⅰⅱ２": "433211",
    "居宅介護支援Ⅰⅲ１": "434111",
    "居宅介護支援Ⅰⅲ２": "434211",
    "居宅介護支援Ⅱⅰ１": "435011",
    "居宅介護支援Ⅱⅰ２": "435211",
    "居宅介護支援Ⅱⅱ１": "435311",
    "居宅介護支援Ⅱⅱ２": "435411",
    "居宅介護支援Ⅱⅲ１": "435511",
    "居宅介護支援Ⅱⅲ２": "435611",
    "特定事業所集中減算": "434000",
    "初回加算": "434001",
    "特定事業所加算Ⅰ": "434002",
    "特定事業所加算Ⅱ": "434003",
    "特定事業所加算Ⅲ": "434004",
    "特定事業所加算Ａ": "434006",
    "特定事業所医療介護連携加算": "434005",
    "ターミナルケアマネジメント加算": "436100",
    "入院時情報連携加算Ⅰ": "436125",
    "入院時情報連携加算Ⅱ": "436129",
    "退院退所加算Ⅰイ": "436132",
    "退院退所加算Ⅰロ": "436143",
    "退院退所加算Ⅱイ": "436144",
    "退院退所加算Ⅱロ": "436145",
    "退院退所加算Ⅲ": "436146",
    "緊急時等居宅カンファレンス加算": "436133",
    "通院時情報連携加算": "436135",
}
CODE_NAMES: Mapping[str, str] = {code: name for name, code in SERVICE_CODES.items()}
