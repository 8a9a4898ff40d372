"""Operator (staff) pages at /billing/operator/: the one place outside Django admin that runs
with scopes disabled — explicitly, in ``operator_required`` (portal/offices/permissions.py). Non-staff get 404.

Size: kept as one module (over ~400 lines) because the operator pages stay in one module so that the only code
outside Django admin that disables scopes can be reviewed in one place.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.billing import services
from portal.billing.forms import (
    ContractEndForm,
    InvoiceCancelForm,
    LicenceApplyForm,
    PaymentForm,
    RenewForm,
    RetentionDeleteForm,
    SuspendForm,
)
from portal.billing.licensing import LicenceState, active_invoices, statuses_for_offices, with_settlement
from portal.billing.models import Invoice, Licence, Payment
from portal.billing.views import decorate_invoices, invoice_rows, pdf_response
from portal.core.forms import apply_validation_error, single_submit
from portal.core.spreadsheet import SpreadsheetWriter
from portal.core.wareki import wareki_date
from portal.offices.models import Office, OfficeServiceKind
from portal.offices.permissions import operator_required


def _offices():
    return Office.objects.prefetch_related(
        Prefetch("service_kinds", queryset=OfficeServiceKind.objects.order_by("service_type_code"))
    ).order_by("office_number")


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    year, month = day.year, day.month - back
    while month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def _office_rows(today):
    offices = list(_offices())
    statuses = statuses_for_offices([o.pk for o in offices], today)
    outstanding = dict(active_invoices().values("office").annotate(total=Sum("amount")).values_list("office", "total"))
    paid = dict(
        Payment.objects.filter(invoice__in=active_invoices())
        .values("invoice__office")
        .annotate(total=Sum("amount"))
        .values_list("invoice__office", "total")
    )
    rows = []
    for office in offices:
        status = statuses[office.pk]
        rows.append(
            {
                "office": office,
                "status": status,
                "outstanding": (outstanding.get(office.pk) or 0) - (paid.get(office.pk) or 0),
            }
        )
    return rows


def _revenue(today, months: int = 12):
    since = _month_start(today, months - 1)
    invoiced = {
        row["month"]: row
        for row in Invoice.objects.filter(issued_on__gte=since)
        .annotate(month=TruncMonth("issued_on"))
        .values("month")
        .annotate(gross=Sum("amount"), net=Sum("amount_net"), tax=Sum("tax_amount"))
        .order_by()
    }
    received = dict(
        Payment.objects.filter(received_on__gte=since)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
        .order_by()
    )
    result = []
    for back in range(months - 1, -1, -1):
        month = _month_start(today, back)
        row = invoiced.get(month, {})
        result.append(
            {
                "month": month,
                "gross": row.get("gross") or 0,
                "net": row.get("net") or 0,
                "tax": row.get("tax") or 0,
                "received": received.get(month) or 0,
            }
        )
    return result


def _unpaid_invoices(today, only_overdue=False):
    rows = decorate_invoices(
        invoice_rows(active_invoices().select_related("office")).order_by("due_on", "number"), today
    )
    rows = [r for r in rows if r.outstanding > 0]
    if only_overdue:
        rows = [r for r in rows if r.due_on and r.due_on < today]
    return rows


@operator_required
def dashboard(request):
    from portal.jobs.services import operator_figures
    from portal.offices.services import offices_due_for_deletion

    today = timezone.localdate()
    rows = _office_rows(today)
    wanted = request.GET.get("state", "")
    counts = {state: 0 for state in LicenceState}
    for row in rows:
        counts[row["status"].state] += 1
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    ending = (
        with_settlement(Licence.objects.filter(period_end__gte=month_start, period_end__lt=next_month))
        .select_related("office")
        .order_by("period_end", "office__office_number")
    )
    renewed = set(
        Licence.objects.filter(period_start__gt=month_start, period_start__lte=next_month).values_list(
            "office_id", "period_start"
        )
    )
    ending_rows = [
        {"licence": lic, "renewed": (lic.office_id, lic.period_end + dt.timedelta(days=1)) in renewed} for lic in ending
    ]
    return render(
        request,
        "billing/operator/dashboard.html",
        {
            "today": today,
            "rows": [r for r in rows if not wanted or r["status"].state == wanted],
            "state_counts": [(state, counts[state]) for state in LicenceState],
            "wanted": wanted,
            "wanted_label": LicenceState(wanted).label if wanted in LicenceState.values else "",
            "revenue": _revenue(today),
            "unpaid": _unpaid_invoices(today)[:50],
            "ending": ending_rows,
            "issuer_problems": services.issuer_problems(),
            "total_offices": len(rows),
            "health": operator_figures(),
            "due_for_deletion": offices_due_for_deletion(today),
        },
    )


@operator_required
def invoice_list(request):
    today = timezone.localdate()
    which = request.GET.get("status", "unpaid")
    if which == "all":
        invoices = decorate_invoices(
            invoice_rows(Invoice.objects.select_related("office")).order_by("-issued_on", "-pk")[:500], today
        )
    else:
        invoices = _unpaid_invoices(today, only_overdue=(which == "overdue"))
    return render(
        request,
        "billing/operator/invoices.html",
        {
            "invoices": invoices,
            "which": which,
            "today": today,
            "total_outstanding": sum(i.outstanding for i in invoices),
        },
    )


@operator_required
def office_detail(request, office_id):
    from portal.offices.services import offices_due_for_deletion, retention_until

    today = timezone.localdate()
    office = get_object_or_404(_offices(), pk=office_id)
    status = statuses_for_offices([office.pk], today)[office.pk]
    licences = list(with_settlement(Licence.objects.filter(office=office)).order_by("-period_start"))
    for lic in licences:
        lic.can_issue = not lic.is_free and lic.current_invoice_id is None
    return render(
        request,
        "billing/operator/office.html",
        {
            "office": office,
            "status": status,
            "licences": licences,
            "today": today,
            "invoices": decorate_invoices(
                invoice_rows(Invoice.objects.filter(office=office)).order_by("-issued_on", "-pk"), today
            ),
            "apply_form": LicenceApplyForm(initial={"start": today, "issue_invoice": True}),
            "renew_form": RenewForm(initial={"issue_invoice": True}),
            "can_renew": status.state in (LicenceState.ACTIVE, LicenceState.RENEWAL_DUE, LicenceState.GRACE)
            and bool(licences)
            and licences[0].pk == status.licence.pk,  # the next period is not registered yet
            "can_apply": status.state == LicenceState.LAPSED or status.licence is None,
            "issuer_problems": services.issuer_problems(),
            "admins": services.office_admin_emails(office),
            "suspend_form": SuspendForm(),
            "contract_form": ContractEndForm(initial={"ended_on": office.contract_ended_on or today}),
            "delete_form": RetentionDeleteForm(),
            "retention_until": retention_until(office),
            "retention_over": office in offices_due_for_deletion(today),
            "status_changes": list(office.status_changes.select_related("by")[:10]),
        },
    )


@operator_required
@single_submit
def licence_apply(request, office_id):
    office = get_object_or_404(Office, pk=office_id)
    form = LicenceApplyForm(request.POST or None, initial={"start": timezone.localdate(), "issue_invoice": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            licence = services.licence_apply(
                office=office, start=data["start"], free=data["free"], by=request.user, note=data["note"]
            )
            invoice = None
            if data["issue_invoice"] and not licence.is_free:
                invoice = services.invoice_issue(licence=licence, by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            text = f"{office.name}のライセンス（{wareki_date(licence.period_start)}〜{wareki_date(licence.period_end)}）を登録しました。"
            if licence.is_free:
                text += "無料期間です。"
            if invoice is not None:
                text += f"請求書 {invoice.number} を発行し、管理者にメールで送ります。"
            messages.success(request, text)
            return redirect("billing:operator_office", office_id=office.pk)
    return render(request, "billing/operator/licence_apply.html", {"office": office, "form": form})


@operator_required
@require_POST
@single_submit
def licence_renew(request, office_id):
    office = get_object_or_404(Office, pk=office_id)
    form = RenewForm(request.POST)
    form.is_valid()
    try:
        licence = services.licence_renew(office=office, by=request.user)
        invoice = None
        if form.cleaned_data.get("issue_invoice"):
            invoice = services.invoice_issue(licence=licence, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        text = f"ライセンスを更新しました（{wareki_date(licence.period_start)}〜{wareki_date(licence.period_end)}）。"
        if invoice is not None:
            text += f"請求書 {invoice.number} を発行し、管理者にメールで送ります。"
        messages.success(request, text)
    return redirect("billing:operator_office", office_id=office.pk)


@operator_required
@require_POST
@single_submit
def invoice_issue(request, licence_id):
    licence = get_object_or_404(Licence.objects.select_related("office"), pk=licence_id)
    try:
        invoice = services.invoice_issue(licence=licence, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request, f"請求書 {invoice.number}（{invoice.amount:,}円）を発行し、管理者にメールで送ります。"
        )
    return redirect("billing:operator_office", office_id=licence.office_id)


@operator_required
@single_submit
def payment_record(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.select_related("office"), pk=invoice_id)
    outstanding = services.invoice_outstanding(invoice)
    form = PaymentForm(request.POST or None, initial={"amount": outstanding or None})
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_record(invoice=invoice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            left = services.invoice_outstanding(invoice)
            text = f"請求書 {invoice.number} に {payment.amount:,}円 の入金を記録しました。"
            text += f"残りは {left:,}円 です。" if left else "全額入金済みになりました。"
            messages.success(request, text)
            return redirect("billing:operator_office", office_id=invoice.office_id)
    payments = Payment.objects.filter(invoice=invoice).order_by("received_on", "pk")
    return render(
        request,
        "billing/operator/payment.html",
        {
            "invoice": invoice,
            "form": form,
            "outstanding": outstanding,
            "payments": payments,
        },
    )


@operator_required
@single_submit
def invoice_cancel(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.select_related("office"), pk=invoice_id)
    form = InvoiceCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancellation, replacement = services.invoice_cancel(
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                reissue=form.cleaned_data["reissue"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            text = f"請求書 {invoice.number} を取消請求書 {cancellation.number} で取り消しました。"
            if replacement is not None:
                text += f"訂正した請求書 {replacement.number} を発行しました。"
            messages.success(request, text)
            return redirect("billing:operator_office", office_id=invoice.office_id)
    return render(request, "billing/operator/cancel.html", {"invoice": invoice, "form": form})


@operator_required
def invoice_download(request, invoice_id):
    return pdf_response(get_object_or_404(Invoice, pk=invoice_id))


# --------------------------------------------------------------------------- CSV


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with BOM so that Excel opens the Japanese text correctly
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_required
def export_csv(request, what):
    today = timezone.localdate()
    stamp = today.strftime("%Y%m%d")
    if what == "offices":
        rows = []
        for row in _office_rows(today):
            office, status = row["office"], row["status"]
            lic = status.licence
            rows.append(
                [
                    office.office_number,
                    office.name,
                    office.kind_label,
                    status.label,
                    lic.period_start.isoformat() if lic else "",
                    lic.period_end.isoformat() if lic else "",
                    "無料" if lic is not None and lic.is_free else "",
                    row["outstanding"],
                ]
            )
        return _csv_response(
            f"renkei-offices-{stamp}.csv",
            [
                "事業所番号",
                "事業所名",
                "種別",
                "ライセンス状態",
                "期間開始",
                "期間終了",
                "無料期間",
                "未入金額",
            ],
            rows,
        )
    if what == "invoices":
        invoices = decorate_invoices(
            invoice_rows(Invoice.objects.select_related("office")).order_by("series", "sequence"), today
        )
        return _csv_response(
            f"renkei-invoices-{stamp}.csv",
            [
                "請求書番号",
                "種別",
                "取り消した請求書",
                "発行日",
                "支払期限",
                "事業所番号",
                "宛名",
                "対象期間開始",
                "対象期間終了",
                "税込金額",
                "税抜金額",
                "税率",
                "消費税額",
                "入金済み",
                "未入金",
                "状態",
            ],
            (
                [
                    inv.number,
                    inv.get_kind_display(),
                    inv.cancels.number if inv.cancels_id else "",
                    inv.issued_on.isoformat(),
                    inv.due_on.isoformat() if inv.due_on else "",
                    inv.recipient_office_number,
                    inv.recipient_name,
                    inv.period_start.isoformat(),
                    inv.period_end.isoformat(),
                    inv.amount,
                    inv.amount_net,
                    f"{inv.tax_rate}%",
                    inv.tax_amount,
                    inv.paid,
                    inv.outstanding,
                    inv.state_label,
                ]
                for inv in invoices
            ),
        )
    if what == "revenue":
        return _csv_response(
            f"renkei-revenue-{stamp}.csv",
            [
                "月",
                "請求額（税込）",
                "税抜",
                "消費税",
                "入金額",
            ],
            (
                [r["month"].strftime("%Y-%m"), r["gross"], r["net"], r["tax"], r["received"]]
                for r in _revenue(today, 24)
            ),
        )
    raise Http404


def _office_status_change(request, office_id, change, done_text):
    office = get_object_or_404(Office, pk=office_id)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            change(office=office, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, done_text.format(name=office.name))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect("billing:operator_office", office_id=office.pk)


@operator_required
@require_POST
@single_submit
def office_suspend(request, office_id):
    """利用停止 (reason required): sending and receiving stop with a banner; the data stays."""
    from portal.offices.services import office_suspend as suspend

    return _office_status_change(
        request, office_id, suspend, "{name}を利用停止にしました。送信と受信が止まり、事業所の画面にお知らせが出ます。"
    )


@operator_required
@require_POST
@single_submit
def office_resume(request, office_id):
    from portal.offices.services import office_resume as resume

    return _office_status_change(
        request, office_id, resume, "{name}の利用を再開しました。止まっていた送信は順に送られます。"
    )


@operator_required
@require_POST
@single_submit
def office_contract_end(request, office_id):
    """Record the end of the contract: the retention period starts."""
    from portal.offices.services import office_contract_end as record

    office = get_object_or_404(Office, pk=office_id)
    form = ContractEndForm(request.POST)
    if form.is_valid():
        record(office=office, ended_on=form.cleaned_data["ended_on"], by=request.user)
        messages.success(request, f"契約終了日を{wareki_date(form.cleaned_data['ended_on'])}として記録しました。")
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect("billing:operator_office", office_id=office.pk)


@operator_required
@require_POST
@single_submit
def office_delete(request, office_id):
    """Delete an office's data after its retention period, once the operator typed its 事業所番号."""
    from portal.offices.services import office_delete_after_retention

    office = get_object_or_404(Office, pk=office_id)
    form = RetentionDeleteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["confirm_number"][0])
        office_delete_after_retention(
            office=office, confirm_number=form.cleaned_data["confirm_number"], by=request.user
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect("billing:operator_office", office_id=office.pk)
    messages.success(request, f"事業所番号 {office.office_number} の事業所のデータを削除しました。")
    return redirect("billing:operator_dashboard")
