from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.core.forms import apply_validation_error, single_submit
from portal.core.wareki import wareki_datetime
from portal.offices import services
from portal.offices.forms import JoinForm, OfficeRegisterForm, OfficeSettingsForm, RoleForm, StaffInviteForm
from portal.offices.middleware import SESSION_KEY
from portal.offices.models import Office, Role, StaffInvitation
from portal.offices.permissions import admin_required, office_required


@login_required
def dashboard(request):
    token = request.session.get("pending_staff_invitation")
    if token:
        return redirect("offices:invitation", token=token)
    if request.office is None:
        if request.user.is_staff:
            return redirect("billing:operator_dashboard")
        return redirect("offices:register")
    return render(
        request,
        "offices/dashboard.html",
        {
            "sections": _dashboard_sections(request),
            "today": timezone.localdate(),
        },
    )


def _dashboard_sections(request):
    """Each app may contribute a dashboard card through ``dashboard_cards(request)``."""
    from django.apps import apps

    cards = []
    for config in apps.get_app_configs():
        provider = getattr(config, "dashboard_cards", None)
        if provider is not None:
            cards.extend(provider(request))
    return cards


@login_required
@single_submit
def office_register(request):
    form = OfficeRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = services.office_register(
                user=request.user,
                service_type_codes=form.cleaned_data["service_type_codes"],
                display_name=form.cleaned_data["display_name"],
                **{f: form.cleaned_data[f] for f in OfficeRegisterForm.Meta.fields},
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            request.session[SESSION_KEY] = office.pk
            messages.success(
                request,
                f"{office.name}を登録しました。あなたはこの事業所の管理者です。"
                "データ連携を始めるには、事業所の本人確認を申請してください。",
            )
            return redirect("offices:verification")
    number_taken = (
        form.data.get("office_number", "")
        if "office_number" in form.errors
        and Office.objects.filter(office_number=form.data.get("office_number", "")).exists()
        else ""
    )
    return render(request, "offices/register.html", {"form": form, "number_taken": number_taken})


@login_required
@require_POST
def office_switch(request):
    office_id = request.POST.get("office_id", "")
    membership = next((m for m in request.memberships if str(m.office_id) == office_id), None)
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.office_id
    messages.info(request, f"{membership.office.name}に切り替えました。")
    return redirect("dashboard")


@admin_required
@single_submit
def office_settings(request):
    from portal.offices.models import RetentionRun
    from portal.offices.retention import retention_preview

    form = OfficeSettingsForm(request.POST or None, instance=request.office)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "事業所の情報を保存しました。")
        return redirect("offices:settings")
    office = Office.objects.get(pk=request.office.pk)  # the saved period, not the one being typed
    return render(
        request,
        "offices/settings.html",
        {
            "form": form,
            "retention": retention_preview(office),
            "retention_runs": RetentionRun.objects.all()[:5],
        },
    )


@office_required
def staff_list(request):
    is_admin = request.membership.is_admin
    context = {
        "members": request.office.memberships.select_related("user").order_by("joined_at"),
        "invitations": StaffInvitation.objects.select_related("invited_by").order_by("-created_at") if is_admin else [],
        "invite_form": StaffInviteForm(),
        "role_choices": Role.choices,
        "is_admin": is_admin,
    }
    return render(request, "offices/staff.html", context)


@admin_required
@single_submit
def staff_invite(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.staff_invitation_create(
                office=request.office, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                f"{invitation.email} に招待メールを送りました（有効期限: {wareki_datetime(invitation.expires_at)}）。",
            )
            return redirect("offices:staff")
    return render(request, "offices/staff_invite.html", {"form": form})


@admin_required
@require_POST
def staff_invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(StaffInvitation, pk=invitation_id)
    services.staff_invitation_revoke(invitation=invitation)
    messages.success(request, f"{invitation.email} への招待を取り消しました。")
    return redirect("offices:staff")


@admin_required
@require_POST
def member_role(request, member_id):
    membership = get_object_or_404(request.office.memberships, pk=member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{membership.name}の役割を「{membership.get_role_display()}」に変更しました。")
    return redirect("offices:staff")


@admin_required
@require_POST
def member_remove(request, member_id):
    membership = get_object_or_404(request.office.memberships, pk=member_id)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.name}をこの事業所から外しました。")
    return redirect("offices:staff")


def invitation(request, token):
    """The link in a staff invitation email: sign up or log in, then join."""
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render(
            request,
            "offices/invitation_invalid.html",
            {"reason": "招待リンクが正しくありません。メールのリンクを最後までコピーしたか確認してください。"},
            status=404,
        )
    if not request.user.is_authenticated:
        request.session["pending_staff_invitation"] = token
        return render(request, "offices/invitation_anonymous.html", {"invitation": invitation})
    form = JoinForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.staff_invitation_accept(
                invitation=invitation, user=request.user, display_name=form.cleaned_data["display_name"]
            )
        except services.InvitationError as exc:
            error = str(exc)
        else:
            request.session.pop("pending_staff_invitation", None)
            request.session[SESSION_KEY] = membership.office_id
            messages.success(request, f"{invitation.office.name}に参加しました。")
            return redirect("dashboard")
    elif request.method == "GET":
        error = services.invitation_problem(invitation=invitation, user=request.user)
    if error:
        request.session.pop("pending_staff_invitation", None)
    return render(request, "offices/invitation.html", {"invitation": invitation, "form": form, "error": error})
