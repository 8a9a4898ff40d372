"""連携先・同意・監査ログ pages. Views are thin: writes go through ``portal.partners.services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.core.spreadsheet import SpreadsheetWriter
from portal.core.wareki import wareki_date, wareki_datetime, wareki_month
from portal.offices.models import Office
from portal.offices.permissions import admin_required, office_required
from portal.partners import services
from portal.partners.forms import (
    AuditFilterForm,
    ConsentFilterForm,
    ConsentForm,
    ConsentRevokeForm,
    ExternalPartnerForm,
    InvitationAcceptForm,
    InvitationDeclineForm,
    PartnerInviteForm,
    PartnershipEndForm,
)
from portal.partners.models import (
    AuditAction,
    AuditEvent,
    AuditEventClient,
    Consent,
    InvitationStatus,
    PartnerInvitation,
    Partnership,
)
from portal.partners.ports import exchange_labels

# --------------------------------------------------------------------------- partners


@office_required
def partner_list(request):
    office = request.office
    today = timezone.localdate()
    active_consent = Q(consents__obtained_on__lte=today) & (
        Q(consents__revoked_on__isnull=True) | Q(consents__revoked_on__gt=today)
    )
    partnerships = list(
        Partnership.objects.filter(office=office)
        .select_related("partner_office")
        .annotate(consent_count=Count("consents", filter=active_consent))
        .order_by("partner_name", "pk")
    )
    invitations = list(PartnerInvitation.objects.select_related("office").order_by("-created_at", "-pk"))
    # An unverified office does not receive invitations addressed to its 事業所番号 (事業所の本人確認).
    received = [i for i in invitations if i.office_id != office.pk] if office.is_verified else []
    sent = [i for i in invitations if i.office_id == office.pk]
    return render(
        request,
        "partners/list.html",
        {
            "active": [p for p in partnerships if p.is_active],
            "ended": [p for p in partnerships if not p.is_active],
            "received_pending": [i for i in received if i.is_pending],
            "received_other": [i for i in received if not i.is_pending],
            "sent": sent,
            "is_admin": request.membership.is_admin,
        },
    )


def _invite_kind_codes(office: Office):
    """Kinds offered on the invite form: the inviter's own when it is the provider, else every kind."""
    return None if office.is_care_management else office.service_type_codes


@admin_required
@single_submit
def partner_invite(request):
    office = request.office
    form = PartnerInviteForm(request.POST or None, kind_codes=_invite_kind_codes(office))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.partner_invitation_create(
                office=office, membership=request.membership, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            who = invitation.invitee_name or f"事業所番号 {invitation.invitee_office_number}"
            messages.success(
                request,
                f"{who}に連携の招待を送りました（有効期限: "
                f"{wareki_datetime(invitation.expires_at)}）。相手の管理者が承認すると連携が始まります。",
            )
            return redirect("partners:invitation_detail", partner_invitation_id=invitation.pk)
    return render(request, "partners/invite.html", {"form": form})


@admin_required
@require_GET
def office_lookup(request):
    """htmx: who is this 事業所番号 on Renkei? (office names and numbers are public information)."""
    number = request.GET.get("invitee_office_number", "").strip()
    found = None
    if len(number) == 10 and number.isdigit() and number != request.office.office_number:
        found = (
            Office.objects.filter(verification_status="verified", office_number=number)
            .prefetch_related("service_kinds")
            .first()
        )
    return render(
        request,
        "partners/includes/office_lookup.html",
        {"number": number, "found": found, "own": number == request.office.office_number},
    )


def _invitation_context(request, invitation, accept_form=None, decline_form=None):
    office = request.office
    is_invitee = invitation.invitee_office_number == office.office_number and invitation.office_id != office.pk
    context = {
        "invitation": invitation,
        "inviter": invitation.office,
        "inviter_kinds": invitation.office.service_kinds.all(),
        "is_inviter": invitation.office_id == office.pk,
        "is_invitee": is_invitee,
        "is_admin": request.membership.is_admin,
    }
    if is_invitee:
        context["problem"] = services.partner_invitation_problem(invitation=invitation, office=office)
        kinds = services.accept_kind_choices(invitation=invitation, office=office)
        context["accept_kinds"] = kinds
        context["kinds_fixed"] = services.provider_side(inviter=invitation.office, invitee=office) == invitation.office
        context["accept_form"] = accept_form or InvitationAcceptForm(kind_codes=kinds)
        context["decline_form"] = decline_form or InvitationDeclineForm()
    if invitation.status == InvitationStatus.ACCEPTED:
        context["partnership"] = Partnership.objects.filter(office=office, invitation=invitation).first()
    return context


def _invitation_or_404(request, partner_invitation_id):
    """An invitation of this office, or one addressed to its number once the office is verified."""
    invitation = get_object_or_404(PartnerInvitation.objects.select_related("office"), pk=partner_invitation_id)
    if invitation.office_id != request.office.pk and not request.office.is_verified:
        raise Http404
    return invitation


@office_required
def invitation_detail(request, partner_invitation_id):
    invitation = _invitation_or_404(request, partner_invitation_id)
    return render(request, "partners/invitation_detail.html", _invitation_context(request, invitation))


@admin_required
@require_POST
@single_submit
def invitation_accept(request, partner_invitation_id):
    invitation = _invitation_or_404(request, partner_invitation_id)
    kinds = services.accept_kind_choices(invitation=invitation, office=request.office)
    form = InvitationAcceptForm(request.POST, kind_codes=kinds)
    fixed = services.provider_side(inviter=invitation.office, invitee=request.office) == invitation.office
    if fixed or form.is_valid():
        try:
            partnership = services.partner_invitation_accept(
                invitation=invitation,
                membership=request.membership,
                service_type_codes=None if fixed else form.cleaned_data["service_type_codes"],
            )
        except services.PartnerInvitationError as error:
            messages.error(request, str(error))
            return redirect("partners:invitation_detail", partner_invitation_id=invitation.pk)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                f"{invitation.office.name}との連携を始めました。利用者ごとの同意を記録すると、情報をやり取りできます。",
            )
            return redirect("partners:detail", partnership_id=partnership.pk)
    return render(
        request,
        "partners/invitation_detail.html",
        _invitation_context(request, invitation, accept_form=form),
        status=400,
    )


