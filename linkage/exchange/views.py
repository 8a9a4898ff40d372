"""Pages of the exchange: certificates, the CSV check, sending, inbox (thin views; writes in services)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linkage.exchange import certificates
from linkage.exchange.forms import CertificateUploadForm, CsvFilesForm
from linkage.exchange.models import OfficeCertificate
from portal.core.forms import apply_validation_error, single_submit
from portal.core.wareki import wareki_date, wareki_month
from portal.offices.permissions import admin_required, care_office_required, office_required


# --------------------------------------------------------------------------- certificates


@admin_required
@single_submit
def certificate_list(request):
    form = CertificateUploadForm(request.POST, request.FILES) if request.method == "POST" else CertificateUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            record = certificates.certificate_upload(
                office=request.office, uploaded_by=request.user,
                data=form.cleaned_data["file"].read(), password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"電子証明書を登録しました（有効期限 {wareki_date(record.not_after)}）。")
            return redirect("exchange:certificates")
    records = OfficeCertificate.objects.filter(office=request.office).select_related("uploaded_by")
    return render(request, "exchange/certificates.html", {"form": form, "records": records})


@admin_required
@require_POST
@single_submit
def certificate_revoke(request, certificate_id):
    """失効: revoke one of the office's certificates at the hub and here (irreversible; needs the tick)."""
    record = get_object_or_404(OfficeCertificate, pk=certificate_id, office=request.office)
    if request.POST.get("confirm") != "1":
        messages.error(request, "失効させるには「この証明書を失効させます（元に戻せません）」にチェックを入れてください。何も変更していません。")
        return redirect("exchange:certificates")
    try:
        certificates.certificate_revoke(office=request.office, record=record, actor=request.membership)
    except certificates.RevocationFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "電子証明書を失効させました。この証明書ではもう送信・受信できません。"
                         + ("新しい証明書を登録してください。" if certificates.active_certificate(request.office) is None else ""))
    return redirect("exchange:certificates")


# --------------------------------------------------------------------------- CSV check


@office_required
def csv_check(request):
    """標準仕様CSVチェック: validate dropped files and show the findings; nothing is stored."""
    from linkage.exchange.checking import check_uploaded

    form = CsvFilesForm(request.POST, request.FILES) if request.method == "POST" else CsvFilesForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = check_uploaded([(f.name, f.read()) for f in form.cleaned_data["files"]],
                                lenient=form.cleaned_data.get("lenient", False))
    return render(request, "exchange/check.html", {"form": form, "result": result})


# --------------------------------------------------------------------------- sending

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from linkage.exchange import services  # noqa: E402
from linkage.exchange.models import (  # noqa: E402
    Channel,
    InboxStatus,
    Package,
    PackageStatus,
    ReceivedPackage,
    ReceivedPlan,
    ReceivedSchedule,
    SendBatch,
    UnitKind,
)

DONE_STATUSES = [PackageStatus.SENT, PackageStatus.RECEIVED, PackageStatus.IMPORTED, PackageStatus.REJECTED,
                 PackageStatus.ERROR, PackageStatus.DOWNLOADED]


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

        plans = (CarePlan.objects.filter(client__office=request.office,
                                         status__in=[PlanStatus.CONFIRMED, PlanStatus.DELIVERED])
                 .select_related("client").order_by("-plan_date", "-pk")[:20])
    return render(request, "exchange/outbox.html", {
        "batches": batches, "plans": plans, "month": timezone.localdate().replace(day=1)})


def _do_send(request, units, label):
    channel = Channel.FILE if request.POST.get("channel") == "file" else Channel.HUB
    try:
        batch = services.units_send(office=request.office, actor=request.membership, units=units, channel=channel,
                                    label=label)
    except _send_errors() as exc:
        messages.error(request, str(exc))
        return None
    if channel == Channel.FILE:
        messages.success(request, "標準仕様のCSVファイルを作成しました。「ZIPをダウンロード」から保存して、国の連携システムで送信してください。")
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
    schedules = list(ServiceSchedule.objects.filter(client__office=request.office, month=month)
                     .select_related("client").order_by("client__family_name_kana", "client__given_name_kana"))
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
    return render(request, "exchange/send_month.html", {
        "month": month, "schedules": schedules, "chosen": chosen, "preview": preview, "submitted": submitted,
        "nobody": nobody, "sendable_units": sum(1 for u in preview or [] if u.clients),
        **_preview_context(request, preview),
    }, status=400 if nobody and request.method == "POST" else 200)


