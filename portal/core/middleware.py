"""Response headers every page gets: a strict Content-Security-Policy, and no caching of personal data."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers

# No inline script and no eval anywhere: behaviour lives in static/js and reads data-* attributes.
# style-src allows inline styles (style="" attributes and the per-page <style> blocks): styles cannot
# run script, and htmx's indicator style is switched off (htmx-config meta in base.html) anyway.
# img-src allows data: for the TOTP QR code that allauth renders as a data URI.
DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy() -> str:
    policy = {**DEFAULT_CSP, **getattr(settings, "RENKEI_CSP_OVERRIDES", {})}
    return "; ".join(f"{key} {value}" for key, value in policy.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response; ``Cache-Control: no-store`` for signed-in pages.

    Every page a signed-in person sees may show personal data (利用者, 被保険者番号…) and every
    download carries it, so nothing a signed-in request answers may be kept by the browser or a
    proxy cache (MHLW guideline: no health data left on shared PCs). Static files are served
    before this middleware runs (WhiteNoise) and keep their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.pop("Cache-Control", None)
            add_never_cache_headers(response)
        return response


class InputSanitizingMiddleware:
    """Refuse (400, in Japanese) a request whose parameters carry NUL characters.

    No form of Renkei accepts them (PostgreSQL text cannot hold them, the standard CSVs forbid
    control characters), so they are refused in one place before any view reads them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import render

        def dirty(query) -> bool:
            return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())

        if dirty(request.GET) or (request.method == "POST" and dirty(request.POST)):
            return render(
                request,
                "core/bad_request.html",
                {
                    "message": "入力に使えない制御文字（NUL）が含まれていたため、受け付けませんでした。入力内容を確認してください。",
                },
                status=400,
            )
        return None
