"""Office pages: licence and invoices (admins and clerks), economics (the admin)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from portal.billing import economics
from portal.billing.forms import KyotakuForm, SavingsForm, default_month
from portal.billing.licensing import licence_status, with_settlement
from portal.billing.models import Invoice, InvoiceKind, Licence, Payment
from portal.billing.pdf import invoice_pdf
from portal.offices.models import Role
from portal.offices.permissions import CARE_OFFICE, admin_required, office_required

BILLING_ROLES = (Role.ADMIN, Role.CLERK)


def invoice_rows(queryset):
    """Invoices with paid sum and cancelled flag, for tables (constant number of queries)."""
    return (
        queryset.select_related("cancels")
        .annotate(
            paid=Sum("payments__amount", default=0),
            is_cancelled=Exists(Invoice.objects.filter(cancels=OuterRef("pk"))),
        )
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("received_on", "pk")))
    )


def invoice_state(invoice, today) -> tuple[str, str]:
    """(label, badge) of an invoice row annotated by ``invoice_rows``."""
    if invoice.kind == InvoiceKind.CANCELLATION:
        return "取消", ""
    if invoice.is_cancelled:
        return "取消済み", ""
    if invoice.paid >= invoice.amount:
        return "入金済み", "ok"
    late = invoice.due_on is not None and invoice.due_on < today
    if invoice.paid > 0:
        return ("一部入金・期限超過" if late else "一部入金"), ("ng" if late else "warn")
    return ("未入金・期限超過" if late else "未入金"), ("ng" if late else "warn")


def decorate_invoices(invoices, today):
    rows = list(invoices)
    for invoice in rows:
        invoice.state_label, invoice.state_badge = invoice_state(invoice, today)
        counts = invoice.kind == InvoiceKind.INVOICE and not invoice.is_cancelled
        invoice.outstanding = max(invoice.amount - invoice.paid, 0) if counts else 0
    return rows


@office_required(roles=BILLING_ROLES)
def office_billing(request):
    today = timezone.localdate()
    office = request.office
    status = licence_status(office, today)
    licences = list(with_settlement(Licence.objects.filter(office=office)).order_by("-period_start"))
    invoices = decorate_invoices(
        invoice_rows(Invoice.objects.filter(office=office)).order_by("-issued_on", "-pk"), today
    )
    return render(
        request,
        "billing/office.html",
        {
            "status": status,
            "licences": licences,
            "invoices": invoices,
            "today": today,
            "price": settings.RENKEI_LICENCE_PRICE,
        },
    )


@office_required(roles=BILLING_ROLES)
def invoice_download(request, invoice_id):
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    return pdf_response(invoice)


def pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, invoice.filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _lock_auto_checked(form, **found: bool) -> None:
    """A condition the portal confirmed itself is shown ticked and cannot be unticked."""
    for name, value in found.items():
        if value:
            form.fields[name].disabled = True
            form.fields[name].initial = True


@admin_required(kinds=CARE_OFFICE)
def office_economics(request):
    office = request.office
    licence_price = int(settings.RENKEI_LICENCE_PRICE)
    k_bound = any(key.startswith("k-") for key in request.GET)
    s_bound = any(key.startswith("s-") for key in request.GET)

    # 居宅介護支援費: care-management offices only
    kyotaku = kyotaku_form = counted = None
    if office.is_care_management:
        month = default_month()
        if k_bound:
            kyotaku_form = KyotakuForm(request.GET, prefix="k")
            if kyotaku_form.is_valid():
                month = kyotaku_form.cleaned_data["month"].replace(day=1)
        counted = economics.client_counts(office, month)
        used_exchange = economics.office_used_exchange(office, month)
        has_clerk = economics.office_has_clerk(office)
        if kyotaku_form is not None:
            _lock_auto_checked(kyotaku_form, used_exchange=used_exchange, has_clerk=has_clerk)
        if kyotaku_form is None:
            initial = {"month": month, "fte": "1.0", "used_exchange": used_exchange, "has_clerk": has_clerk}
            if counted is not None:
                initial.update(care_light=counted.care_light, care_heavy=counted.care_heavy, support=counted.support)
            kyotaku_form = KyotakuForm(prefix="k", initial=initial)
            _lock_auto_checked(kyotaku_form, used_exchange=used_exchange, has_clerk=has_clerk)
        if kyotaku_form.is_bound and kyotaku_form.is_valid():
            data = kyotaku_form.cleaned_data
            kyotaku = economics.kyotaku_check(
                month=month,
                care_light=data["care_light"],
                care_heavy=data["care_heavy"],
                support=data["support"],
                fte=data["fte"],
                used_exchange=used_exchange or data["used_exchange"],
                has_clerk=has_clerk or data["has_clerk"],
                regional_grade=office.regional_grade,
            )
        elif not kyotaku_form.is_bound and counted is not None:
            kyotaku = economics.kyotaku_check(
                month=month,
                care_light=counted.care_light,
                care_heavy=counted.care_heavy,
                support=counted.support,
                fte=1,
                used_exchange=used_exchange,
                has_clerk=has_clerk,
                regional_grade=office.regional_grade,
            )
        auto = {"used_exchange": used_exchange, "has_clerk": has_clerk}
    else:
        auto = {}

    savings = None
    if s_bound:
        savings_form = SavingsForm(request.GET, prefix="s")
        if savings_form.is_valid():
            savings = economics.savings_simulate(licence_price=licence_price, **savings_form.cleaned_data)
    else:
        initial = {}
        partners = economics.partner_count(office)
        if partners is not None:
            initial["partners"] = partners
        if counted is not None:
            initial["clients"] = counted.care_light + counted.care_heavy + counted.support
        savings_form = SavingsForm(prefix="s", initial=initial)

    return render(
        request,
        "billing/economics.html",
        {
            "kyotaku_form": kyotaku_form,
            "kyotaku": kyotaku,
            "counted": counted,
            "auto": auto,
            "savings_form": savings_form,
            "savings": savings,
            "licence_price": licence_price,
            "unit_tables": economics.KYOTAKU_UNIT_TABLES,
            "tier_labels": economics.TIER_LABELS,
            "national_with_staff": economics.NATIONAL_SAVING_WITH_STAFF,
            "national_without_staff": economics.NATIONAL_SAVING_WITHOUT_STAFF,
            "k_query": {k: v for k, v in request.GET.items() if k.startswith("k-")},
            "s_query": {k: v for k, v in request.GET.items() if k.startswith("s-")},
        },
    )
