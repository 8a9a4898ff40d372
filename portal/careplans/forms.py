"""Forms for 居宅サービス計画書. They parse and check formats; services check the rest."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from portal.careplans.models import LivingSupportReason, Weekday, category_from_flags, flags_from_category
from portal.clients.models import CareLevel, CertificationStatus
from portal.core.codes import SERVICE_KINDS
from portal.core.forms import WarekiDateField
from portal.offices.models import Role


class JaDateField(WarekiDateField):
    """The portal's date field (和暦 or 西暦, see ``portal.core.forms.WarekiDateField``)."""


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:：時]?\s*(\d{2})\s*分?\s*$")


class JaTimeField(forms.Field):
    """A time 0:00–23:59 typed as 9:30, 09:30 or 0930. 25:00 gets a clear message."""

    widget = forms.TimeInput(attrs={"type": "time", "step": "300"}, format="%H:%M")

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, dt.time):
            return value
        text = str(value).translate(str.maketrans("０１２３４５６７８９：", "0123456789:"))
        m = _TIME_RE.match(text)
        if m:
            hour, minute = int(m.group(1)), int(m.group(2))
            if hour <= 23 and minute <= 59:
                return dt.time(hour, minute)
        raise ValidationError(
            "%(label)s「%(value)s」は時刻として正しくありません。0:00〜23:59 の範囲で 時:分（例: 09:30）と入力してください。",
            code="invalid",
            params={"label": self.label or "時刻", "value": value},
        )

    def prepare_value(self, value):
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        return value


class LockForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def service_kind_choices(blank="（選択しない）"):
    return [("", blank)] + [
        (code, f"{code} {name}") for code, name in SERVICE_KINDS.items() if code not in ("43", "46")
    ]


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class PlanCreateForm(forms.Form):
    plan_date = JaDateField(label="居宅サービス計画作成（変更）日")


class Table1Form(LockForm):
    """居宅サービス計画書（1）."""

    author = forms.ModelChoiceField(
        label="居宅サービス計画作成者氏名", queryset=None, required=False, empty_label="（選んでください）"
    )
    first_plan_date = JaDateField(label="初回居宅サービス計画作成日", required=False)
    category_first = forms.BooleanField(label="初回", required=False)
    category_referral = forms.BooleanField(label="紹介", required=False)
    category_continuing = forms.BooleanField(label="継続", required=False)
    certification_status = forms.ChoiceField(
        label="認定状況", required=False, widget=forms.RadioSelect, choices=CertificationStatus.choices
    )
    care_level = forms.ChoiceField(
        label="要介護状態区分", required=False, choices=[("", "（選んでください）")] + list(CareLevel.choices)
    )
    certified_on = JaDateField(label="認定日", required=False)
    cert_valid_from = JaDateField(label="認定の有効期間（開始）", required=False)
    cert_valid_to = JaDateField(label="認定の有効期間（終了）", required=False)
    user_intentions = forms.CharField(
        label="利用者及び家族の生活に対する意向を踏まえた課題分析の結果", required=False, widget=_textarea(5)
    )
    committee_opinion = forms.CharField(
        label="介護認定審査会の意見及びサービスの種類の指定", required=False, widget=_textarea(2)
    )
    support_policy = forms.CharField(label="総合的な援助の方針", required=False, widget=_textarea(5))
    living_support_reason = forms.ChoiceField(
        label="生活援助中心型の算定理由",
        required=False,
        widget=forms.RadioSelect,
        choices=[("", "該当なし")] + list(LivingSupportReason.choices),
    )
    living_support_other = forms.CharField(label="その他の理由", required=False, widget=_textarea(1))

    def __init__(self, *args, office, plan=None, **kwargs):
        if plan is not None and "initial" not in kwargs:
            first, referral, continuing = flags_from_category(plan.plan_category)
            kwargs["initial"] = {
                "lock_version": plan.lock_version,
                "author": plan.author_id,
                "category_first": first,
                "category_referral": referral,
                "category_continuing": continuing,
                **{
                    name: getattr(plan, name)
                    for name in (
                        "first_plan_date",
                        "certification_status",
                        "care_level",
                        "certified_on",
                        "cert_valid_from",
                        "cert_valid_to",
                        "user_intentions",
                        "committee_opinion",
                        "support_policy",
                        "living_support_reason",
                        "living_support_other",
                    )
                },
            }
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = (
            office.memberships.filter(role__in=(Role.CARE_MANAGER, Role.ADMIN))
            .select_related("user")
            .order_by("joined_at")
        )
        self.fields["author"].label_from_instance = lambda m: m.name

    def table1_data(self) -> dict:
        c = self.cleaned_data
        data = {
            name: c.get(name)
            for name in (
                "first_plan_date",
                "certification_status",
                "care_level",
                "certified_on",
                "cert_valid_from",
                "cert_valid_to",
                "user_intentions",
                "committee_opinion",
                "support_policy",
                "living_support_reason",
                "living_support_other",
            )
        }
        data["plan_category"] = category_from_flags(
            c.get("category_first"), c.get("category_referral"), c.get("category_continuing")
        )
        return data


