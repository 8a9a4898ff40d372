"""連携先 pages: the partner list, invitations sent, external (paper) partners and a partnership's detail / end."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.core.wareki import wareki_datetime
from portal.offices.models import Office
from portal.offices.permissions import admin_required, office_required
from portal.partners import services
from portal.partners.forms import ExternalPartnerForm, PartnerInviteForm, PartnershipEndForm
from portal.partners.models import Consent, PartnerInvitation, Partnership


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
