"""Valid example records per layout, used by the standard CSV tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from linkage.standard import LAYOUTS, Layout

SENDER = "0300000100"  # 居宅介護支援 (43)
RECIPIENT = "0300000005"  # 訪問介護 (11)
SEQ = datetime(2025, 4, 1, 12, 0, 0)
MONTH = "202504"
INSURER = "131011"
INSURED = "0000012345"
PLAN_DATE = date(2025, 3, 20)


def name(
    prefix: str,
    month: str | None = None,
    seq: str = "20250401120000",
    sender=SENDER,
    recipient=RECIPIENT,
    skind="43",
    rkind="11",
) -> str:
    from linkage.standard.layouts import MONTH_PREFIXES

    if prefix in MONTH_PREFIXES and month is None:
        month = "000000" if prefix == "UPHOSOKU" else MONTH
    if prefix in ("UPJSK", "DLTJSK") and (skind, rkind) == ("43", "11"):
        skind, rkind = "11", "43"  # 実績 goes from the provider to the care-management office
    parts = [prefix] + ([month] if month else []) + [sender, skind, recipient, rkind, seq]
    return "_".join(parts) + ".CSV"


def default_value(layout: Layout, f):
    t = f.type
    if f.no == 1:
        return layout.csv_version
    if f.name == "保険者番号":
        return INSURER
    if f.name == "被保険者番号":
        return INSURED
    if t == "YYYYMM":
        return MONTH
    if t == "YYYYMMDD":
        return date(2025, 4, 1)
    if t == "HHMM":
        return "0930"
    if t == "digits":
        if f.values:
            return next(iter(f.values))
        return RECIPIENT if f.length == 10 else "1" * f.length
    if t == "alnum":
        if f.name == "識別子" or f.name == "サテライト枝番":
            return None
        if f.name == "サービスコード":
            return "111111"
        if f.name.endswith("サービス種類コード"):
            return "11"
        if f.name in ("TAISコード", "福祉用具届出コード"):
            return None
        return "A1"[: f.length]
    if t == "code":
        return next(iter(f.values))
    if t == "integer":
        if f.name == "明細判別コード":
            return None
        return 1
    if t == "decimal":
        return Decimal("10.21")
    if t == "postal":
        return "100-0001"
    if t == "phone":
        return "03-1234-5678"
    if t == "flags31":
        return None
    return "テキスト"


def valid_row(prefix: str, **overrides) -> dict[int, object]:
    """A record of ``prefix`` that passes all single-file rules (4.1, month 202504)."""
    layout = LAYOUTS[prefix]
    row = {f.no: default_value(layout, f) for f in layout.fields}
    if prefix == "UP1KYO":
        row[13] = SENDER
        row[14] = PLAN_DATE
    if prefix in ("UP2KYO", "UP3KYO"):
        row[5] = PLAN_DATE
    if prefix == "UPHOSOKU":  # plan mode (file month 000000)
        row[4] = PLAN_DATE
        row[63] = "000000"
        row[18] = row[59] = "22"  # 要介護２ (the 6表 example uses 111111, a 介護給付 code)
    if prefix in ("UPPLAN", "UPJSK"):
        row[6] = SENDER
        row[10] = date(2025, 4, 3)
        if prefix == "UPJSK":
            row[20] = SENDER  # 実績 is sent by the provider = file sender
    if prefix == "DLTJSK":
        row[5] = SENDER
        row[6] = "11"
    if prefix == "UPSIKYU":
        row[7] = RECIPIENT
        row[13] = 300
    for k, v in overrides.items():
        row[int(k.lstrip("f"))] = v
    return row


def sikyu_total(**overrides) -> dict[int, object]:
    row = valid_row("UPSIKYU", f7="9999999999", f9="999999", f13=0, f14=None, f15=None)
    for k, v in overrides.items():
        row[int(k.lstrip("f"))] = v
    return row


def valid_rows(prefix: str) -> list[dict[int, object]]:
    if prefix == "UPSIKYU":
        return [valid_row("UPSIKYU"), sikyu_total()]
    return [valid_row(prefix)]