class NeedForm(LockForm):
    text = forms.CharField(label="生活全般の解決すべき課題（ニーズ）", required=False, widget=_textarea(3))


class GoalForm(LockForm):
    long_term_goal = forms.CharField(label="長期目標", required=False, widget=_textarea(3))
    long_from = JaDateField(label="長期目標の期間（開始）", required=False)
    long_to = JaDateField(label="長期目標の期間（終了）", required=False)


class ShortGoalForm(LockForm):
    text = forms.CharField(label="短期目標", required=False, widget=_textarea(3))
    short_from = JaDateField(label="短期目標の期間（開始）", required=False)
    short_to = JaDateField(label="短期目標の期間（終了）", required=False)


class ItemForm(LockForm):
    content = forms.CharField(label="サービス内容", required=False, widget=_textarea(2))
    insurance_covered = forms.BooleanField(label="保険給付対象（※1）", required=False)
    service_type_code = forms.ChoiceField(label="サービス種類", required=False, choices=service_kind_choices())
    service_kind = forms.CharField(label="サービス種別", required=False, max_length=60)
    provider_name = forms.CharField(label="事業所名（※2）", required=False, max_length=100)
    provider_office_number = forms.CharField(label="事業所番号", required=False, max_length=10)
    frequency = forms.CharField(label="頻度", required=False, max_length=100)
    period_from = JaDateField(label="期間（開始）", required=False)
    period_to = JaDateField(label="期間（終了）", required=False)

    def clean_provider_office_number(self):
        return (
            self.cleaned_data["provider_office_number"]
            .strip()
            .translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        )


class _WeeklyBase(LockForm):
    start_time = JaTimeField(label="開始時刻")
    end_time = JaTimeField(label="終了時刻")
    content = forms.CharField(
        label="介護サービス内容",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "例: 訪問介護（身体介護）"}),
    )
    service_type_code = forms.ChoiceField(label="サービス種類", required=False, choices=service_kind_choices())
    service_item_code = forms.CharField(
        label="サービス項目コード",
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"placeholder": "例: 1111", "size": 6}),
        help_text="サービスコード6桁の後ろ4桁（第6表に使います）。",
    )
    provider_office_number = forms.CharField(
        label="事業所番号",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"list": "provider-numbers", "size": 12}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The required message says which field, even when shown in a summary.
        for name in ("start_time", "end_time", "content"):
            self.fields[name].error_messages["required"] = f"{self.fields[name].label}を入力してください。"

    def clean_service_item_code(self):
        return self.cleaned_data["service_item_code"].strip().upper()

    def clean_provider_office_number(self):
        return (
            self.cleaned_data["provider_office_number"]
            .strip()
            .translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        )


class WeeklyAddForm(_WeeklyBase):
    weekdays = forms.TypedMultipleChoiceField(
        label="曜日",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "曜日を1つ以上選んでください。"},
    )
    field_order = [
        "weekdays",
        "start_time",
        "end_time",
        "content",
        "service_type_code",
        "service_item_code",
        "provider_office_number",
    ]


class WeeklyEditForm(_WeeklyBase):
    weekday = forms.TypedChoiceField(label="曜日", choices=Weekday.choices, coerce=int)
    field_order = [
        "weekday",
        "start_time",
        "end_time",
        "content",
        "service_type_code",
        "service_item_code",
        "provider_office_number",
    ]


class DailyForm(LockForm):
    start_time = JaTimeField(label="時刻（開始）", error_messages={"required": "時刻（開始）を入力してください。"})
    end_time = JaTimeField(label="時刻（終了）", required=False)
    content = forms.CharField(
        label="主な日常生活上の活動",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "例: 起床、昼食、入浴、就寝"}),
        error_messages={"required": "主な日常生活上の活動を入力してください。"},
    )


class NonWeeklyForm(LockForm):
    non_weekly_services = forms.CharField(
        label="週単位以外のサービス",
        required=False,
        widget=_textarea(3),
        help_text="1行に1つ（例: 福祉用具貸与（車いす）、通院（月1回 ○○病院））。",
    )


class DeliverForm(LockForm):
    explained_on = JaDateField(label="説明・同意日", required=False)
    delivered_on = JaDateField(label="交付日", error_messages={"required": "交付日を入力してください。"})
    delivered_to = forms.CharField(
        label="交付先（利用者本人・家族の氏名）",
        max_length=100,
        error_messages={"required": "交付先（利用者本人・家族の氏名）を入力してください。"},
    )
    delivered_by = forms.ModelChoiceField(label="説明・交付した職員", queryset=None)
    delivery_note = forms.CharField(label="記録（説明した内容・同意の状況など）", required=False, widget=_textarea(3))

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_by"].queryset = office.memberships.select_related("user").order_by("joined_at")
        self.fields["delivered_by"].label_from_instance = lambda m: m.name
        self.fields["delivered_by"].error_messages["required"] = "説明・交付した職員を選んでください。"
