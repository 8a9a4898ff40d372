from django import forms

from portal.core.codes import SERVICE_KINDS, RegionalGrade
from portal.offices.models import (
    RETENTION_MAX_YEARS,
    RETENTION_MIN_YEARS,
    RETENTION_RANGE_MESSAGE,
    Office,
    Role,
    VerificationMethod,
)

SERVICE_KIND_CHOICES = [(code, f"{code} {name}") for code, name in SERVICE_KINDS.items()]


class OfficeRegisterForm(forms.ModelForm):
    display_name = forms.CharField(label="あなたの氏名", max_length=60, help_text="スタッフ一覧に表示されます。")
    service_type_codes = forms.MultipleChoiceField(
        label="提供するサービス種類",
        choices=SERVICE_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="居宅介護支援事業所は「43 居宅介護支援」を選んでください。複数選べます。",
        error_messages={"required": "サービス種類を1つ以上選んでください。"},
    )

    class Meta:
        model = Office
        fields = ["office_number", "name", "postal_code", "address", "phone", "regional_grade"]
        widgets = {
            "office_number": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "1310000001"}
            ),
            "postal_code": forms.TextInput(attrs={"placeholder": "100-0001"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "03-1234-5678"}),
        }
        help_texts = {"office_number": "介護保険の事業所番号（半角数字10桁）。先頭2桁は都道府県番号です。"}


class RetentionYearsField(forms.CharField):
    """記録の保存期間: a number of years, typed as 「5」「５」 or 「5年」; 2–10."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "size": 4, "maxlength": 6})

    def to_python(self, value):
        text = super().to_python(value)
        text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).strip()
        text = text.removesuffix("年").strip()
        if not text:
            return None
        if not text.isdigit():
            raise forms.ValidationError("記録の保存期間は年数を半角数字で入力してください（例: 5）。")
        years = int(text)
        if not RETENTION_MIN_YEARS <= years <= RETENTION_MAX_YEARS:
            raise forms.ValidationError(RETENTION_RANGE_MESSAGE)
        return years


class OfficeSettingsForm(forms.ModelForm):
    retention_years = RetentionYearsField(
        label="記録の保存期間（年）",
        help_text=(
            f"サービス提供月から、または利用者の利用終了日から、この年数が過ぎた記録を自動で削除します"
            f"（{RETENTION_MIN_YEARS}〜{RETENTION_MAX_YEARS}年。介護保険法の運営基準の最低限は{RETENTION_MIN_YEARS}年、"
            "多くの保険者（市町村）は5年を求めています。保険者の定めを確認してください）。"
        ),
        error_messages={"required": "記録の保存期間（年数）を入力してください。"},
    )

    class Meta:
        model = Office
        fields = ["name", "postal_code", "address", "phone", "regional_grade", "require_mfa", "retention_years"]


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="メールアドレス")
    role = forms.ChoiceField(label="役割", choices=Role.choices, initial=Role.CARE_MANAGER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="役割", choices=Role.choices)


class JoinForm(forms.Form):
    display_name = forms.CharField(label="あなたの氏名", max_length=60)


class VerificationRequestForm(forms.Form):
    method = forms.ChoiceField(
        label="確認の方法",
        choices=VerificationMethod.choices,
        widget=forms.RadioSelect,
        initial=VerificationMethod.DOCUMENT,
        error_messages={"required": "確認の方法を選んでください。"},
    )
    document = forms.FileField(
        label="指定通知書（PDF・JPEG）",
        required=False,
        help_text="都道府県・市町村から届いた「指定（許可）通知書」をスキャンしたもの。事業所番号と事業所名が読めるもの。",
    )
    note = forms.CharField(
        label="運営者への連絡事項",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="公開情報での確認を選んだ場合は、介護サービス情報公表システムの事業所ページのURLなどを書いてください。",
    )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            from portal.partners.services import consent_document_check

            try:
                consent_document_check(document)
            except forms.ValidationError as error:
                raise forms.ValidationError(error.message_dict.get("document", error.messages)) from None
        return document


class OfficeNumberClaimForm(forms.Form):
    office_number = forms.CharField(
        label="異議を申し立てる事業所番号",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    claimant_office_name = forms.CharField(label="あなたの事業所名", max_length=100)
    claimant_name = forms.CharField(label="あなたの氏名", max_length=60)
    phone = forms.CharField(
        label="事業所の電話番号", max_length=20, help_text="運営者が事業所の代表番号に確認の電話をします。"
    )
    document = forms.FileField(
        label="指定通知書（PDF・JPEG）", error_messages={"required": "指定通知書（PDF・JPEG）を選んでください。"}
    )
    message = forms.CharField(
        label="申立ての内容", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_document(self):
        from portal.partners.services import consent_document_check

        document = self.cleaned_data["document"]
        try:
            consent_document_check(document)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict.get("document", error.messages)) from None
        return document


class VerificationDecisionForm(forms.Form):
    reason = forms.CharField(
        label="理由（却下のときは必須。事業所に表示されます）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimDecisionForm(forms.Form):
    reason = forms.CharField(
        label="判断の理由（申立人と事業所の記録に残ります）",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "判断の理由を入力してください。"},
    )


__all__ = [
    "OfficeRegisterForm",
    "OfficeSettingsForm",
    "StaffInviteForm",
    "RoleForm",
    "JoinForm",
    "RegionalGrade",
    "VerificationRequestForm",
    "OfficeNumberClaimForm",
    "VerificationDecisionForm",
    "ClaimDecisionForm",
]
