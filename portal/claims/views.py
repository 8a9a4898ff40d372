"""月次の締め pages (care-management offices only; another office's objects answer 404)."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.claims import services
from portal.claims.file_pdf import file_pdf_jobs_attach
from portal.claims.models import ActualConfirmation, CareManagerNumber, StatementKind, TransmissionFile
from portal.core.forms import single_submit
from portal.offices.models import Membership, Role
from portal.offices.permissions import office_required
from portal.paperlinks.status import client_states


def care_office_required(view):
    """Signed-in member of a 居宅介護支援事業所; a provider office gets 404 (the pages do not exist for it)."""

    @office_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.office.is_care_management:
            raise Http404("居宅介護支援事業所の画面です。")
        return view(request, *args, **kwargs)

    return wrapper


def _month(text: str | None) -> dt.date | None:
    try:
        year, month = (int(x) for x in (text or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None


def _default_month() -> dt.date:
    """The month being closed: last month (the 国保連 deadline is the 10th of this month)."""
    today = timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _close_url(month: dt.date) -> str:
    return reverse("claims:close") + f"?month={month:%Y-%m}"


@care_office_required
def close(request):
    month = _month(request.GET.get("month")) or _default_month()
    rows = services.month_close(request.office, month)
    paper_links = client_states(request.office, month)  # 実績 of partners on no system (提供票 by link)
    for row in rows:
        for provider in row.providers:
            provider.link_state = paper_links.get((row.client.pk, provider.provider_office_number), "")
            if provider.arrived and provider.link_state == "リンクで回答":
                provider.how = provider.link_state
    check, pending = services.benefit_file_check(request.office, month, rows=rows)
    files = list(TransmissionFile.objects.filter(office=request.office, month=month).prefetch_related("downloads"))
    file_pdf_jobs_attach(files)
    names = {r.client.pk: r.client.full_name for r in rows}
    order = {r.client.pk: i for i, r in enumerate(rows)}  # 50音順, as the rows
    for f in files:  # 実績未着のまま確定した利用者 and their reasons, on the file's summary
        missing = sorted((f.summary or {}).get("missing", {}).items(), key=lambda item: order.get(int(item[0]), 0))
        f.missing_list = [(names.get(int(pk), "（利用者）"), reason) for pk, reason in missing]
    today = timezone.localdate()
    deadline = services.process_month_for(month, today).replace(day=10)
    return render(
        request,
        "claims/close.html",
        {
            "month": month,
            "rows": rows,
            "check": check,
            "pending": pending,
            "files": files,
            "deadline": deadline,
            "days_left": (deadline - today).days,
            "days_over": (today - deadline).days,
            "confirmed": sum(1 for r in rows if r.current and not r.stale),
            "total": len(rows),
        },
    )


@care_office_required
@require_POST
@single_submit
def confirm(request, client_id: int):
    from portal.clients.models import Client

    client = get_object_or_404(Client, pk=client_id, office=request.office)
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "サービス提供年月が指定されていません。画面を読み込み直してください。")
        return redirect("claims:close")
    over_by = {}
    for key, value in request.POST.items():
        if key.startswith("over-") and value.strip():
            if not value.strip().isdigit():
                messages.error(request, f"{client.full_name}さん: 限度超過の単位数は0以上の整数で入力してください。")
                return redirect(_close_url(month) + f"#client-{client.pk}")
            over_by[key[len("over-") :]] = int(value)
    try:
        version = int(request.POST.get("base_version", "0"))
        confirmation = services.confirmation_create(
            office=request.office,
            client=client,
            month=month,
            membership=request.membership,
            base_version=version,
            missing_reason=request.POST.get("missing_reason", ""),
            differences_ok=bool(request.POST.get("differences_ok")),
            over_by=over_by or None,
        )
    except ValueError as exc:
        messages.error(request, str(exc) if isinstance(exc, services.CloseError) else "入力が正しくありません。")
        return redirect(_close_url(month) + f"#client-{client.pk}")
    messages.success(
        request,
        f"{client.full_name}さんの実績を確定しました（第{confirmation.version}版・"
        f"{confirmation.get_kind_display()}）。",
    )
    return redirect(_close_url(month) + f"#client-{client.pk}")


@care_office_required
@require_POST
@single_submit
def cancel(request, client_id: int):
    from portal.clients.models import Client

    client = get_object_or_404(Client, pk=client_id, office=request.office)
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "サービス提供年月が指定されていません。画面を読み込み直してください。")
        return redirect("claims:close")
    if not request.POST.get("really"):
        messages.info(request, "取消は「提出済みの給付管理票を取り消す」にチェックを入れたときだけ作ります。")
        return redirect(_close_url(month) + f"#client-{client.pk}")
    try:
        services.statement_cancel(
            office=request.office,
            client=client,
            month=month,
            membership=request.membership,
            base_version=int(request.POST.get("base_version", "0")),
        )
    except services.CloseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{client.full_name}さんの取消の給付管理票を作りました。次のファイルに載ります。")
    return redirect(_close_url(month) + f"#client-{client.pk}")


def _statement_context(confirmation: ActualConfirmation, numbers: dict[int, str] | None = None) -> dict:
    client = confirmation.client
    statement = services.statement_from_json(confirmation.statement)
    cm = client.care_manager
    if numbers is not None:
        number = numbers.get(cm.pk, "") if cm else ""
    else:
        found = CareManagerNumber.objects.filter(membership=cm).first() if cm else None
        number = found.number if found else ""
    return {
        "c": confirmation,
        "client": client,
        "s": statement,
        "office": confirmation.office,
        "care_manager": cm,
        "care_manager_number": number,
        "insurer8": client.insurer_number.zfill(8),
        "created_on": confirmation.file.created_at if confirmation.file else confirmation.confirmed_at,
    }


@care_office_required
def statement(request, confirmation_id: int):
    confirmation = get_object_or_404(
        ActualConfirmation.objects.select_related("client__care_manager", "file"),
        pk=confirmation_id,
        office=request.office,
    )
    versions = ActualConfirmation.objects.filter(
        office=request.office, client=confirmation.client, month=confirmation.month
    ).order_by("-version")
    return render(request, "claims/statement.html", {**_statement_context(confirmation), "versions": versions})


@care_office_required
def statement_pdf(request, confirmation_id: int):
    from portal.documents.render import render_pdf

    confirmation = get_object_or_404(
        ActualConfirmation.objects.select_related("client__care_manager", "file"),
        pk=confirmation_id,
        office=request.office,
    )
    pdf = render_pdf("claims/statement_pdf.html", _statement_context(confirmation))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kyufukanri-{confirmation.month:%Y%m}-{confirmation.pk}.pdf"'
    return response


@care_office_required
@require_POST
@single_submit
def file_make(request):
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "サービス提供年月が指定されていません。画面を読み込み直してください。")
        return redirect("claims:close")
    try:
        file = services.benefit_file_make(office=request.office, month=month, membership=request.membership)
    except services.CloseError as exc:
        for line in str(exc).splitlines():
            messages.error(request, line)
        return redirect(_close_url(month) + "#file")
    messages.success(
        request,
        f"給付管理票のファイル {file.name}（{file.client_count}人）を作りました。"
        "ダウンロードして伝送ソフトで送信してください。",
    )
    return redirect(_close_url(month) + "#file")


@care_office_required
def file_download(request, file_id: int):
    file = get_object_or_404(TransmissionFile, pk=file_id, office=request.office)
    content = services.file_download(file=file, membership=request.membership)
    response = HttpResponse(content, content_type="text/csv; charset=Shift_JIS")
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


@care_office_required
def care_managers(request):
    members = list(
        Membership.objects.filter(office=request.office, role__in=(Role.CARE_MANAGER, Role.ADMIN))
        .select_related("user")
        .order_by("pk")
    )
    numbers = {n.membership_id: n.number for n in CareManagerNumber.objects.filter(office=request.office)}
    errors = {}
    if request.method == "POST":
        if not request.membership.is_admin:
            messages.error(request, "介護支援専門員番号を変更できるのは管理者です。")
            return redirect("claims:care_managers")
        for m in members:
            value = request.POST.get(f"number-{m.pk}", "").strip()
            if value and (len(value) != 8 or not value.isdigit()):
                errors[m.pk] = "8桁の数字で入力してください。"
        if not errors:
            for m in members:
                services.care_manager_number_set(
                    office=request.office, membership=m, number=request.POST.get(f"number-{m.pk}", "")
                )
            messages.success(request, "介護支援専門員番号を保存しました。")
            return redirect("claims:care_managers")
        numbers.update({m.pk: request.POST.get(f"number-{m.pk}", "") for m in members})
    rows = [{"m": m, "number": numbers.get(m.pk, ""), "error": errors.get(m.pk)} for m in members]
    return render(request, "claims/care_managers.html", {"rows": rows, "kinds": StatementKind})


@care_office_required
@single_submit
def kyotaku(request):
    """居宅介護支援費: tier from the caseload, add-ons and reductions per 利用者, the 請求書 totals."""
    from portal.claims.kyotaku import ADDON_LABELS, REDUCTIONS
    from portal.claims.models import KyotakuEntry, KyotakuSettings

    data = request.POST if request.method == "POST" else request.GET
    month = _month(data.get("month")) or _default_month()
    settings = services.kyotaku_settings(request.office)
    if request.method == "POST":
        state = services.kyotaku_month(request.office, month)
        try:
            fte = dt_decimal(request.POST.get("fte", ""))
            settings.system = (
                request.POST.get("system", "")
                if request.POST.get("system", "") in KyotakuSettings.System.values
                else ""
            )
            settings.specific_addon = (
                request.POST.get("specific_addon", "")
                if request.POST.get("specific_addon", "") in ("", "1", "2", "3", "A")
                else ""
            )
            settings.concentration = bool(request.POST.get("concentration"))
            settings.fte = fte
            with transaction.atomic():  # all or nothing
                for client, _case in state.cases:
                    services.kyotaku_entry_save(
                        office=request.office,
                        client=client,
                        month=month,
                        addons=request.POST.getlist(f"addon-{client.pk}"),
                        reductions=request.POST.getlist(f"reduction-{client.pk}"),
                    )
                settings.save()
        except services.CloseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "居宅介護支援費の加算・減算を保存しました。")
            return redirect(reverse("claims:kyotaku") + f"?month={month:%Y-%m}")
    state = services.kyotaku_month(request.office, month)
    entries = {e.client_id: e for e in KyotakuEntry.objects.filter(office=request.office, month=month)}
    details = {d.case.key: d for d in state.claim.details} if state.claim else {}
    rows = [
        {"client": client, "case": case, "detail": details.get(client.pk), "entry": entries.get(client.pk)}
        for client, case in state.cases
    ]
    files = file_pdf_jobs_attach(
        list(
            TransmissionFile.objects.filter(office=request.office, month=month, data_type="711").prefetch_related(
                "downloads"
            )
        )
    )
    return render(
        request,
        "claims/kyotaku.html",
        {
            "month": month,
            "state": state,
            "rows": rows,
            "settings": settings,
            "addon_labels": ADDON_LABELS,
            "reduction_labels": REDUCTIONS,
            "files": files,
            "systems": KyotakuSettings.System.choices,
        },
    )


def dt_decimal(text: str):
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise services.CloseError("常勤換算の介護支援専門員数は 1.0 のような数で入力してください。") from None
    if value < 1 or value > 99:
        raise services.CloseError("常勤換算の介護支援専門員数は1以上で入力してください。")
    return value.quantize(Decimal("0.1"))


@care_office_required
@require_POST
@single_submit
def claim_file_make(request):
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "サービス提供年月が指定されていません。画面を読み込み直してください。")
        return redirect("claims:kyotaku")
    try:
        file = services.claim_file_make(office=request.office, month=month, membership=request.membership)
    except services.CloseError as exc:
        for line in str(exc).splitlines():
            messages.error(request, line)
    else:
        messages.success(
            request, f"介護給付費請求書・明細書のファイル {file.name}（{file.client_count}人）を作りました。"
        )
    return redirect(reverse("claims:kyotaku") + f"?month={month:%Y-%m}#file")


@care_office_required
@require_POST
@single_submit
def reject(request, client_id: int):
    """Record a 返戻 / 査定 the 国保連 notified for a 利用者's month."""
    from portal.clients.models import Client

    client = get_object_or_404(Client, pk=client_id, office=request.office)
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "サービス提供年月が指定されていません。画面を読み込み直してください。")
        return redirect("claims:close")
    try:
        rejection = services.rejection_record(
            office=request.office,
            client=client,
            month=month,
            kind=request.POST.get("kind", ""),
            target=request.POST.get("target", ""),
            note=request.POST.get("note", ""),
            membership=request.membership,
        )
    except services.CloseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{client.full_name}さんの{rejection.get_target_display()}の{rejection.get_kind_display()}を記録しました。",
        )
    return redirect(_close_url(month) + f"#client-{client.pk}")
