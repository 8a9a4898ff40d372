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
        memberships = None
        if user is not None and user.is_authenticated:
            memberships = list(user.memberships.select_related("office").order_by("joined_at"))
        mfa_redirect = self._mfa_required_redirect(request, memberships)
        if mfa_redirect is not None:
            return mfa_redirect
        if request.path.startswith(_admin_prefix()):
            if user is not None and user.is_authenticated and user.is_staff:
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)
        if user is None or not user.is_authenticated:
            return self.get_response(request)

        request.memberships = memberships
        if not memberships:
            return self.get_response(request)
        wanted = request.session.get(SESSION_KEY)
        membership = next((m for m in memberships if m.office_id == wanted), memberships[0])
        if membership.office_id != wanted:
            request.session[SESSION_KEY] = membership.office_id
        request.membership = membership
        request.office = membership.office

        with office_scope(request.office):
            return self.get_response(request)

    @staticmethod
    def _mfa_required_redirect(request, memberships):
        """Operators, office admins and members of an office that requires MFA set up TOTP first.

        Only the account pages (``/accounts/``: login, logout, the 2段階認証 pages) stay open.
        """
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.path.startswith("/accounts/") or request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        from portal.offices.mfa import has_totp, mfa_required

        reason = mfa_required(user, memberships)
        if reason is None or has_totp(user):
            return None
        messages.warning(request, f"{reason}認証アプリ（Google Authenticator など）を設定してください。")
        return redirect("mfa_activate_totp")
