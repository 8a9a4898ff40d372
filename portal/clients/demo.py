"""Demo 利用者 (``manage.py load_demo``): a handful of clients of the two care-management offices,
using the demo providers, with their certifications. Dates are relative to today, so the
register always shows a current certification (and one that is about to expire).

Loading twice changes nothing: clients are matched on 保険者番号 + 被保険者番号.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.clients.models import DEFAULT_BENEFIT_LIMITS, Certification, Client, ClientService
from portal.offices.models import Membership, Role

# office number → [(family, given, family kana, given kana, sex, birth, insurer, insured, copay, care level,
#                   cert start (months ago), cert length (months), services [(provider, name, kind)], address)]
DEMO_CLIENTS = {
    "1310000001": [
        (
            "山田",
            "太郎",
            "ヤマダ",
            "タロウ",
            "1",
            dt.date(1938, 5, 12),
            "131045",
            "0000100001",
            1,
            "22",
            6,
            24,
            [("1370000011", "ひまわり訪問介護ステーション", "11"), ("1370000012", "あおぞらデイサービス", "15")],
            "東京都新宿区西新宿3-2-1",
        ),
        (
            "佐々木",
            "ハル",
            "ササキ",
            "ハル",
            "2",
            dt.date(1935, 11, 3),
            "131045",
            "0000100002",
            2,
            "21",
            11,
            12,
            [("1370000012", "あおぞらデイサービス", "15")],
            "東京都新宿区百人町2-4-6",
        ),
        (
            "高田",
            "正雄",
            "タカダ",
            "マサオ",
            "1",
            dt.date(1941, 2, 20),
            "131144",
            "0000100003",
            1,
            "21",
            3,
            12,
            [("1370000011", "ひまわり訪問介護ステーション", "11"), ("1370000012", "あおぞらデイサービス", "15")],
            "東京都中野区中野5-1-1",
        ),
        (
            "森",
            "千代子",
            "モリ",
            "チヨコ",
            "2",
            dt.date(1930, 8, 8),
            "131144",
            "0000100004",
            3,
            "23",
            2,
            24,
            [("1370000011", "ひまわり訪問介護ステーション", "11")],
            "東京都中野区東中野1-2-3",
        ),
    ],
    "2710000002": [
        (
            "大阪",
            "一郎",
            "オオサカ",
            "イチロウ",
            "1",
            dt.date(1939, 3, 30),
            "271007",
            "0000200001",
            1,
            "23",
            5,
            24,
            [
                ("2770000013", "みどり訪問看護・福祉用具センター", "13"),
                ("2770000013", "みどり訪問看護・福祉用具センター", "17"),
            ],
            "大阪府大阪市北区天満1-1-1",
        ),
        (
            "中之島",
            "文子",
            "ナカノシマ",
            "フミコ",
            "2",
            dt.date(1944, 6, 1),
            "271007",
            "0000200002",
            2,
            "12",
            4,
            12,
            [("2770000013", "みどり訪問看護・福祉用具センター", "17")],
            "大阪府大阪市北区中之島3-3-3",
        ),
    ],
}


def _months_ago(today: dt.date, months: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(y, m + 1, 1)


def load_app_demo(offices):
    from portal.clients.insurers import insurer_name_for

    today = timezone.localdate()
    for number, people in DEMO_CLIENTS.items():
        office = offices.get(number)
        if office is None:
            continue
        manager = (
            Membership.objects.filter(office=office, role=Role.CARE_MANAGER).first()
            or Membership.objects.filter(office=office).first()
        )
        for (
            family,
            given,
            fkana,
            gkana,
            sex,
            birth,
            insurer,
            insured,
            copay,
            level,
            ago,
            length,
            services,
            address,
        ) in people:
            client, created = Client.objects.get_or_create(
                office=office,
                insurer_number=insurer,
                insured_number=insured,
                defaults=dict(
                    family_name=family,
                    given_name=given,
                    family_name_kana=fkana,
                    given_name_kana=gkana,
                    sex=sex,
                    birth_date=birth,
                    copay_ratio=copay,
                    care_manager=manager,
                    address=address,
                    postal_code="160-0023" if number.startswith("13") else "530-0005",
                    phone="03-1234-0000" if number.startswith("13") else "06-1234-0000",
                    insurer_name=insurer_name_for(insurer),
                    plan_notified_on=_months_ago(today, ago) - dt.timedelta(days=20),
                ),
            )
            if not created:
                continue
            start = _months_ago(today, ago)
            end = dt.date(
                start.year + (start.month - 1 + length) // 12, (start.month - 1 + length) % 12 + 1, 1
            ) - dt.timedelta(days=1)
            Certification.objects.create(
                client=client,
                status="2",
                care_level=level,
                valid_from=start,
                valid_to=end,
                certified_on=start - dt.timedelta(days=10),
                benefit_limit_units=DEFAULT_BENEFIT_LIMITS[level],
            )
            for provider, name, kind in services:
                ClientService.objects.create(
                    client=client, provider_office_number=provider, provider_name=name, service_type_code=kind
                )