@admin_required
@require_POST
def invitation_decline(request, partner_invitation_id):
    invitation = _invitation_or_404(request, partner_invitation_id)
    form = InvitationDeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.partner_invitation_decline(invitation=invitation, membership=request.membership, reason=reason)
    except services.PartnerInvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{invitation.office.name}からの招待を辞退しました。相手の事業所に通知しました。")
    return redirect("partners:invitation_detail", partner_invitation_id=invitation.pk)


@admin_required
@require_POST
def invitation_cancel(request, partner_invitation_id):
    invitation = get_object_or_404(PartnerInvitation, pk=partner_invitation_id)
    try:
        services.partner_invitation_cancel(invitation=invitation, membership=request.membership)
    except services.PartnerInvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"事業所番号 {invitation.invitee_office_number} への招待を取り消しました。")
    return redirect("partners:invitation_detail", partner_invitation_id=invitation.pk)


@admin_required
@single_submit
def external_create(request):
    office = request.office
    form = ExternalPartnerForm(request.POST or None, kind_codes=_invite_kind_codes(office))
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_external_create(
                office=office, membership=request.membership, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{partnership.display_name}を外部の連携先として登録しました。")
            return redirect("partners:detail", partnership_id=partnership.pk)
    return render(request, "partners/external_form.html", {"form": form})


@office_required
def partnership_detail(request, partnership_id):
    return _render_partnership(request, partnership_id)


def _render_partnership(request, partnership_id, end_form=None):
    partnership = get_object_or_404(
        Partnership.objects.select_related("partner_office", "invitation"), pk=partnership_id
    )
    consents = list(
        Consent.objects.filter(partnership=partnership)
        .select_related("client")
        .order_by("client__family_name_kana", "client__given_name_kana", "-obtained_on", "-pk")
    )
    today = timezone.localdate()
    partner_kinds = []
    if partnership.partner_office_id:
        partner_kinds = list(partnership.partner_office.service_kinds.all())
    return render(
        request,
        "partners/detail.html",
        {
            "partnership": partnership,
            "partner_kinds": partner_kinds,
            "consents": consents,
            "active_count": sum(1 for c in consents if c.is_active_on(today)),
            "end_form": end_form or PartnershipEndForm(),
            "is_admin": request.membership.is_admin,
        },
        status=400 if end_form is not None else 200,
    )


@admin_required
@require_POST
def partnership_end(request, partnership_id):
    partnership = get_object_or_404(Partnership, pk=partnership_id)
    form = PartnershipEndForm(request.POST)
    if not form.is_valid():
        return _render_partnership(request, partnership_id, end_form=form)
    try:
        services.partnership_end(
            partnership=partnership, membership=request.membership, reason=form.cleaned_data["reason"]
        )
    except services.PartnershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{partnership.display_name}との連携を終了しました。これ以降、この連携先には送信できません。"
            "これまでの記録と同意の履歴は残ります。",
        )
    return redirect("partners:detail", partnership_id=partnership.pk)


