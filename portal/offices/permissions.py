"""View decorators: an office must be active; some pages need a role."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from portal.offices.models import Role


def office_required(view=None, *, roles: tuple[str, ...] | None = None):
    """The user is signed in and a member of the current office (with one of ``roles``).

    ``roles`` is checked against the member's role; ``Role.ADMIN`` always passes.
    A member without the role gets 403 (the page exists, the role does not allow it);
    another office's objects answer 404 through the scope.
    """

    def decorate(func):
        @login_required
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            if request.office is None:
                return redirect("offices:register")
            if roles is not None and request.membership.role != Role.ADMIN and request.membership.role not in roles:
                raise PermissionDenied("この画面を開く権限がありません。")
            return func(request, *args, **kwargs)

        wrapper.office_scoped = True
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


def admin_required(view):
    """Office admin (管理者) only."""
    return office_required(view, roles=(Role.ADMIN,))