NOBODY_CHOSEN = "送る利用者を選んでください。"


def _preview_context(request, preview):
    """What the preview needs: office-level blockers and whether each button can send anything."""
    if preview is None:
        return {"ready": 0, "blockers": [], "can_hub": False, "can_file": False}
    ready = sum(len(u.clients) for u in preview)
    blockers = services.send_blockers(office=request.office)
    return {
        "ready": ready, "blockers": blockers,
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
    return render(request, "exchange/send_plan.html", {"plan": plan, "preview": units, "delete": delete,
                                                        **_preview_context(request, units)})


def _batch_context(batch_id) -> dict:
    """A batch with its packages, and how long its oldest never-tried package has waited past the
    deadline (the page then says so honestly instead of 「送信中…」 forever)."""
    batch = get_object_or_404(_batches_with_progress(SendBatch.objects.all()), pk=batch_id)
    packages = list(batch.packages.order_by("recipient_office_number", "recipient_kind", "pk").defer("content"))
    deadline = timezone.now() - dt.timedelta(seconds=settings.RENKEI_SEND_QUEUED_DEADLINE)
    waiting = [p.created_at for p in packages
               if p.status == PackageStatus.QUEUED and not p.attempts and p.created_at < deadline]
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
    audit_record(office=request.office, actor=request.membership, action=AuditAction.CSV_DOWNLOADED,
                 detail={"batch_id": batch.pk})
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
    with zipfile.ZipFile(io.BytesIO(bytes(package.content))) as zf, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name in zf.namelist():
            if name.upper().endswith(".CSV"):
                out.writestr(name, zf.read(name))
    audit_record(office=request.office, actor=request.membership, action=AuditAction.CSV_DOWNLOADED,
                 partner_office_number=package.recipient_office_number, detail={"package_id": str(package.package_id)})
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="renkei-{package.sequence}-{package.recipient_office_number}.zip"'
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
    unit = services.schedule_delete_plan(office=request.office, client=client, month=package.month,
                                         recipient_office_number=package.recipient_office_number,
                                         recipient_kind=package.recipient_kind)
    response = _do_send(request, [unit], f"{client.full_name}さん {wareki_month(package.month)} 6表（予定）削除")
    return response or redirect("exchange:package", package_id=package.pk)


# --------------------------------------------------------------------------- receiving


@office_required
def inbox(request):
    packages = ReceivedPackage.objects.filter(office=request.office).defer("content")[:100]
    schedules = (ReceivedSchedule.objects.filter(office=request.office).select_related("client", "schedule")
                 .order_by("-month", "client__family_name_kana", "client__given_name_kana")[:300])
    plans = (ReceivedPlan.objects.filter(office=request.office).select_related("client")
             .order_by("client__family_name_kana", "-plan_date")[:300])
    pending = sum(1 for p in packages if p.status == InboxStatus.PENDING_CLIENT)
    from linkage.exchange.jobs import INBOX_SYNC
    from portal.jobs.models import Job

    sync = Job.objects.filter(kind=INBOX_SYNC).order_by("-pk").first()
    return render(request, "exchange/inbox.html", {
        "packages": packages, "schedules": schedules, "plans": plans, "pending": pending, "sync_job": sync,
    })


@office_required
@require_POST
def inbox_refresh(request):
    from linkage.exchange.jobs import INBOX_SYNC
    from portal.jobs.services import job_create

    job_create(office=request.office, kind=INBOX_SYNC, user=request.user, unique=True)
    messages.info(request, "連携基盤に新しいデータがないか確認しています。このページに進み具合が出ます。")
    return redirect("exchange:inbox")


@office_required
def received_detail(request, received_id):
    from portal.clients.models import Client

    received = get_object_or_404(ReceivedPackage.objects.defer("content"), pk=received_id)
    candidates = {}
    if received.unknown_clients:
        numbers = {u["insured_number"] for u in received.unknown_clients}
        same = list(Client.objects.filter(office=request.office, insured_number__in=numbers))
        everyone = list(Client.objects.filter(office=request.office, is_active=True).order_by(
            "family_name_kana", "given_name_kana")[:500])
        for u in received.unknown_clients:
            candidates[u["insured_number"]] = [c for c in same if c.insured_number == u["insured_number"]] or everyone
    clients = list(Client.objects.filter(pk__in=received.client_ids))
    unknown = [{**u, "candidates": candidates.get(u["insured_number"], [])} for u in received.unknown_clients]
    return render(request, "exchange/received.html", {
        "received": received, "unknown": unknown, "clients": clients,
        "consent_gaps": _own_consent_gaps(request, clients, received.sender_office_number, received.recipient_kind),
    })


def _own_consent_gaps(request, clients, partner_office_number, own_kind):
    """A provider's own 同意 for the 利用者 it received (needed to send 実績 back)."""
    if request.office.is_care_management or not partner_office_number:
        return []
    return services.own_consent_gaps(office=request.office, clients=clients, partner_office_number=partner_office_number,
                                     service_type_code=own_kind or None, scope="actual")


@office_required
@require_POST
def received_retry(request, received_id):
    from linkage.exchange.importer import package_retry

    received = get_object_or_404(ReceivedPackage.objects.defer("content"), pk=received_id)
    received = ReceivedPackage.objects.get(pk=received.pk)
    status = package_retry(office=request.office, received=received)
    if status == InboxStatus.IMPORTED:
        messages.success(request, "取り込みました。")
    elif status is None:
        messages.error(request, "このデータはもう一度取り込むことができません（検証に失敗したパッケージは送信元に再送を依頼してください）。")
    else:
        messages.error(request, "まだ取り込めません。内容を確認してください。")
    return redirect("exchange:received", received_id=received.pk)


@office_required
@require_POST
@single_submit
def received_match(request, received_id):
    """Match an unknown 利用者 (by 被保険者番号) to a registered one, or register them, then import."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from linkage.exchange.importer import client_match, client_register_from, package_retry
    from portal.clients.models import Client

    received = get_object_or_404(ReceivedPackage, pk=received_id)
    entry = next((u for u in received.unknown_clients if u["insured_number"] == request.POST.get("insured_number")
                  and u["insurer_number"] == request.POST.get("insurer_number")), None)
    if entry is None:
        messages.error(request, "確認する利用者が見つかりません。画面を更新してください。")
        return redirect("exchange:received", received_id=received.pk)
    choice = request.POST.get("client_id", "")
    try:
        if choice == "new":
            client = client_register_from(office=request.office, entry=entry)
            messages.success(request, f"{client.full_name}さんを利用者として登録しました。詳しい情報は利用者の画面で補ってください。")
        else:
            client = get_object_or_404(Client, pk=int(choice) if choice.isdigit() else 0)
            client_match(office=request.office, received=received, insurer_number=entry["insurer_number"],
                         insured_number=entry["insured_number"], client=client)
            messages.success(request, f"被保険者番号 {entry['insured_number']} を{client.full_name}さんとして取り込みます。")
    except DjangoValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("exchange:received", received_id=received.pk)
    status = package_retry(office=request.office, received=received)
    if status == InboxStatus.IMPORTED:
        messages.success(request, "取り込みました。")
    if _own_consent_gaps(request, [client], received.sender_office_number, received.recipient_kind):
        messages.warning(request, f"{client.full_name}さんについて、あなたの事業所の同意（{received.sender_name or received.sender_office_number}"
                                  "への共有）が記録されていません。実績を送る前に、この画面の「同意を記録する」から記録してください。")
    return redirect("exchange:received", received_id=received.pk)


@office_required
def received_download(request, received_id):
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    received = get_object_or_404(ReceivedPackage, pk=received_id)
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(received.content))) as zf:
                for name in zf.namelist():
                    if name.upper().endswith(".CSV"):
                        out.writestr(name, zf.read(name))
        except zipfile.BadZipFile:
            pass
    audit_record(office=request.office, actor=request.membership, action=AuditAction.CSV_DOWNLOADED,
                 partner_office_number=received.sender_office_number, detail={"received_id": received.pk})
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="received-{received.pk}.zip"'
    return response


@office_required
@single_submit
def upload(request):
    """CSVs received through the national system: same validation and import as the hub."""
    from linkage.exchange.importer import UploadRejected, package_import, upload_store

    form = CsvFilesForm(request.POST, request.FILES) if request.method == "POST" else CsvFilesForm()
    if request.method == "POST" and form.is_valid():
        from portal.offices.services import OfficeSuspended, assert_not_suspended

        try:
            assert_not_suspended(request.office)
        except OfficeSuspended as exc:
            messages.error(request, str(exc))
            return render(request, "exchange/upload.html", {"form": form})
        uploaded = [(f.name, f.read()) for f in form.cleaned_data["files"]]
        try:
            result = upload_store(office=request.office, actor=request.membership, files=uploaded)
        except UploadRejected as rejected:
            return render(request, "exchange/upload.html", {"form": CsvFilesForm(), "rejected": rejected})
        records = result.records
        for zip_name in sorted({f["source"] for f in result.files if f["source"]}):
            inside = [f["name"] for f in result.files if f["source"] == zip_name]
            messages.info(request, f"ZIPファイル「{zip_name}」の{len(inside)}ファイルを読みました: {'、'.join(inside)}")
        imported = rejected = pending = already = 0
        for record in records:
            status = package_import(office=request.office, received_pk=record.pk)
            if status is None and record.status == InboxStatus.IMPORTED:
                already += 1
                continue
            status = status or record.status
            imported += status == InboxStatus.IMPORTED
            rejected += status == InboxStatus.REJECTED
            pending += status == InboxStatus.PENDING_CLIENT
        if imported:
            messages.success(request, f"{imported}件の送信単位を取り込みました。")
            warned = sum(1 for r in ReceivedPackage.objects.filter(pk__in=[r.pk for r in records]).only("findings")
                         if r.findings)
            if warned:
                messages.warning(request, f"{warned}件は標準仕様と違う書き方を読み替えて取り込みました。受信データの画面で読み替えた内容（警告）を確認してください。")
        if pending:
            messages.warning(request, f"{pending}件は登録されていない利用者がいるため、利用者の確認を待っています。")
        if rejected:
            messages.error(request, f"{rejected}件はエラーのため取り込んでいません。受信箱で内容を確認してください。")
        if already:
            messages.info(request, f"{already}件はすでに取り込み済みのため、取り込み直していません。")
        return redirect("exchange:inbox")
    return render(request, "exchange/upload.html", {"form": form})


@office_required
def received_plan(request, received_plan_id):
    plan = get_object_or_404(ReceivedPlan.objects.select_related("client"), pk=received_plan_id)
    return render(request, "exchange/received_plan.html", {"plan": plan})


# --------------------------------------------------------------------------- provider: 提供票 and 実績


def _posted_day(raw: str) -> int:
    """The day of the month a form posted; 0 (which the service refuses in Japanese) when garbled."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 2 else 0


def _schedule_for(request, schedule_id):
    from portal.schedules.models import ServiceSchedule

    schedule = get_object_or_404(ServiceSchedule.objects.select_related("client"), pk=schedule_id)
    lines = list(schedule.lines.order_by("sort_order", "pk"))
    return schedule, lines


@office_required
def provision(request, schedule_id):
    """サービス提供票: the received 6表 (予定 and 実績 per day) and 7表."""
    schedule, lines = _schedule_for(request, schedule_id)
    received = ReceivedSchedule.objects.filter(office=request.office, schedule=schedule).order_by("-sequence").first()
    days = list(range(1, schedule.days_in_month + 1))
    return render(request, "exchange/provision.html", {
        "schedule": schedule, "lines": lines, "received": received, "days": days,
        "own": request.office.office_number,
    })


ACTUAL_COPY_CONFIRM = "保存済みの実績があります。予定をコピーすると、入力済みの実績がすべて予定の内容で置き換わります。"


def _rate_line_ids(lines, month):
    """Lines whose code is a 率 加算 (処遇改善加算 etc.) in the month's master."""
    from portal.schedules.masters import month_masters

    masters = month_masters(month, service_codes={line.service_code for line in lines})
    return {line.pk for line in lines if (info := masters.code(line.service_code)) is not None and info.is_rate}, masters


def _actual_rows(own, month, days_in_month, rate_ids, masters, posted=None) -> list[dict]:
    """The 実績 grid as shown: the saved values, or — after a refused POST — exactly what was typed."""
    from portal.schedules.grid import display_time

    rows = []
    for line in own:
        info = masters.code(line.service_code)
        if posted is not None:
            actual = [posted.get(f"a{line.pk}_{d}", "").strip() for d in range(1, days_in_month + 1)]
            start = posted.get(f"s{line.pk}", display_time(line.start_time)).strip()
            end = posted.get(f"e{line.pk}", display_time(line.end_time)).strip()
        else:
            actual = [str(n) if n else "" for n in list(line.actual_days)[:days_in_month]]
            start, end = display_time(line.start_time), display_time(line.end_time)
        cls = [_weekday_cls(month, d) for d in range(1, days_in_month + 1)]
        rows.append({
            "line": line, "name": info.name if info is not None else "", "is_rate": line.pk in rate_ids,
            "planned": list(zip([n or "" for n in list(line.planned_days)[:days_in_month]], cls)),
            "actual": list(zip(actual, cls)),
            "start": start, "end": end, "planned_total": line.planned_total,
            "actual_total": sum(int(v) for v in actual if str(v).isdigit() and len(str(v)) <= 2),
        })
    return rows


def _posted_actuals(post, own, days_in_month, rate_ids) -> tuple[dict, list[str]]:
    """{line id: {"days", "start", "end"}} of the typed 実績, and every problem (Japanese, with where)."""
    from portal.schedules.grid import to_hhmm

    values, errors = {}, []
    for line in own:
        if line.pk in rate_ids:
            values[line.pk] = {"days": [0] * 31, "start": line.start_time, "end": line.end_time, "rate": True}
            continue
        counts, bad = [], []
        for d in range(1, 32):
            raw = post.get(f"a{line.pk}_{d}", "").strip() or "0"
            if not raw.isdigit() or int(raw) > 99:
                bad.append(f"{d}日の回数「{raw}」")
                raw = "0"
            counts.append(int(raw))
        if bad:
            errors.append(f"{line.service_code}: {'、'.join(bad)}は0〜99の数字で入力してください。")
        values[line.pk] = {"days": counts, "start": to_hhmm(post.get(f"s{line.pk}", line.start_time)),
                           "end": to_hhmm(post.get(f"e{line.pk}", line.end_time))}
    return values, errors


@office_required
@single_submit
def actual_entry(request, schedule_id):
    """実績 entry from the received 予定: copy all (asking first over saved 実績), change days/times/counts,
    add unplanned visits (the typed 実績 is saved with them, never lost), send."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.db import transaction

    schedule, lines = _schedule_for(request, schedule_id)
    own = [line for line in lines if line.provider_office_number == request.office.office_number]
    days = list(range(1, schedule.days_in_month + 1))
    rate_ids, masters = _rate_line_ids(own, schedule.month)
    errors = []
    posted = None
    confirm_copy = False
    new_visit = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        new_visit = {k: request.POST.get(k, "").strip() for k in ("new_code", "new_day", "new_start", "new_end")}
        try:
            if action == "copy" and any(line.actual_total for line in own if line.pk not in rate_ids):
                confirm_copy = True  # ask before replacing saved 実績
                posted = request.POST
            elif action in ("copy", "copy_confirmed"):
                services.actuals_copy_from_plan(schedule=schedule, office=request.office)
                messages.success(request, "予定をすべて実績にコピーしました。違う日・時刻・回数を直して保存してください。")
            elif action in ("save", "send", "add"):
                posted = request.POST
                values, problems = _posted_actuals(request.POST, own, schedule.days_in_month, rate_ids)
                if problems:
                    raise DjangoValidationError(problems)
                with transaction.atomic():
                    services.actuals_save(schedule=schedule, office=request.office, membership=request.membership,
                                          values=values)
                    if action == "add":
                        day = new_visit["new_day"]
                        if not day.isdigit() or len(day) > 2:
                            raise DjangoValidationError(
                                f"予定外の訪問の「日」は1〜{schedule.days_in_month}の数字で入力してください（入力値「{day}」）。"
                                "入力した実績はまだ保存していません。")
                        services.actual_line_add(
                            schedule=schedule, office=request.office, membership=request.membership,
                            service_code=new_visit["new_code"], start=to_hhmm_or_blank(new_visit["new_start"]),
                            end=to_hhmm_or_blank(new_visit["new_end"]), day=int(day),
                        )
                if action == "send":
                    units = services.actual_send_plan(office=request.office, schedule=schedule)
                    response = _do_send(request, units, f"{schedule.client.full_name}さん {wareki_month(schedule.month)} 実績")
                    if response is not None:
                        return response
                elif action == "add":
                    messages.success(request, "入力した実績を保存し、予定外の訪問を追加しました。")
                else:
                    messages.success(request, "実績を保存しました。")
                posted = None
            elif action == "delete_kind":
                units = services.actual_send_plan(office=request.office, schedule=schedule,
                                                  service_type_code=request.POST.get("kind", ""), delete=True)
                response = _do_send(request, units, f"{schedule.client.full_name}さん {wareki_month(schedule.month)} 実績削除")
                if response is not None:
                    return response
            if action not in ("send", "delete_kind") and not confirm_copy:
                return redirect("exchange:actual_entry", schedule_id=schedule.pk)
        except DjangoValidationError as error:
            errors = error.messages
        except services.SendError as exc:
            errors = [str(exc)]
        if not errors and not confirm_copy:
            posted = None
        schedule, lines = _schedule_for(request, schedule_id)
        own = [line for line in lines if line.provider_office_number == request.office.office_number]
        rate_ids, masters = _rate_line_ids(own, schedule.month)
    kinds = sorted({line.service_type_code for line in own})
    received = ReceivedSchedule.objects.filter(office=request.office, schedule=schedule).order_by("-sequence").first()
    gaps = []
    if received is not None:
        for kind in kinds or [None]:
            gaps += [g for g in _own_consent_gaps(request, [schedule.client], received.sender_office_number, kind)
                     if g["why"] not in {x["why"] for x in gaps}]
    rows = _actual_rows(own, schedule.month, schedule.days_in_month, rate_ids, masters, posted=posted)
    return render(request, "exchange/actual_entry.html", {
        "schedule": schedule, "own": own, "rows": rows, "days": days, "errors": errors, "kinds": kinds,
        "confirm_copy": confirm_copy, "consent_gaps": gaps, "confirm_copy_text": ACTUAL_COPY_CONFIRM,
        "new_visit": new_visit if errors else {}, "weekdays": _weekday_labels(schedule.month),
    }, status=400 if errors else 200)


def to_hhmm_or_blank(value: str) -> str:
    """'9:00' / '0900' → '0900'; blank → 9999 (時間表示なし)."""
    from portal.schedules.grid import to_hhmm

    return to_hhmm(value)


def _weekday_cls(month, day: int) -> str:
    wd = month.replace(day=day).weekday()
    return "sat" if wd == 5 else "sun" if wd == 6 else ""


def _weekday_labels(month) -> list[dict]:
    import calendar

    n = calendar.monthrange(month.year, month.month)[1]
    out = []
    for d in range(1, n + 1):
        wd = month.replace(day=d).weekday()
        out.append({"day": d, "weekday": "月火水木金土日"[wd], "cls": "sat" if wd == 5 else "sun" if wd == 6 else ""})
    return out


# --------------------------------------------------------------------------- care manager: 予実


@care_office_required
def comparison(request):
    """予実: every line of the month whose 実績 differs from its 予定 (before 給付管理)."""
    from linkage.exchange.comparison import month_differences

    month = _parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    rows = month_differences(request.office, month)
    return render(request, "exchange/comparison.html", {"month": month, "rows": rows})
