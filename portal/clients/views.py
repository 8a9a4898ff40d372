"""利用者 register pages. Thin: forms parse, services write, templates show."""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.clients import services
from portal.clients.forms import (
    CertificationForm,
    ClientForm,
    ClientSearchForm,
    KindLimitFormSet,
    ServiceFormSet,
)
from portal.clients.models import Certification, Client, ClientService, KindLimit
from portal.core.codes import service_kind_name
from portal.core.forms import single_submit
from portal.core.search import search_data, search_redirect
from portal.core.wareki import wareki_date
from portal.offices.permissions import office_required

PAGE_SIZE = 50


def _apply_errors(forms_by_field: dict, error: ValidationError, fallback) -> None:
    """Put a service's ValidationError next to the field it names (or on ``fallback``)."""
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            target = forms_by_field.get(field, fallback)
            for e in errs:
                for msg in e.messages:
                    if target is None:
                        continue
                    if hasattr(target, "fields") and field in target.fields:
                        target.add_error(field, msg)
                    elif hasattr(target, "fields"):
                        target.add_error(None, msg)
                    else:  # a formset
                        target._non_form_errors = target.non_form_errors() + [msg]
    else:
        for msg in error.messages:
            fallback.add_error(None, msg)


def _kana(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def _current_certification_q(today, **extra):
    return Exists(
        Certification.objects.filter(client=OuterRef("pk"), valid_from__lte=today, valid_to__gte=today, **extra)
    )


@office_required
def client_list(request):
    if request.method == "POST":  # the search text (a name, a 被保険者番号) never goes into the URL
        return search_redirect(request, reverse("clients:list"), private=("q",))
    today = timezone.localdate()
    data = search_data(request)
    form = ClientSearchForm(data or None)
    qs = Client.objects.all()
    filters = form.cleaned_data if form.is_valid() else {}
    if not filters.get("inactive"):
        qs = qs.filter(is_active=True)
    for term in (filters.get("q") or "").split():
        kana = _kana(term)
        half = unicodedata.normalize("NFKC", term).upper()
        qs = qs.filter(
            Q(family_name__contains=term)
            | Q(given_name__contains=term)
            | Q(family_name_kana__contains=kana)
            | Q(given_name_kana__contains=kana)
            | Q(insured_number__startswith=half)
            | Q(insured_number=half)
        )
    if filters.get("care_level"):
        qs = qs.filter(_current_certification_q(today, care_level=filters["care_level"]))
    if filters.get("expiring"):
        qs = qs.filter(_current_certification_q(today, valid_to__lte=services.expiry_limit(today)))
    qs = qs.select_related("care_manager__user").prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.order_by("-valid_from"))
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    limit = services.expiry_limit(today)
    rows = []
    for client in page.object_list:
        current = client.certification_on(today)
        latest = next(iter(client.certifications.all()), None)
        cert = current or latest
        rows.append(
            {
                "client": client,
                "cert": cert,
                "current": current is not None,
                "expiring": current is not None and current.valid_to <= limit,
                "expired": current is None and latest is not None and latest.valid_to < today,
                "days_left": (current.valid_to - today).days if current else None,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clients/list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "expiry_days": services.EXPIRY_WARNING_DAYS,
        },
    )


def _service_initial(client):
    return [
        {
            "provider_office_number": s.provider_office_number,
            "provider_name": s.provider_name,
            "service_type_code": s.service_type_code,
            "satellite_branch": s.satellite_branch,
            "discount_rate": s.discount_rate,
            "note": s.note,
        }
        for s in client.services.all()
    ]


def _formset_rows(formset) -> list[dict]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.has_changed()
    ]


DRAFT_SKIP = {"csrfmiddlewaretoken", "form_token"}


@office_required
@require_POST
def client_draft(request):
    """Autosave of the half-filled registration form: encrypted, office-scoped, expiring (ClientDraft)."""
    data = {k: request.POST.getlist(k) for k in request.POST if k not in DRAFT_SKIP}
    draft = services.client_draft_save(office=request.office, author=request.user, data=data)
    return JsonResponse({"saved_at": timezone.localtime(draft.saved_at).strftime("%H:%M:%S")})


@office_required
@require_POST
def client_draft_discard(request):
    services.client_draft_discard(office=request.office, author=request.user)
    messages.info(request, "入力途中の下書きを破棄しました。")
    return redirect("clients:create")


@office_required
@single_submit
def client_create(request):
    draft = services.client_draft_load(office=request.office, author=request.user) if request.method == "GET" else None
    data = request.POST or None
    if draft:
        data = QueryDict(mutable=True)
        for k, values in draft["data"].items():
            data.setlist(k, values)
    form = ClientForm(
        data,
        office=request.office,
        prefix="client",
        initial={"care_manager": request.membership if request.method == "GET" else None},
    )
    cert_form = CertificationForm(data, prefix="cert")
    svc_formset = ServiceFormSet(data, prefix="svc")
    if data is None:
        svc_formset.extra = 1
    if request.method == "POST":
        valid = form.is_valid() & cert_form.is_valid() & svc_formset.is_valid()
        if valid:
            try:
                client = services.client_create(
                    office=request.office,
                    data=form.cleaned_data,
                    certification=cert_form.cleaned_data,
                    services=[
                        {k: v for k, v in row.items() if k not in ("DELETE", "id")}
                        for row in _formset_rows(svc_formset)
                    ],
                )
            except ValidationError as error:
                _apply_errors(
                    {
                        **{f: form for f in form.fields},
                        **{f: cert_form for f in cert_form.fields},
                        "services": svc_formset,
                    },
                    error,
                    form,
                )
            else:
                services.client_draft_discard(office=request.office, author=request.user)
                messages.success(request, f"{client.full_name}さんを登録しました。")
                return redirect("clients:detail", client_id=client.pk)
        messages.error(
            request, "入力内容に誤りがあります。赤字の項目を確認してください（入力した内容はそのまま残っています）。"
        )
    return render(
        request,
        "clients/form.html",
        {
            "form": form,
            "cert_form": cert_form,
            "svc_formset": svc_formset,
            "creating": True,
            "draft": draft,
        },
    )


