"""Form helpers shared by every app."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.cache import cache
from django.http import HttpResponseRedirect

DOUBLE_SUBMIT_MESSAGE = (
    "このフォームはすでに送信されています。二重送信を防ぐため、2回目の送信は処理していません。"
    "内容は1回目の送信で保存されています。"
)


def single_submit(view):
    """Process a POSTed form once per ``form_token`` (rendered by ``{% form_token %}``).

    The token is claimed atomically with ``cache.add`` before the view runs; a
    second POST with the same token (a double click, a browser resend) is not
    processed and the user is told so. If the view does not succeed (it answers
    with anything but a redirect, e.g. the form had errors), the claim is
    released so the corrected form can be sent again.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get("form_token") if request.method == "POST" else None
        if not token:
            return view(request, *args, **kwargs)
        key = f"renkei:form-token:{request.user.pk}:{token}"
        if not cache.add(key, "1", timeout=6 * 3600):
            messages.warning(request, DOUBLE_SUBMIT_MESSAGE)
            return HttpResponseRedirect(request.get_full_path())
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseRedirect):
            cache.delete(key)
        return response

    return wrapper


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: next to its field where there is one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)