# --------------------------------------------------------------------------- consent


@office_required
def consent_list(request):
    office = request.office
    form = ConsentFilterForm(request.GET or None, office=office)
    consents = Consent.objects.filter(office=office).select_related("client", "partnership__partner_office")
    selected_client = None
    if form.is_valid():
        data = form.cleaned_data
        if data.get("client"):
            selected_client = data["client"]
            consents = consents.filter(client=selected_client)
        if data.get("partnership"):
            consents = consents.filter(partnership=data["partnership"])
        today = timezone.localdate()
        if data.get("status") == "active":
            consents = consents.active(today)
        elif data.get("status") == "revoked":
            consents = consents.filter(revoked_on__lte=today)
    consents = consents.order_by(
        "client__family_name_kana", "client__given_name_kana", "partnership__partner_name", "-obtained_on", "-pk"
    )
    page = Paginator(consents, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/consent_list.html",
        {
            "form": form,
            "page": page,
            "selected_client": selected_client,
            "query": query.urlencode(),
        },
    )


@office_required
@single_submit
def consent_create(request):
    office = request.office
    initial = {"obtained_on": timezone.localdate(), "obtained_by": request.membership.pk}
    for key in ("client", "partnership"):
        value = request.GET.get(key, "")
        if value.isdigit():
            initial[key] = int(value)
    form = ConsentForm(request.POST or None, request.FILES or None, office=office, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_record(
                office=office,
                membership=request.membership,
                client=data["client"],
                partnership=data["partnership"],
                obtained_on=data["obtained_on"],
                obtained_by=data["obtained_by"],
                method=data["method"],
                scopes=data["scopes"],
                document=data.get("document") or None,
                note=data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, f"{consent.client.full_name}さんの{consent.partnership.display_name}への同意を記録しました。"
            )
            return redirect("partners:consent_detail", consent_id=consent.pk)
    has_partners = Partnership.objects.filter(office=office, ended_at__isnull=True).exists()
    return render(
        request,
        "partners/consent_form.html",
        {"form": form, "has_partners": has_partners},
        status=400 if form.is_bound and form.errors else 200,
    )


@office_required
def consent_detail(request, consent_id):
    return _render_consent(request, consent_id)


def _render_consent(request, consent_id, revoke_form=None):
    consent = get_object_or_404(
        Consent.objects.select_related("client", "partnership__partner_office", "obtained_by__user"), pk=consent_id
    )
    return render(
        request,
        "partners/consent_detail.html",
        {
            "consent": consent,
            "revoke_form": revoke_form or ConsentRevokeForm(),
            "today": timezone.localdate(),
        },
        status=400 if revoke_form is not None else 200,
    )


@office_required
@require_POST
@single_submit
def consent_revoke(request, consent_id):
    consent = get_object_or_404(Consent.objects.select_related("client", "partnership"), pk=consent_id)
    form = ConsentRevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(
                consent=consent,
                membership=request.membership,
                revoked_on=form.cleaned_data["revoked_on"],
                reason=form.cleaned_data["revocation_reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                f"{consent.client.full_name}さんの{consent.partnership.display_name}への同意を撤回しました。"
                "撤回日以降、この連携先にはこの利用者の情報を送信できません。",
            )
            return redirect("partners:consent_detail", consent_id=consent.pk)
    return _render_consent(request, consent_id, revoke_form=form)


@office_required
def consent_document(request, consent_id):
    consent = get_object_or_404(Consent.objects.select_related("partnership"), pk=consent_id)
    if not consent.document:
        raise Http404("この同意には同意書のスキャンがありません。")
    try:
        handle = consent.document.open("rb")
    except FileNotFoundError:
        raise Http404("同意書のファイルが見つかりません。")
    services.audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.DOCUMENT_VIEWED,
        client=consent.client_id,
        partner_office_number=consent.partnership.partner_office_number,
        detail={"consent_id": consent.pk},
    )
    extension = ".pdf" if consent.document_type == "application/pdf" else ".jpg"
    response = FileResponse(
        handle,
        content_type=consent.document_type or "application/octet-stream",
        as_attachment=request.GET.get("download") == "1",
        filename=f"consent-{consent.pk}{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- audit trail


def _partner_choices(office) -> tuple[list[tuple[str, str]], dict[str, str]]:
    names: dict[str, str] = {}
    for p in Partnership.objects.filter(office=office).select_related("partner_office").order_by("partner_name"):
        names.setdefault(p.partner_office_number, p.display_name)
    for number, name, inviter_number, inviter_name in PartnerInvitation.objects.order_by("-created_at").values_list(
        "invitee_office_number", "invitee_name", "office__office_number", "office__name"
    ):
        if inviter_number == office.office_number:
            if name:
                names.setdefault(number, name)
        else:
            names.setdefault(inviter_number, inviter_name)
    choices = [(number, f"{name}（{number}）") for number, name in names.items()]
    # Offices in the trail that are not (or no longer) partners, e.g. a refused sender.
    seen = (
        AuditEvent.objects.filter(office=office)
        .exclude(partner_office_number="")
        .exclude(partner_office_number__in=list(names))
        .order_by("partner_office_number")
        .values_list("partner_office_number", flat=True)
        .distinct()
    )
    choices += [(number, f"事業所番号 {number}") for number in seen]
    return choices, names


def _filtered_events(request):
    office = request.office
    choices, names = _partner_choices(office)
    form = AuditFilterForm(request.GET or None, office=office, partner_choices=choices)
    events = AuditEvent.objects.filter(office=office).select_related("client")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("date_from"):
            events = events.filter(occurred_at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(occurred_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("client"):  # the 利用者 itself, or one of the 利用者 of a batch send / import
            concerned = AuditEventClient.objects.filter(office=office, client=data["client"]).values("event_id")
            events = events.filter(Q(client=data["client"]) | Q(pk__in=concerned))
        if data.get("partner"):
            events = events.filter(partner_office_number=data["partner"])
    elif form.is_bound:
        events = events.none()
    return form, events.order_by("-occurred_at", "-pk"), names


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _client_label(event) -> str:
    """The 利用者 of an event: one name, or the names of every 利用者 a batch entry concerns."""
    names = _concerned_names(event)
    if len(names) > 3:
        return f"{'、'.join(names[:3])} ほか{len(names) - 3}人"
    return "、".join(names)


def _concerned_names(event) -> list[str]:
    links = getattr(event, "concerned", None)
    if links is None:
        links = list(AuditEventClient.objects.filter(event=event).select_related("client").order_by("pk"))
    pairs = [(link.client_id, link.client) for link in links]
    if not pairs and event.client_id is not None:  # events recorded before 利用者 were kept as relations
        pairs = [(event.client_id, event.client)]
    return [c.full_name if c is not None else f"（削除された利用者 #{cid}）" for cid, c in pairs]


def _with_concerned(events):
    return events.prefetch_related(
        Prefetch(
            "client_links",
            to_attr="concerned",
            queryset=AuditEventClient.objects.select_related("client").order_by("pk"),
        )
    )


@admin_required
def audit_list(request):
    form, events, names = _filtered_events(request)
    page = Paginator(_with_concerned(events), 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.partner_label = names.get(event.partner_office_number, "")
        event.client_label = _client_label(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "partners/audit_list.html", {"form": form, "page": page, "query": query.urlencode()})


DETAIL_LABELS = {
    "invitation_id": "招待の番号",
    "partnership_id": "連携の番号",
    "consent_id": "同意の番号",
    "package_id": "パッケージID",
    "service_type_codes": "サービス種類",
    "scopes": "同意の範囲",
    "obtained_on": "同意日",
    "revoked_on": "撤回日",
    "method": "同意の方法",
    "document": "同意書の添付",
    "export": "出力したもの",
    "rows": "件数",
    "received": "受け取った側",
    "demo": "デモデータ",
    "kind": "種類",
    "file_names": "ファイル名",
    "client_count": "利用者数",
    "month": "対象年月",
    "unit_kind": "送信単位の種類",
    "client_ids": "利用者",
    "sequence": "ファイル連番",
    "received_id": "受信の番号",
    "channel": "経路",
    "status": "状態",
    "files": "ファイル数",
    "batch_id": "送信の番号",
    "schedule_id": "利用票の番号",
    "plan_id": "計画書の番号",
    "tables": "帳票",
    "job_id": "PDF作成の番号",
    "pages": "ページ数",
}
EXPORT_LABELS = {"audit_trail": "監査ログ"}


def _value_label(key: str, value, clients: dict) -> str:
    from portal.documents.models import DocumentKind
    from portal.partners.models import ConsentMethod, ConsentScope, kinds_label

    if key == "scopes" and isinstance(value, list):
        return "、".join(ConsentScope(v).label if v in ConsentScope.values else str(v) for v in value)
    if key == "service_type_codes" and isinstance(value, list):
        return kinds_label(value)
    if key == "client_ids" and isinstance(value, list):
        return "、".join(clients.get(v, f"（削除された利用者 #{v}）") for v in value)
    if key == "method" and value in ConsentMethod.values:
        return ConsentMethod(value).label
    if key in ("unit_kind", "channel", "status") and isinstance(value, str):
        if (label := exchange_labels.get().label(key, value)) is not None:
            return label
    if key == "kind" and isinstance(value, str) and value in DocumentKind.values:
        return DocumentKind(value).label
    if key == "export" and value in EXPORT_LABELS:
        return EXPORT_LABELS[value]
    if key in ("obtained_on", "revoked_on") and isinstance(value, str):
        try:
            return wareki_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if key == "month" and isinstance(value, str) and len(value) == 7:
        try:
            return wareki_month(dt.date.fromisoformat(f"{value}-01"))
        except ValueError:
            return value
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _detail_rows(detail: dict, clients: dict | None = None) -> list[tuple[str, str]]:
    """The detail of an event as Japanese label / value pairs (never the internal keys or reprs)."""
    clients = clients or {}
    return [(DETAIL_LABELS.get(key, "その他"), _value_label(key, value, clients)) for key, value in detail.items()]


def _detail_text(detail: dict, clients: dict | None = None) -> str:
    return "／".join(f"{label}: {value}" for label, value in _detail_rows(detail, clients))


def _old_client_names(events, clients=None) -> dict:
    """Names for ``client_ids`` kept in the detail of events recorded before 利用者 were relations."""
    if clients is None:
        from portal.clients.models import Client

        clients = Client.objects.all()
    ids = {i for e in events for i in (e.detail.get("client_ids") or []) if isinstance(i, int)}
    return {c.pk: c.full_name for c in clients.filter(pk__in=ids)} if ids else {}


@admin_required
def audit_detail(request, audit_event_id):
    event = get_object_or_404(_with_concerned(AuditEvent.objects.select_related("client")), pk=audit_event_id)
    _, names = _partner_choices(request.office)
    event.partner_label = names.get(event.partner_office_number, "")
    event.client_names = _concerned_names(event)
    return render(
        request,
        "partners/audit_detail.html",
        {"event": event, "detail_rows": _detail_rows(event.detail, _old_client_names([event]))},
    )


class _Echo:
    def write(self, value):
        return value


@admin_required
def audit_export(request):
    """CSV for Excel: UTF-8 with a BOM and CRLF (see README: Excel opens it correctly; cp932 cannot
    hold every character of a Japanese name, e.g. 𠮷 or 髙 in some fonts/IVS)."""
    form, events, names = _filtered_events(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, "絞り込みの条件に誤りがあります。条件を直してからダウンロードしてください。")
        return redirect(f"{reverse('partners:audit')}?{request.GET.urlencode()}")
    rows = events.count()
    marker = services.audit_record(
        office=request.office,
        actor=request.membership,
        action=AuditAction.CSV_DOWNLOADED,
        detail={"export": "audit_trail", "rows": rows},
    )
    from portal.clients.models import Client

    # querysets are made here, inside the office scope; the stream below runs after the view returned
    events = _with_concerned(events.filter(pk__lt=marker.pk))
    clients = Client.objects.all()
    total = rows
    writer = SpreadsheetWriter(_Echo(), lineterminator="\r\n")
    header = ["日時", "操作", "操作した人", "利用者", "連携先の事業所番号", "連携先", "詳細"]

    def stream():
        yield "\ufeff" + writer.writerow(header)
        for start in range(0, total, 500):  # in slices: the 利用者 of each slice are fetched in one query
            chunk = list(events[start : start + 500])
            old = _old_client_names(chunk, clients)
            for event in chunk:
                yield writer.writerow(
                    [
                        timezone.localtime(event.occurred_at).strftime("%Y/%m/%d %H:%M:%S"),
                        event.get_action_display(),
                        event.actor_name,
                        "、".join(_concerned_names(event)),
                        event.partner_office_number,
                        names.get(event.partner_office_number, ""),
                        _detail_text(event.detail, old),
                    ]
                )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in stream()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{request.office.office_number}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
