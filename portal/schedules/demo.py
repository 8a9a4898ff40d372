"""Demo サービス利用票 (``manage.py load_demo``): this month's 第6表 for the demo clients
(see ``portal/clients/demo.py``), using the demo providers. One client (森 千代子) is planned
over the 区分支給限度基準額 so the over-limit warning can be seen.

Loading twice changes nothing: an existing month is left alone.
"""

from __future__ import annotations

import calendar

from django.utils import timezone

from portal.clients.models import Client
from portal.masters import loader as masters
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

# insured number → [(provider, name, code, start, end, weekdays (0 = Mon) or "all"/"first", units, tais)]
PLANS = {
    "0000100001": [
        ("1370000011", "ひまわり訪問介護ステーション", "111211", "0900", "1000", (0, 3), None, ""),
        ("1370000011", "ひまわり訪問介護ステーション", "116275", "9999", "9999", (), None, ""),
        ("1370000012", "あおぞらデイサービス", "151521", "0930", "1645", (1, 4), None, ""),
        ("1370000012", "あおぞらデイサービス", "155301", "0930", "1645", (1, 4), None, ""),
        ("1370000012", "あおぞらデイサービス", "156275", "9999", "9999", (), None, ""),
    ],
    "0000100002": [
        ("1370000012", "あおぞらデイサービス", "151511", "0930", "1645", (2,), None, ""),
    ],
    "0000100003": [
        ("1370000011", "ひまわり訪問介護ステーション", "117311", "1400", "1500", (1, 4), None, ""),
        ("1370000012", "あおぞらデイサービス", "151511", "0930", "1645", (0,), None, ""),
    ],
    "0000100004": [
        ("1370000011", "ひまわり訪問介護ステーション", "111311", "0800", "0930", "all", None, ""),
        ("1370000011", "ひまわり訪問介護ステーション", "111211", "1800", "1900", "all", None, ""),
    ],
    "0000200001": [
        ("2770000013", "みどり訪問看護・福祉用具センター", "131311", "1000", "1100", (1,), None, ""),
        ("2770000013", "みどり訪問看護・福祉用具センター", "171003", "9999", "9999", "first", 1000, "00150-000021"),
        ("2770000013", "みどり訪問看護・福祉用具センター", "171004", "9999", "9999", "first", 300, "00150-000105"),
    ],
}


def load_app_demo(offices):
    masters.ensure_loaded()
    month = timezone.localdate().replace(day=1)
    days = calendar.monthrange(month.year, month.month)[1]
    for insured, lines in PLANS.items():
        client = Client.objects.filter(insured_number=insured, office__office_number__in=list(offices)).first()
        if client is None or ServiceSchedule.objects.filter(client=client, month=month).exists():
            continue
        certs = list(client.certifications.all())
        schedule = ServiceSchedule.objects.create(
            client=client, month=month, created_on=month, updated_by_name="デモデータ"
        )
        for order, (provider, name, code, start, end, when, units, tais) in enumerate(lines):
            planned = [0] * 31
            for d in range(1, days + 1):
                day = month.replace(day=d)
                if not any(c.valid_from <= day <= c.valid_to for c in certs):
                    continue
                if when == "all" or (when == "first" and d == 1) or (isinstance(when, tuple) and day.weekday() in when):
                    planned[d - 1] = 1
            ServiceScheduleLine.objects.create(
                schedule=schedule,
                sort_order=order,
                provider_office_number=provider,
                provider_name=name,
                service_type_code=code[:2],
                service_item_code=code[2:],
                start_time=start,
                end_time=end,
                planned_days=planned,
                units_entered=units,
                tais_code=tais,
                equipment_name="特殊寝台" if code == "171003" else "特殊寝台付属品" if code == "171004" else "",
            )
