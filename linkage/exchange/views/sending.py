"""Sending: the outbox, the month and plan sends (preview, tick, send), batches and packages,
and the 予定削除 send."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linkage.exchange import services
from linkage.exchange.models import Channel, Package, PackageStatus, SendBatch, UnitKind
from portal.core.forms import single_submit
from portal.core.wareki import wareki_month
from portal.offices.permissions import care_office_required, office_required

DONE_STATUSES = [
    PackageStatus.SENT,
    PackageStatus.RECEIVED,
    PackageStatus.IMPORTED,
    PackageStatus.REJECTED,
    PackageStatus.ERROR,
    PackageStatus.DOWNLOADED,
]


def _send_errors():
    from linkage.exchange.certificates import NoCertificate
    from portal.billing.services import SendingBlocked
    from portal.partners.services import SharingNotAllowed

    return (SendingBlocked, SharingNotAllowed, services.SendError, NoCertificate)


def _parse_month(text: str | None) -> dt.date | None:
    try:
        year, month = (int(x) for x in (text or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None


def _batches_with_progress(qs):
    return qs.annotate(
        total=Count("packages"),
        done=Count("packages", filter=Q(packages__status__in=DONE_STATUSES)),
        errors=Count("packages", filter=Q(packages__status__in=[PackageStatus.ERROR, PackageStatus.REJECTED])),
        imported=Count("packages", filter=Q(packages__status=PackageStatus.IMPORTED)),
    )


@office_required
def outbox(request):
    batches = _batches_with_progress(SendBatch.objects.filter(office=request.office))[:50]
    plans = []
    if request.office.is_care_management:
        from portal.careplans.models import CarePlan, PlanStatus

        plans = (
            CarePlan.objects.filter(
                client__office=request.office, status__in=[PlanStatus.CONFIRMED, PlanStatus.DELIVERED]
            )
            .select_related("client")
            .order_by("-plan_date", "-pk")[:20]
        )
    return render(
        request,
        "exchange/outbox.html",
        {"batches": batches, "plans": plans, "month": timezone.localdate().replace(day=1)},
    )


def _do_send(request, units, label):
    channel = Channel.FILE if request.POST.get("channel") == "file" else Channel.HUB
    try:
        batch = services.units_send(
            office=request.office, actor=request.membership, units=units, channel=channel, label=label
        )
    except _send_errors() as exc:
        messages.error(request, str(exc))
        return None
    if channel == Channel.FILE:
        messages.success(
            request,
            "標準仕様のCSVファイルを作成しました。「ZIPをダウンロード」から保存して、国の連携システムで送信してください。",
        )
    else:
        messages.success(request, f"{batch.packages.count()}件の送信を受け付けました。状態はこの画面で確認できます。")
    return redirect("exchange:batch", batch_id=batch.pk)


@care_office_required
@single_submit
def send_month(request):
    """利用票 of a month: choose 利用者 → preview (who gets what) → send or download."""
    from portal.schedules.models import ServiceSchedule

    data = request.POST if request.method == "POST" else request.GET
    month = _parse_month(data.get("month")) or timezone.localdate().replace(day=1)
    schedules = list(
        ServiceSchedule.objects.filter(client__office=request.office, month=month)
        .select_related("client")
        .order_by("client__family_name_kana", "client__given_name_kana")
    )
    known = {s.client_id for s in schedules}
    chosen = {int(x) for x in data.getlist("clients") if x.isdigit() and int(x) in known}
    submitted = "preview" in data or request.method == "POST"
    preview, nobody = None, False
    if submitted:
        if not chosen:
            # Nobody ticked means nothing is sent (never "everyone").
            nobody = True
            if request.method == "POST":
                messages.error(request, NOBODY_CHOSEN)
        else:
            units = services.month_send_plan(office=request.office, month=month, client_ids=chosen)
            if request.method == "POST":
                response = _do_send(request, units, f"{wareki_month(month)}分 サービス利用票")
                if response is not None:
                    return response
            preview = units
    return render(
        request,
        "exchange/send_month.html",
        {
            "month": month,
            "schedules": schedules,
            "chosen": chosen,
            "preview": preview,
            "submitted": submitted,
            "nobody": nobody,
            "sendable_units": sum(1 for u in preview or [] if u.clients),
            **_preview_context(request, preview),
        },
        status=400 if nobody and request.method == "POST" else 200,
    )


NOBODY_CHOSEN = "送る利用者を選んでください。"


def _preview_context(request, preview):
    """What the preview needs: office-level blockers and whether each button can send anything."""
    if preview is None:
        return {"ready": 0, "blockers": [], "can_hub": False, "can_file": False}
    ready = sum(len(u.clients) for u in preview)
    blockers = services.send_blockers(office=request.office)
    return {
        "ready": ready,
        "blockers": blockers,
        "can_hub": bool(ready) and not blockers,
        "can_file": bool(ready) and not [b for b in blockers if not b.hub_only],
    }


@care_office_required
@single_submit
def send_plan(request, plan_id):
    """居宅サービス計画書 (or its 1表削除) to every provider the plan names."""
    from portal.careplans.models import CarePlan

    plan = get_object_or_404(CarePlan.objects.select_related("client"), pk=plan_id)
    delete = request.GET.get("delete") == "1" or request.POST.get("delete") == "1"
    units = services.plan_send_plan(office=request.office, plan=plan, delete=delete)
    if request.method == "POST":
        label = f"{plan.client.full_name}さんの居宅サービス計画書{'（削除）' if delete else ''}"
        response = _do_send(request, units, label)
        if response is not None:
            return response
    return render(
        request,
        "exchange/send_plan.html",
        {"plan": plan, "preview": units, "delete": delete, **_preview_context(request, units)},
    )


def _batch_context(batch_id) -> dict:
    """A batch with its packages, and how long its oldest never-tried package has waited past the
    deadline (the page then says so honestly instead of 「送信中…」 forever)."""
    batch = get_object_or_404(_batches_with_progress(SendBatch.objects.all()), pk=batch_id)
    packages = list(batch.packages.order_by("recipient_office_number", "recipient_kind", "pk").defer("content"))
    deadline = timezone.now() - dt.timedelta(seconds=settings.RENKEI_SEND_QUEUED_DEADLINE)
    waiting = [
        p.created_at
        for p in packages
        if p.status == PackageStatus.QUEUED and not p.attempts and p.created_at < deadline
    ]
    late = (timezone.now() - min(waiting)) if waiting else None
    return {"batch": batch, "packages": packages, "late": late}


@office_required
def batch_detail(request, batch_id):
    return render(request, "exchange/batch.html", _batch_context(batch_id))


@office_required
def batch_progress(request, batch_id):
    return render(request, "exchange/_batch_progress.html", _batch_context(batch_id))


@office_required
def batch_download(request, batch_id):
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    batch = get_object_or_404(SendBatch, pk=batch_id)
    name, data = services.batch_zip(batch)
    audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.CSV_DOWNLOADED,
        detail={"batch_id": batch.pk},
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@office_required
def package_detail(request, package_id):
    from portal.clients.models import Client

    package = get_object_or_404(Package.objects.defer("content"), pk=package_id)
    clients = list(Client.objects.filter(pk__in=package.client_ids))
    return render(request, "exchange/package.html", {"package": package, "clients": clients})


@office_required
def package_download(request, package_id):
    """The send unit as correctly named standard CSVs (a ZIP for the national system)."""
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    package = get_object_or_404(Package, pk=package_id)
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bytes(package.content))) as zf,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for name in zf.namelist():
            if name.upper().endswith(".CSV"):
                out.writestr(name, zf.read(name))
    audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.CSV_DOWNLOADED,
        partner_office_number=package.recipient_office_number,
        detail={"package_id": str(package.package_id)},
    )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="renkei-{package.sequence}-{package.recipient_office_number}.zip"'
    )
    return response


@care_office_required
@require_POST
@single_submit
def schedule_delete_send(request, package_id):
    """第6表（予定）削除 for one 利用者 of a sent 利用票 package."""
    from portal.clients.models import Client

    package = get_object_or_404(Package.objects.defer("content"), pk=package_id, unit_kind=UnitKind.SCHEDULE)
    raw = request.POST.get("client_id", "")
    client = Client.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if not raw:
        messages.error(request, NOBODY_CHOSEN)
        return redirect("exchange:package", package_id=package.pk)
    if client is None or client.pk not in package.client_ids:
        messages.error(request, "この送信に含まれていない利用者です。")
        return redirect("exchange:package", package_id=package.pk)
    unit = services.schedule_delete_plan(
        office=request.office,
        client=client,
        month=package.month,
        recipient_office_number=package.recipient_office_number,
        recipient_kind=package.recipient_kind,
    )
    response = _do_send(request, [unit], f"{client.full_name}さん {wareki_month(package.month)} 6表（予定）削除")
    return response or redirect("exchange:package", package_id=package.pk)
