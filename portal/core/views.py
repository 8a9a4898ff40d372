from django.shortcuts import redirect, render


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "core/landing.html")


def csrf_failure(request, reason=""):
    """Japanese page for a CSRF failure (an expired page or a form sent from elsewhere)."""
    return render(request, "core/csrf_failure.html", status=403)
