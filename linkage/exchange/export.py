"""The exchange's part of the office's data export (``portal.exports``, through its port
``exports.exchange_export``): the standard CSVs as they would be sent, what was received, and which
months' 提供票 were sent."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.utils import timezone

from portal.exports.ports import Put


def _build_units(units, prefix, put: Put, problems: list[str], sequence) -> None:
    for unit in units:
        clients = list(unit.clients) + [c for c, _ in unit.refused if c not in unit.clients]
        if not clients:
            continue
        try:
            built = unit.build(sequence, clients)
        except Exception as exc:  # noqa: BLE001 — listed in the ZIP, the rest goes on
            problems.append(
                f"{prefix}（{unit.recipient_office_number}）: 標準仕様CSVを作成できませんでした（{type(exc).__name__}）。data/ のJSONに記録があります。"
            )
            continue
        for name, content in built.files:
            put(f"{prefix}/{unit.recipient_office_number}-{unit.recipient_kind}/{name}", content)


def standard_files(office, put: Put, problems: list[str]) -> None:
    from linkage.exchange.services import month_send_plan, plan_send_plan
    from portal.careplans.models import CarePlan
    from portal.schedules.models import ServiceSchedule

    sequence = timezone.localtime().replace(microsecond=0, tzinfo=None)
    if office.is_care_management:
        for plan in CarePlan.objects.filter(client__office=office).select_related("client").order_by("pk"):
            try:
                units = plan_send_plan(office=office, plan=plan)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"計画書 {plan.pk}: 標準仕様CSVを作成できませんでした（{type(exc).__name__}）。")
                continue
            _build_units(units, f"standard/plans/{plan.pk}", put, problems, sequence)
        months = ServiceSchedule.objects.filter(client__office=office).values_list("month", flat=True).distinct()
        for month in sorted(set(months)):
            try:
                units = month_send_plan(office=office, month=month)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{month:%Y-%m} の利用票: 標準仕様CSVを作成できませんでした（{type(exc).__name__}）。")
                continue
            _build_units(units, f"standard/schedules/{month:%Y%m}", put, problems, sequence)


def received_files(put: Put, problems: list[str]) -> None:
    from linkage.exchange.models import ReceivedPackage

    for received in ReceivedPackage.objects.order_by("pk").iterator():
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(received.content))) as zf:
                for name in zf.namelist():
                    put(f"received/{received.pk}/{name}", zf.read(name))
        except zipfile.BadZipFile:
            problems.append(f"受信 {received.pk}: 受信した内容を読み取れませんでした。")


def sent_schedule_months() -> list[dt.date]:
    from linkage.exchange.models import Package, PackageStatus, UnitKind

    sent = (
        Package.objects.filter(unit_kind=UnitKind.SCHEDULE)
        .exclude(status__in=(PackageStatus.QUEUED, PackageStatus.ERROR))
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted({m for m in sent if m})
