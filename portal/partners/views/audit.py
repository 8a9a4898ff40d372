"""監査ログ pages: the filtered list, one event's detail and the CSV export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.core.spreadsheet import SpreadsheetWriter
from portal.core.wareki import wareki_date, wareki_month
from portal.offices.permissions import admin_required
from portal.partners import services
from portal.partners.forms import AuditFilterForm
from portal.partners.models import AuditAction, AuditEvent, AuditEventClient, PartnerInvitation, Partnership
from portal.partners.ports import exchange_labels


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
