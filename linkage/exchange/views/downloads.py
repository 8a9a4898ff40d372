"""Downloads of one form's standard CSVs as a ZIP, linked from the form pages (サービス利用票, 計画書).

They live here, not in ``portal/schedules`` or ``portal/careplans``: a form does not know how it is
sent. Both go through the one send gate (licence, partnership and consent), like a hub send, and keep
their old paths (``/schedules/<id>/download/``, ``/careplans/<id>/csv/``) for bookmarks.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from linkage.exchange import services as exchange
from portal.billing.services import SendingBlocked
from portal.offices.permissions import care_office_required, office_required
from portal.partners.services import SharingNotAllowed


@office_required
def schedule_download(request, schedule_id):
    """The month's standard CSVs (UPPLAN + UPSIKYU + UPHOSOKU per recipient) as one ZIP."""
    from portal.schedules.models import ScheduleDraft, ServiceSchedule
    from portal.schedules.selectors import load_schedule, saved_sheet_state

    schedule = get_object_or_404(ServiceSchedule, pk=schedule_id)
    schedule = load_schedule(schedule.pk)
    back = reverse("schedules:edit", kwargs={"schedule_id": schedule.pk})
    if ScheduleDraft.objects.filter(schedule=schedule, author=request.membership).exists():
        messages.error(
            request,
            "保存していない下書きがあります。先に「保存する」か「下書きを破棄」してから、CSVをダウンロードしてください。",
        )
        return redirect(back)
    state = saved_sheet_state(schedule)
    if not state.rows:
        messages.error(request, "サービスの行がないため、CSVを作成できません。")
        return redirect(back)
    if state.has_errors:
        messages.error(
            request,
            f"保存済みの利用票に{state.error_count}件の誤りがあるため、CSVを作成できません。赤字の箇所を直してください。",
        )
        return redirect(back)
    units = exchange.month_send_plan(office=request.office, month=schedule.month, client_ids=[schedule.client_id])
    if not units:
        messages.error(request, "連携対象のサービス（標準仕様の対象サービス種類）がないため、CSVを作成できません。")
        return redirect(back)
    try:
        _, content = exchange.units_download(
            office=request.office, actor=request.membership, units=units, label="サービス利用票（ファイル）"
        )
    except (SendingBlocked, SharingNotAllowed, exchange.SendError) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(content, content_type="application/zip")
    name = f"riyouhyo_{schedule.month:%Y%m}_client{schedule.client_id}_{timezone.localtime():%Y%m%d%H%M%S}.zip"  # no personal data
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@care_office_required
def plan_csv(request, plan_id):
    """ZIP of the standard CSVs (計画書 send unit) for each provider the plan names (or one)."""
    from portal.careplans import standard
    from portal.careplans.models import CarePlan

    plan = get_object_or_404(CarePlan.objects.select_related("client", "client__office"), pk=plan_id)
    if not standard.plan_can_be_sent(plan):
        messages.error(request, "標準仕様CSVは確定した計画書から作成します。先に計画書を確定してください。")
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    units = exchange.plan_send_plan(office=request.office, plan=plan)
    wanted = request.GET.get("to", "")
    if wanted:
        units = [u for u in units if f"{u.recipient_office_number}_{u.recipient_kind}" == wanted]
    if not units:
        messages.error(
            request, "送信先のサービス事業所がありません。第2表の援助内容に事業所番号とサービス種類を入力してください。"
        )
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    try:
        _, content = exchange.units_download(
            office=request.office, actor=request.membership, units=units, label="居宅サービス計画書（ファイル）"
        )
    except (SendingBlocked, SharingNotAllowed, exchange.SendError) as exc:
        messages.error(request, str(exc))
        return redirect("careplans:plan_detail", plan_id=plan.pk)
    response = HttpResponse(content, content_type="application/zip")
    filename = f"careplan_{plan.pk}_{plan.plan_date:%Y%m%d}.zip"  # no 被保険者番号 in file names
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
