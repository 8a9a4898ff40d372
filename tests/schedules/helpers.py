"""Shared builders for the schedule tests."""

from __future__ import annotations

import datetime as dt

from portal.clients.models import Certification, Client, ClientService
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

MONTH = dt.date(2026, 5, 1)  # 31 days; 1st is a Friday


def make_client(
    office,
    *,
    insured="0000000001",
    level="21",
    limit=16765,
    valid_from=dt.date(2026, 4, 1),
    valid_to=dt.date(2027, 3, 31),
    copay=1,
    services=(("1370000011", "ひまわり訪問介護", "11"), ("1370000012", "あおぞらデイ", "15")),
    **kw,
):
    with office_scope(office):
        client = Client.objects.create(
            office=office,
            family_name="山田",
            given_name="太郎",
            family_name_kana="ヤマダ",
            given_name_kana="タロウ",
            sex="1",
            birth_date=dt.date(1940, 4, 1),
            insurer_number="131011",
            insured_number=insured,
            postal_code="160-0023",
            address="東京都新宿区西新宿2-8-1",
            phone="03-1111-2222",
            copay_ratio=copay,
            **kw,
        )
        if level:
            Certification.objects.create(
                client=client,
                care_level=level,
                status="2",
                valid_from=valid_from,
                valid_to=valid_to,
                certified_on=valid_from,
                benefit_limit_units=limit,
            )
        for number, name, kind in services:
            ClientService.objects.create(
                client=client, provider_office_number=number, provider_name=name, service_type_code=kind
            )
    return client


def days(*numbers, value=1):
    out = [0] * 31
    for d in numbers:
        out[d - 1] = value
    return out


def make_schedule(office, client, lines=(), month=MONTH):
    with office_scope(office):
        schedule = ServiceSchedule.objects.create(client=client, month=month, created_on=month)
        for i, (number, code, start, end, planned) in enumerate(lines):
            ServiceScheduleLine.objects.create(
                schedule=schedule,
                sort_order=i,
                provider_office_number=number,
                provider_name=f"事業所{number[-2:]}",
                service_type_code=code[:2],
                service_item_code=code[2:],
                start_time=start,
                end_time=end,
                planned_days=planned,
            )
    return schedule


def typed_row(row: dict, index: str = "new0") -> dict:
    """What a user types into one line of the 第6表 grid (the empty line at the end is ``new0``).
    row: provider, code, start, end, days {day: count}, units, tais, notified, equipment, prorated, over."""
    p = f"line-{index}-"
    keys = {
        "provider": "provider",
        "code": "code",
        "start": "start",
        "end": "end",
        "units": "units",
        "tais": "tais",
        "notified": "notified",
        "equipment": "equipment",
        "over": "over",
    }
    values = {p + field: str(row[key]) for key, field in keys.items() if key in row}
    if "prorated" in row:
        values[p + "prorated"] = bool(row["prorated"])
    for d, n in row.get("days", {}).items():
        values[f"{p}d{d}"] = str(n)
    return values


def type_rows(client, url: str, rows, *, extra: dict | None = None):
    """Type each row into the grid's empty line and press 保存する (one line at a time, as the page
    works without JavaScript); returns the last response."""
    from tests.forms import submit

    response = None
    for n, row in enumerate(rows):
        values = typed_row(row)
        if extra and n == len(rows) - 1:
            values.update(extra)
        response = submit(client, url, values, button="保存する", form="sheet")
    return response


def weekdays_in(month, weekday):
    """Day numbers of ``month`` falling on ``weekday`` (0 = Monday)."""
    import calendar

    n = calendar.monthrange(month.year, month.month)[1]
    return [d for d in range(1, n + 1) if month.replace(day=d).weekday() == weekday]
