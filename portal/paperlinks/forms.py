from __future__ import annotations

import datetime as dt

from django import forms


class AccessCodeForm(forms.Form):
    code = forms.CharField(
        label="確認コード（6桁）",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "autofocus": True}
        ),
        error_messages={"required": "確認コードを入力してください。電話でお伝えした6桁の数字です。"},
    )


class SendForm(forms.Form):
    month = forms.DateField(
        label="対象年月",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={
            "required": "対象年月を選んでください。",
            "invalid": "対象年月を 2026-12 の形で選んでください。",
        },
    )

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)


class JoinForm(forms.Form):
    email = forms.EmailField(
        label="招待を受け取るメールアドレス",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={
            "required": "招待を受け取るメールアドレスを入力してください。",
            "invalid": "メールアドレスを、例: jimu@example.jp の形で入力してください。",
        },
    )
