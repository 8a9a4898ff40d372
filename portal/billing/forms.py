"""Forms of the billing pages. Every bad input gets a Japanese message next to its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone

from portal.billing.models import PaymentMethod
from portal.core.forms import WarekiDateField


def _count_field(label: str, *, help_text: str = "", required: bool = True, max_value: int = 100_000):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
        error_messages={
            "required": f"{label}を入力してください（いない場合は 0）。",
            "invalid": f"{label}は半角の整数で入力してください。",
            "min_value": f"{label}に負の数は入力できません。0以上の数を入力してください。",
            "max_value": f"{label}が大きすぎます（{max_value:,}以下で入力してください）。",
        },
    )


def _date_field(label: str, **kwargs):
    return WarekiDateField(label=label, error_messages={"required": f"{label}を入力してください。"}, **kwargs)


# --------------------------------------------------------------------------- operator


class LicenceApplyForm(forms.Form):
    start = _date_field("利用開始日", help_text="1年間（例: 4月1日開始なら翌年3月31日まで）の期間を登録します。")
    free = forms.BooleanField(label="最初の1年を無料にする", required=False)
    issue_invoice = forms.BooleanField(label="続けて請求書を発行し、管理者にメールで送る", required=False, initial=True)
    note = forms.CharField(label="メモ", max_length=200, required=False)
    confirm_past_start = forms.BooleanField(
        label="今日より前の利用開始日で登録することを確認しました",
        required=False,
        help_text="利用開始日が今日より前のときだけ必要です。",
    )

    def clean(self):
        from portal.billing.services import licence_period_end
        from portal.core.wareki import wareki_date

        data = super().clean()
        start, today = data.get("start"), timezone.localdate()
        if start and start < today and not data.get("confirm_past_start"):
            end = licence_period_end(start)
            if end < today:
                effect = (
                    f"この期間は{wareki_date(end)}にすでに終わっているため、登録してもすぐに「失効」となり、"
                    "送信はできません（理由は「ライセンスの期間が終わっている」と表示されます）。"
                )
            else:
                effect = f"期間は{wareki_date(end)}までとなり、今日までの{(today - start).days}日分も期間に含まれます。"
            self.add_error(
                "confirm_past_start",
                (
                    f"利用開始日（{wareki_date(start)}）が今日より前です。{effect}"
                    "この日付でよければ「今日より前の利用開始日で登録することを確認しました」にチェックを入れてください。"
                ),
            )
        return data


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="事業所の画面に表示されます。個人情報は書かないでください。",
        error_messages={"required": "理由を入力してください（事業所の画面に表示されます）。"},
    )


class RenewForm(forms.Form):
    issue_invoice = forms.BooleanField(label="続けて請求書を発行し、管理者にメールで送る", required=False, initial=True)


class PaymentForm(forms.Form):
    received_on = _date_field("入金日")
    amount = forms.IntegerField(
        label="入金額（円）",
        min_value=1,
        max_value=100_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "step": 1}),
        error_messages={
            "required": "入金額を入力してください。",
            "invalid": "入金額は半角の整数（円）で入力してください。カンマや「円」は不要です。",
            "min_value": "入金額は1円以上で入力してください。",
            "max_value": "入金額が大きすぎます。",
        },
    )
    method = forms.ChoiceField(
        label="入金方法", choices=PaymentMethod.choices, error_messages={"required": "入金方法を選んでください。"}
    )
    note = forms.CharField(label="メモ（振込名義など）", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class InvoiceCancelForm(forms.Form):
    reason = forms.CharField(
        label="取消の理由",
        max_length=200,
        help_text="取消請求書に記載されます（例: 宛名の誤り）。",
        error_messages={"required": "取消の理由を入力してください（取消請求書に記載されます）。"},
    )
    reissue = forms.BooleanField(
        label="訂正した請求書を再発行する（事業所の現在の名称・住所で発行し、入金記録を引き継ぎます）",
        required=False,
        initial=True,
    )


# --------------------------------------------------------------------------- office economics


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class KyotakuForm(forms.Form):
    """居宅介護支援費 check for one month (GET form, prefix ``k``)."""

    month = forms.DateField(
        label="対象月",
        widget=MonthInput(),
        input_formats=["%Y-%m"],
        error_messages={
            "required": "対象月を入力してください。",
            "invalid": "対象月は 2026-11 の形で入力してください。",
        },
    )
    care_light = _count_field("要介護1・2の利用者数")
    care_heavy = _count_field("要介護3・4・5の利用者数")
    support = _count_field("介護予防支援の利用者数（要支援1・2）", help_text="取扱件数には3分の1で数えます。")
    fte = forms.DecimalField(
        label="介護支援専門員の数（常勤換算）",
        min_value=Decimal("1.0"),
        max_value=Decimal("99.9"),
        decimal_places=1,
        initial=Decimal("1.0"),
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "1.0", "inputmode": "decimal"}),
        error_messages={
            "required": "介護支援専門員の数（常勤換算）を入力してください。",
            "invalid": "介護支援専門員の数は 1.0、2.5 のように入力してください。",
            "min_value": "介護支援専門員の数（常勤換算）は1.0以上で入力してください（常勤の介護支援専門員が1人以上必要です）。",
            "max_value": "介護支援専門員の数が大きすぎます。",
            "max_decimal_places": "介護支援専門員の数は小数第1位まで（例: 2.5）で入力してください。",
        },
    )
    used_exchange = forms.BooleanField(
        label="この月、ケアプランデータ連携システム（または同等のシステム）でデータをやりとりした",
        required=False,
        help_text="Renkei での送受信は自動で確認します。Renkei 以外（国のクライアントなど）で利用した場合はチェックしてください。",
    )
    has_clerk = forms.BooleanField(
        label="事務職員を配置している",
        required=False,
        help_text="スタッフに「事務職員」の役割の方がいれば自動でチェックされます。Renkei に登録していない事務職員がいる場合はチェックしてください。",
    )


class SavingsForm(forms.Form):
    """Savings simulation (GET form, prefix ``s``)."""

    partners = _count_field("連携先の事業所数", max_value=10_000)
    clients = _count_field("利用者数", max_value=100_000)
    sheets_per_month = _count_field("提供票などの枚数（1か月）", help_text="FAXや郵送、手渡しでやりとりしている枚数")
    minutes_per_sheet = _count_field(
        "1枚あたりの作業時間（分）", help_text="印刷・送信・受信後の転記・確認を合わせた時間", max_value=600
    )
    cost_per_sheet = _count_field("1枚あたりのFAX・郵送費（円）", max_value=10_000)
    hourly_wage = _count_field("職員の時給（円）", max_value=100_000)


def default_month(today: dt.date | None = None) -> dt.date:
    """The month an office checks by default: the previous month (its billing month)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


class ContractEndForm(forms.Form):
    ended_on = _date_field("契約終了日", help_text="この日から保存期間（既定5年）を数えます。")


class RetentionDeleteForm(forms.Form):
    confirm_number = forms.CharField(
        label="確認のため事業所番号を入力",
        max_length=10,
        error_messages={"required": "確認のため、削除する事業所の事業所番号（10桁）を入力してください。"},
    )
