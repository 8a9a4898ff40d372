from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "core/landing.html")


def csrf_failure(request, reason=""):
    """Japanese page for a CSRF failure (an expired page or a form sent from elsewhere)."""
    return render(request, "core/csrf_failure.html", status=403)


def operator_admin_login(request):
    """The operator's admin has no login of its own: allauth's login (throttled, with the MFA stage).

    A signed-in person who is not an operator gets 403 here (allauth would send them straight back).
    """
    from django.core.exceptions import PermissionDenied

    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDenied("運営管理の画面は運営者だけが開けます。")
    target = request.GET.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target}, safe='/')}")