@office_required
def client_detail(request, client_id):
    client = get_object_or_404(
        Client.objects.select_related("care_manager__user").prefetch_related(
            Prefetch("certifications", queryset=Certification.objects.order_by("-valid_from")),
            Prefetch(
                "services", queryset=ClientService.objects.order_by("service_type_code", "provider_office_number")
            ),
            Prefetch("kind_limits", queryset=KindLimit.objects.order_by("service_type_code")),
        ),
        pk=client_id,
    )
    today = timezone.localdate()
    try:
        plans_url = reverse("careplans:client_plans", kwargs={"client_id": client.pk})
    except NoReverseMatch:
        plans_url = None
    current = client.certification_on(today)
    prevention_url = None
    if current is not None and current.care_level in ("06", "12", "13") and request.office.is_care_management:
        prevention_url = reverse("prevention:client_index", kwargs={"client_id": client.pk})
    audit_url = None
    if request.membership.is_admin:  # the audit trail is for the office admin
        audit_url = f"{reverse('partners:audit')}?client={client.pk}"
    return render(
        request,
        "clients/detail.html",
        {
            "audit_url": audit_url,
            "prevention_url": prevention_url,
            "client": client,
            "today": today,
            "current": current,
            "plans_url": plans_url,
            "expiring": current is not None and current.valid_to <= services.expiry_limit(today),
            "this_month": today.replace(day=1),
            "services_list": [(s, service_kind_name(s.service_type_code)) for s in client.services.all()],
            "kind_limits": [(k, service_kind_name(k.service_type_code)) for k in client.kind_limits.all()],
        },
    )


@office_required
@single_submit
def client_edit(request, client_id):
    client = get_object_or_404(Client.objects.prefetch_related("services", "kind_limits"), pk=client_id)
    form = ClientForm(request.POST or None, instance=client, office=request.office, prefix="client")
    svc_formset = ServiceFormSet(
        request.POST or None, prefix="svc", initial=_service_initial(client) if request.method == "GET" else None
    )
    if request.method == "GET":
        svc_formset.extra = len(svc_formset.initial_extra or [])
    limit_initial = [{"service_type_code": k.service_type_code, "units": k.units} for k in client.kind_limits.all()]
    limit_formset = KindLimitFormSet(
        request.POST or None, prefix="limit", initial=limit_initial if request.method == "GET" else None
    )
    if request.method == "GET":
        limit_formset.extra = len(limit_initial)
    if request.method == "POST":
        valid = form.is_valid() & svc_formset.is_valid() & limit_formset.is_valid()
        if valid:
            try:
                services.client_update(
                    client=client,
                    data=form.cleaned_data,
                    services=[
                        {k: v for k, v in row.items() if k not in ("DELETE", "id")}
                        for row in _formset_rows(svc_formset)
                    ],
                    kind_limits=[
                        {k: v for k, v in row.items() if k not in ("DELETE", "id")}
                        for row in _formset_rows(limit_formset)
                    ],
                )
            except ValidationError as error:
                _apply_errors(
                    {**{f: form for f in form.fields}, "services": svc_formset, "kind_limits": limit_formset},
                    error,
                    form,
                )
            else:
                messages.success(request, f"{client.full_name}さんの情報を保存しました。")
                return redirect("clients:detail", client_id=client.pk)
        messages.error(
            request, "入力内容に誤りがあります。赤字の項目を確認してください（入力した内容はそのまま残っています）。"
        )
    return render(
        request,
        "clients/form.html",
        {
            "form": form,
            "svc_formset": svc_formset,
            "limit_formset": limit_formset,
            "client": client,
            "creating": False,
        },
    )


@office_required
@single_submit
def certification_create(request, client_id):
    client = get_object_or_404(Client, pk=client_id)
    form = CertificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_create(client=client, data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors({f: form for f in form.fields}, error, form)
        else:
            messages.success(request, "認定情報を追加しました。")
            return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/certification_form.html", {"form": form, "client": client})


@office_required
@single_submit
def certification_edit(request, certification_id):
    cert = get_object_or_404(Certification.objects.select_related("client"), pk=certification_id)
    client = cert.client
    form = CertificationForm(request.POST or None, instance=cert)
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_update(certification=cert, data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors({f: form for f in form.fields}, error, form)
        else:
            messages.success(request, "認定情報を保存しました。")
            return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/certification_form.html", {"form": form, "client": client, "cert": cert})


@office_required
@require_POST
def certification_delete(request, certification_id):
    cert = get_object_or_404(Certification.objects.select_related("client"), pk=certification_id)
    client = cert.client
    services.certification_delete(certification=cert)
    messages.success(
        request, f"認定（{cert.get_care_level_display()}、{wareki_date(cert.valid_from)}〜）を削除しました。"
    )
    return redirect("clients:detail", client_id=client.pk)
