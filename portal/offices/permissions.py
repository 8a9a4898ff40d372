"""View decorators: an office must be active; some pages need a role or an office kind.

Each view declares who may open it on its decorator (``roles``, ``kinds``); the
decorator records both on the view (``office_roles``, ``office_kinds``) so that the
navigation and tests/test_isolation.py read the same rule (one place).
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from portal.offices.models import OfficeKind, Role
from portal.offices.tenancy import scopes_disabled

CARE_OFFICE = (OfficeKind.CARE_MANAGEMENT.value,)
PROVIDER_OFFICE = (OfficeKind.PROVIDER.value,)


def office_required(view=None, *, roles: tuple[str, ...] | None = None, kinds: tuple[str, ...] | None = None):
    """The user is signed in and a member of the current office (with one of ``roles``).

    ``roles`` is checked against the member's role; ``Role.ADMIN`` always passes.
    ``kinds`` is checked against the current office's kind (居宅介護支援 / サービス事業所).
    A member without the role or in an office of another kind gets 403 (the page exists,
    it is not theirs); another office's objects answer 404 through the scope.
    """

    def decorate(func):
        @login_required
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            if request.office is None:
                return redirect("offices:register")
            if kinds is not None and request.office.kind not in kinds:
                raise PermissionDenied(
                    "この画面は居宅介護支援事業所の画面です。"
                    if kinds == CARE_OFFICE
                    else "この画面は介護サービス事業所の画面です。"
                )
            if roles is not None and request.membership.role != Role.ADMIN and request.membership.role not in roles:
                raise PermissionDenied("この画面を開く権限がありません。")
            return func(request, *args, **kwargs)

        wrapper.office_scoped = True
        wrapper.office_roles = tuple(roles) if roles is not None else None
        wrapper.office_kinds = tuple(kinds) if kinds is not None else None
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


def admin_required(view=None, *, kinds: tuple[str, ...] | None = None):
    """Office admin (管理者) only."""
    return office_required(view, roles=(Role.ADMIN,), kinds=kinds)


def care_office_required(view=None, *, roles: tuple[str, ...] | None = None):
    """A page of a 居宅介護支援事業所 only (care plans, 予実, economics…)."""
    return office_required(view, roles=roles, kinds=CARE_OFFICE)


def view_allows(view, membership) -> bool:
    """Whether ``membership`` passes the roles/kinds declared on ``view`` (navigation uses this)."""
    kinds = getattr(view, "office_kinds", None)
    roles = getattr(view, "office_roles", None)
    if kinds is not None and membership.office.kind not in kinds:
        return False
    if roles is not None and not membership.is_admin and membership.role not in roles:
        return False
    return True


def operator_required(view):
    """Staff only (others: login, then 404); the view runs with scopes disabled."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        with scopes_disabled():
            return view(request, *args, **kwargs)

    wrapper.operator_only = True
    return wrapper
