"""Valid standard send units built with linkage.standard, for exchange and hub tests."""

from __future__ import annotations

import datetime as dt

from linkage.standard import build_send_unit


def plan_rows(
    *,
    insurer="131011",
    insured="1000000001",
    office="1300000001",
    provider="1300000002",
    provider_name="ひまわり訪問介護",
    month="202504",
    days=(1, 8, 15),
    service_code="111111",
    units=250,
    start="0900",
    end="0930",
):
    y, m = int(month[:4]), int(month[4:])
    rows = []
    for d in days:
        rows.append(
            {
                2: insurer,
                3: insured,
                4: dt.date(y, m, 1),
                6: office,
                7: "佐藤 花子",
                8: units,
                10: dt.date(y, m, d),
                12: start,
                13: end,
                14: 1,
                15: service_code,
                20: provider,
                21: provider_name,
                23: "0",
                24: office,
            }
        )
    return rows


def annex_rows(
    *,
    insurer="131011",
    insured="1000000001",
    office="1300000001",
    provider="1300000002",
    provider_name="ひまわり訪問介護",
    month="202504",
    count=3,
    service_code="111111",
    units=250,
):
    y, m = int(month[:4]), int(month[4:])
    total = units * count
    detail = {
        2: insurer,
        3: insured,
        4: dt.date(y, m, 1),
        6: provider_name,
        7: provider,
        9: service_code,
        13: units,
        16: count,
        17: total,
        18: total,
        20: total,
        22: total,
        23: "11.40",
        24: int(total * 11.4),
        25: 90,
        26: int(int(total * 11.4) * 0.9),
        28: int(total * 11.4) - int(int(total * 11.4) * 0.9),
        33: "0",
        34: "9999999999",
        36: office,
    }
    grand = {
        2: insurer,
        3: insured,
        4: dt.date(y, m, 1),
        7: "9999999999",
        9: "999999",
        13: 0,
        16: count,
        17: total,
        18: total,
        33: "0",
        34: "9999999999",
        36: office,
    }
    return [detail, grand]


def hosoku_rows(*, insurer="131011", insured="1000000001", name="山田 太郎", kana="ヤマダ タロウ", office="1300000001"):
    return [{2: insurer, 3: insured, 5: kana, 6: name, 7: "1", 8: dt.date(1940, 5, 1), 18: "22", 19: 19705, 61: office}]


def schedule_unit(
    *,
    sender="1300000001",
    recipient="1300000002",
    recipient_kind="11",
    month="202504",
    clients=(("1000000001", "山田 太郎", "ヤマダ タロウ"),),
    sequence=None,
    insurer="131011",
):
    plan, annex, hosoku = [], [], []
    for insured, name, kana in clients:
        plan += plan_rows(insurer=insurer, insured=insured, office=sender, provider=recipient, month=month)
        annex += annex_rows(insurer=insurer, insured=insured, office=sender, provider=recipient, month=month)
        hosoku += hosoku_rows(insurer=insurer, insured=insured, name=name, kana=kana, office=sender)
    return build_send_unit(
        "schedule",
        {"UPPLAN": plan, "UPSIKYU": annex, "UPHOSOKU": hosoku},
        sender_office=sender,
        sender_kind="43",
        recipient_office=recipient,
        recipient_kind=recipient_kind,
        sequence=sequence or dt.datetime(2025, 3, 25, 10, 0, 0),
        month=month,
    )
