"""Searches without personal data in URLs.

A search form whose text may be a name or a 被保険者番号 is sent by POST; the text is kept for
an hour in the cache under a random token bound to the person, and the list is shown at
``?s=<token>&<the other, non-personal filters>``: pagination and the back button keep working,
while the address bar, the browser history, proxy and server logs see only the token.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import QueryDict
from django.shortcuts import redirect

TOKEN_PARAM = "s"
TTL_SECONDS = 3600
SKIP = {"csrfmiddlewaretoken", "form_token", "page"}


def _key(request, token: str) -> str:
    return f"renkei:search:{request.user.pk}:{token}"


def search_redirect(request, url: str, *, private: tuple[str, ...]):
    """POST of a search form → redirect to ``url`` with the private fields replaced by a token."""
    params = {k: request.POST.getlist(k) for k in request.POST if k not in SKIP and k not in private}
    stored = {k: request.POST.get(k, "").strip() for k in private if request.POST.get(k, "").strip()}
    if stored:
        token = secrets.token_urlsafe(12)
        cache.set(_key(request, token), stored, TTL_SECONDS)
        params[TOKEN_PARAM] = [token]
    query = urlencode(params, doseq=True)
    return redirect(f"{url}?{query}" if query else url)


def search_data(request) -> QueryDict:
    """The GET parameters with the private fields restored from the token (if still known)."""
    data = request.GET.copy()
    token = data.pop(TOKEN_PARAM, [""])[-1]
    if token:
        for key, value in (cache.get(_key(request, token)) or {}).items():
            data[key] = value
    return data
