from django import forms

from portal.core.codes import SERVICE_KINDS, RegionalGrade
from portal.offices.models import Office, Role

SERVICE_KIND_CHOICES = [(code, f"{code} {name}") for code, name in SERVICE_KINDS.items()]


class OfficeRegisterForm(forms.ModelForm):
    display_name = forms.CharField(label="あなたの氏名", max_length=60, help_text="スタッフ一覧に表示されます。")
    service_type_codes = forms.MultipleChoiceField(
        label="提供するサービス種類", choices=SERVICE_KIND_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="居宅介護支援事業所は「43 居宅介護支援」を選んでください。複数選べます。",
        error_messages={"required": "サービス種類を1つ以上選んでください。"},
    )

    class Meta:
        model = Office
        fields = ["office_number", "name", "postal_code", "address", "phone", "regional_grade"]
        widgets = {
            "office_number": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "1310000001"}),
            "postal_code": forms.TextInput(attrs={"placeholder": "100-0001"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "03-1234-5678"}),
        }
        help_texts = {"office_number": "介護保険の事業所番号（半角数字10桁）。先頭2桁は都道府県番号です。"}


class OfficeSettingsForm(forms.ModelForm):
    class Meta:
        model = Office
        fields = ["name", "postal_code", "address", "phone", "regional_grade", "require_mfa"]


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="メールアドレス")
    role = forms.ChoiceField(label="役割", choices=Role.choices, initial=Role.CARE_MANAGER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="役割", choices=Role.choices)


class JoinForm(forms.Form):
    display_name = forms.CharField(label="あなたの氏名", max_length=60)


__all__ = ["OfficeRegisterForm", "OfficeSettingsForm", "StaffInviteForm", "RoleForm", "JoinForm", "RegionalGrade"]
