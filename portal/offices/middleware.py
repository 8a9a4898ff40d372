"""Resolve the current office for each request and run the view inside its scope."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from portal.offices.tenancy import office_scope, scopes_disabled

SESSION_KEY = "renkei_office_id"


def _admin_prefix() -> str:
    return reverse("admin:index")


class OfficeScopeMiddleware:
    """Sets ``request.office`` / ``request.membership`` and enters the office scope.

    - Operator admin (``/operator/admin/``) runs with scopes disabled, for staff only
      (Django admin itself refuses non-staff).
    - A signed-in member runs inside ``scope(office=...)`` of the office chosen in the
      session (or their first office).
    - Everyone else runs with no scope: any query on office data raises.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.office = None
        request.membership = None
        user = getattr(request, "user", None)
        if request.path.startswith(_admin_prefix()):
            if user is not None and user.is_authenticated and user.is_staff:
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)
        if user is None or not user.is_authenticated:
            return self.get_response(request)

        memberships = list(user.memberships.select_related("office").order_by("joined_at"))
        request.memberships = memberships
        if not memberships:
            return self.get_response(request)
        wanted = request.session.get(SESSION_KEY)
        membership = next((m for m in memberships if m.office_id == wanted), memberships[0])
        if membership.office_id != wanted:
            request.session[SESSION_KEY] = membership.office_id
        request.membership = membership
        request.office = membership.office

        mfa_redirect = self._mfa_required_redirect(request)
        if mfa_redirect is not None:
            return mfa_redirect
        with office_scope(request.office):
            return self.get_response(request)

    @staticmethod
    def _mfa_required_redirect(request):
        """An office that requires MFA sends members without TOTP to set it up first."""
        if not request.office.require_mfa:
            return None
        if request.path.startswith("/accounts/") or request.path.startswith(settings.STATIC_URL):
            return None
        from allauth.mfa.models import Authenticator

        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            return None
        messages.warning(
            request,
            f"{request.office.name}では2段階認証が必須です。認証アプリ（Google Authenticator など）を設定してください。",
        )
        return redirect("mfa_activate_totp")
