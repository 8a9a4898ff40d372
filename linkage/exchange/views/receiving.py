"""Receiving: the inbox, its refresh, uploads, received packages (detail, retry, matching, download)
and received plans."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linkage.exchange import services
from linkage.exchange.forms import CsvFilesForm
from linkage.exchange.models import InboxStatus, ReceivedPackage, ReceivedPlan, ReceivedSchedule
from portal.core.forms import single_submit
from portal.offices.permissions import office_required


@office_required
def inbox(request):
    packages = ReceivedPackage.objects.filter(office=request.office).defer("content")[:100]
    schedules = (
        ReceivedSchedule.objects.filter(office=request.office)
        .select_related("client", "schedule")
        .order_by("-month", "client__family_name_kana", "client__given_name_kana")[:300]
    )
    plans = (
        ReceivedPlan.objects.filter(office=request.office)
        .select_related("client")
        .order_by("client__family_name_kana", "-plan_date")[:300]
    )
    pending = sum(1 for p in packages if p.status == InboxStatus.PENDING_CLIENT)
    from linkage.exchange.jobs import INBOX_SYNC
    from portal.jobs.models import Job

    sync = Job.objects.filter(kind=INBOX_SYNC).order_by("-pk").first()
    return render(
        request,
        "exchange/inbox.html",
        {
            "packages": packages,
            "schedules": schedules,
            "plans": plans,
            "pending": pending,
            "sync_job": sync,
        },
    )


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
        everyone = list(
            Client.objects.filter(office=request.office, is_active=True).order_by(
                "family_name_kana", "given_name_kana"
            )[:500]
        )
        for u in received.unknown_clients:
            candidates[u["insured_number"]] = [c for c in same if c.insured_number == u["insured_number"]] or everyone
    clients = list(Client.objects.filter(pk__in=received.client_ids))
    unknown = [{**u, "candidates": candidates.get(u["insured_number"], [])} for u in received.unknown_clients]
    return render(
        request,
        "exchange/received.html",
        {
            "received": received,
            "unknown": unknown,
            "clients": clients,
            "consent_gaps": _own_consent_gaps(request, clients, received.sender_office_number, received.recipient_kind),
        },
    )


def _own_consent_gaps(request, clients, partner_office_number, own_kind):
    """A provider's own 同意 for the 利用者 it received (needed to send 実績 back)."""
    if request.office.is_care_management or not partner_office_number:
        return []
    return services.own_consent_gaps(
        office=request.office,
        clients=clients,
        partner_office_number=partner_office_number,
        service_type_code=own_kind or None,
        scope="actual",
    )


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
        messages.error(
            request,
            "このデータはもう一度取り込むことができません（検証に失敗したパッケージは送信元に再送を依頼してください）。",
        )
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
    entry = next(
        (
            u
            for u in received.unknown_clients
            if u["insured_number"] == request.POST.get("insured_number")
            and u["insurer_number"] == request.POST.get("insurer_number")
        ),
        None,
    )
    if entry is None:
        messages.error(request, "確認する利用者が見つかりません。画面を更新してください。")
        return redirect("exchange:received", received_id=received.pk)
    choice = request.POST.get("client_id", "")
    try:
        if choice == "new":
            client = client_register_from(office=request.office, entry=entry)
            messages.success(
                request, f"{client.full_name}さんを利用者として登録しました。詳しい情報は利用者の画面で補ってください。"
            )
        else:
            client = get_object_or_404(Client, pk=int(choice) if choice.isdigit() else 0)
            client_match(
                office=request.office,
                received=received,
                insurer_number=entry["insurer_number"],
                insured_number=entry["insured_number"],
                client=client,
            )
            messages.success(
                request, f"被保険者番号 {entry['insured_number']} を{client.full_name}さんとして取り込みます。"
            )
    except DjangoValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("exchange:received", received_id=received.pk)
    status = package_retry(office=request.office, received=received)
    if status == InboxStatus.IMPORTED:
        messages.success(request, "取り込みました。")
    if _own_consent_gaps(request, [client], received.sender_office_number, received.recipient_kind):
        messages.warning(
            request,
            f"{client.full_name}さんについて、あなたの事業所の同意（{received.sender_name or received.sender_office_number}"
            "への共有）が記録されていません。実績を送る前に、この画面の「同意を記録する」から記録してください。",
        )
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
    audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.CSV_DOWNLOADED,
        partner_office_number=received.sender_office_number,
        detail={"received_id": received.pk},
    )
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
            warned = sum(
                1 for r in ReceivedPackage.objects.filter(pk__in=[r.pk for r in records]).only("findings") if r.findings
            )
            if warned:
                messages.warning(
                    request,
                    f"{warned}件は標準仕様と違う書き方を読み替えて取り込みました。受信データの画面で読み替えた内容（警告）を確認してください。",
                )
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
