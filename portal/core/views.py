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
    """The operator's admin has no login of its own: allauth's login (throttled, with the MFA stage)."""
    target = request.GET.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
        target = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target}, safe='/')}")
