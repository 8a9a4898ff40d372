"""Form helpers shared by every app."""

from __future__ import annotations

import datetime as dt
import functools

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from portal.core import wareki

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


# --------------------------------------------------------------------------- dates typed in 和暦 or 西暦

DATE_PLACEHOLDER = "例: 令和8年4月1日 / R8.4.1"


class WarekiDateInput(forms.TextInput):
    """A text input that shows a date in 和暦 (令和8年4月1日) and takes back what a care manager types.

    A text input rather than ``type=date``: the browser's date input accepts only 西暦 through its picker,
    and care managers copy 生年月日 from the 被保険者証 as 「S15.5.10」 or 「昭和15年5月10日」.
    """

    def __init__(self, attrs=None):
        base = {
            "inputmode": "text",
            "autocomplete": "off",
            "placeholder": DATE_PLACEHOLDER,
            "class": "wareki-date",
            "size": "16",
            "data-wareki-date": "",
        }
        base.update(attrs or {})
        super().__init__(attrs=base)

    def format_value(self, value):
        if isinstance(value, dt.date):
            return wareki.wareki_date(value)
        return super().format_value(value)


class WarekiDateField(forms.DateField):
    """One date field for the whole portal: reads 和暦 and 西暦 (see ``wareki.parse_date_text``) and says in
    Japanese, naming the field, why a date does not exist."""

    widget = WarekiDateInput

    def __init__(self, *args, **kwargs):
        custom = dict(kwargs.get("error_messages") or {})
        super().__init__(*args, **kwargs)
        if "required" not in custom and self.label:
            self.error_messages["required"] = f"{self.label}を入力してください。"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return wareki.parse_date_text(str(value))
        except wareki.DateTextError as error:
            label = self.label or "日付"
            raise ValidationError(f"{label}: {error}", code="invalid") from None

    def strptime(self, value, format):  # pragma: no cover - to_python never calls it
        raise NotImplementedError
