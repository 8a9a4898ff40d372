"""連携依頼 pages: an invitation's detail, accepting, declining and cancelling it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.offices.permissions import admin_required, office_required
from portal.partners import services
from portal.partners.forms import InvitationAcceptForm, InvitationDeclineForm
from portal.partners.models import InvitationStatus, PartnerInvitation, Partnership


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
