"""Forms of the 利用者 register (labels as on the official forms)."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils import timezone

from portal.clients.models import CareLevel, Certification, Client, ClientService, KindLimit
from portal.core.codes import SERVICE_KINDS
from portal.core.forms import WarekiDateField, WarekiDateInput
from portal.offices.models import Membership, Role

DATE = WarekiDateInput()

SERVICE_KIND_CHOICES = [("", "選んでください")] + [
    (code, f"{code} {name}") for code, name in SERVICE_KINDS.items() if code not in ("43", "46")
]


def _half(value: str) -> str:
    """Full-width digits/letters → half-width (people type 被保険者番号 in 全角 too)."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _kana(value: str) -> str:
    """Hiragana and half-width katakana → full-width katakana."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in value)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "sex",
            "birth_date",
            "postal_code",
            "address",
            "address2",
            "phone",
            "insurer_number",
            "insurer_name",
            "insured_number",
            "plan_notified_on",
            "copay_ratio",
            "care_manager",
            "is_active",
            "ended_on",
        ]
        field_classes = {
            "birth_date": WarekiDateField,
            "plan_notified_on": WarekiDateField,
            "ended_on": WarekiDateField,
        }
        widgets = {
            "birth_date": DATE,
            "sex": forms.RadioSelect,
            "copay_ratio": forms.RadioSelect,
            "insurer_number": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "131011"}
            ),
            "insurer_name": forms.TextInput(attrs={"placeholder": "空欄で自動（例: 東京都千代田区）"}),
            "plan_notified_on": DATE,
            "ended_on": DATE,
            "insured_number": forms.TextInput(attrs={"autocomplete": "off", "placeholder": "0000123456"}),
            "postal_code": forms.TextInput(attrs={"placeholder": "160-0023", "autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "03-1234-5678"}),
        }
        help_texts = {
            "insurer_number": "介護保険被保険者証の「保険者番号」（半角数字6桁。6桁目は検証番号で、打ち間違いを確認します）。",
            "insured_number": "被保険者証の「番号」（半角数字10桁）。生活保護単独の方は H＋数字9桁。",
            "family_name_kana": "全角カタカナ（ひらがなで入力しても自動でカタカナにします）。",
            "copay_ratio": "負担割合証の割合。給付率は 1割→90%、2割→80%、3割→70% になります。",
            "is_active": "チェックを外すと「利用終了」になり、利用者一覧・ダッシュボード・サービス利用票に出なくなります。",
            "ended_on": (
                "利用（契約）が終わった日。空欄のまま「利用中」のチェックを外すと今日の日付が入ります。"
                "この日から事業所の記録の保存期間が過ぎると、この方の記録はすべて自動で削除されます。"
            ),
        }

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["care_manager"].queryset = (
            Membership.objects.filter(office=office, role__in=[Role.CARE_MANAGER, Role.ADMIN]).select_related("user")
            if office is not None
            else Membership.objects.none()
        )
        self.fields["care_manager"].empty_label = "（未定）"
        self.fields["sex"].choices = [c for c in self.fields["sex"].choices if c[0]]
        self.fields["birth_date"].widget.attrs["placeholder"] = "例: 昭和15年5月10日 / S15.5.10"

    def clean_insurer_number(self):
        return _half(self.cleaned_data["insurer_number"])

    def clean_insured_number(self):
        return _half(self.cleaned_data["insured_number"]).upper()

    def clean_family_name_kana(self):
        return _kana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self):
        return _kana(self.cleaned_data["given_name_kana"])

    def clean_postal_code(self):
        value = _half(self.cleaned_data["postal_code"])
        if value and re.fullmatch(r"\d{7}", value):
            value = f"{value[:3]}-{value[3:]}"
        if value and not re.fullmatch(r"\d{3}-\d{4}", value):
            raise forms.ValidationError("郵便番号は「123-4567」の形で入力してください。")
        return value

    def clean_phone(self):
        value = _half(self.cleaned_data["phone"])
        if value and not re.fullmatch(r"[0-9\-()]{6,15}", value):
            raise forms.ValidationError("電話番号は半角数字とハイフンで15文字以内で入力してください。")
        return value

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("生年月日が未来の日付になっています。")
        return value

    def clean(self):
        data = super().clean()
        ended = data.get("ended_on")
        if "is_active" in data and "ended_on" not in self.errors:
            if data["is_active"] and ended:
                self.add_error(
                    "ended_on",
                    "利用終了日を入れる場合は「利用中」のチェックを外してください"
                    "（利用を再開する場合は利用終了日を消してください）。",
                )
            elif not data["is_active"] and not ended:
                data["ended_on"] = timezone.localdate()
        if ended and data.get("birth_date") and ended < data["birth_date"]:
            self.add_error("ended_on", "利用終了日が生年月日より前になっています。")
        return data

    def validate_unique(self):
        """Uniqueness (保険者番号+被保険者番号 in the office) is checked by the service with a clear message."""


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["status", "care_level", "valid_from", "valid_to", "certified_on", "benefit_limit_units"]
        field_classes = {"valid_from": WarekiDateField, "valid_to": WarekiDateField, "certified_on": WarekiDateField}
        widgets = {
            "valid_from": DATE,
            "valid_to": DATE,
            "certified_on": DATE,
            "status": forms.RadioSelect,
            "benefit_limit_units": forms.NumberInput(attrs={"min": 0, "placeholder": "空欄で自動設定"}),
        }
        help_texts = {
            "care_level": "申請中の場合は見込みの区分を選んでください。",
            "benefit_limit_units": "空欄にすると要介護状態区分から設定します（例: 要介護1 16,765単位）。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_level"].choices = [("", "選んでください")] + list(CareLevel.choices)

    def clean(self):
        data = super().clean()  # valid_to < valid_from is reported by Certification.clean()
        certified = data.get("certified_on")
        if certified and data.get("status") == "1":
            self.add_error("certified_on", "認定状況が「申請中」のときは認定日を入力しないでください。")
        return data


class ClientServiceForm(forms.ModelForm):
    class Meta:
        model = ClientService
        fields = [
            "provider_office_number",
            "provider_name",
            "service_type_code",
            "satellite_branch",
            "discount_rate",
            "note",
        ]
        widgets = {
            "provider_office_number": forms.TextInput(
                attrs={"inputmode": "numeric", "placeholder": "1370000011", "size": 11}
            ),
            "provider_name": forms.TextInput(attrs={"placeholder": "空欄なら Renkei 登録の事業所名"}),
            "service_type_code": forms.Select(choices=SERVICE_KIND_CHOICES),
            "satellite_branch": forms.TextInput(attrs={"size": 3, "maxlength": 2, "placeholder": "空欄"}),
            "discount_rate": forms.NumberInput(attrs={"min": 1, "max": 99, "placeholder": "なし"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_name"].required = False

    def clean_provider_office_number(self):
        return _half(self.cleaned_data["provider_office_number"])


class KindLimitForm(forms.ModelForm):
    class Meta:
        model = KindLimit
        fields = ["service_type_code", "units"]
        widgets = {
            "service_type_code": forms.Select(choices=SERVICE_KIND_CHOICES),
            "units": forms.NumberInput(attrs={"min": 0}),
        }


class _BaseFormSet(forms.BaseModelFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", self.model.objects.none())
        super().__init__(*args, **kwargs)


ServiceFormSet = forms.modelformset_factory(
    ClientService, form=ClientServiceForm, formset=_BaseFormSet, extra=0, can_delete=True
)
KindLimitFormSet = forms.modelformset_factory(
    KindLimit, form=KindLimitForm, formset=_BaseFormSet, extra=0, can_delete=True
)


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label="検索（氏名・フリガナ・被保険者番号）",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例: ヤマダ / 山田 / 0000123456"}),
    )
    care_level = forms.ChoiceField(
        label="要介護状態区分", required=False, choices=[("", "すべて")] + list(CareLevel.choices)
    )
    expiring = forms.BooleanField(label="認定有効期間が60日以内に終わる利用者のみ", required=False)
    inactive = forms.BooleanField(label="利用終了の利用者も表示", required=False)
