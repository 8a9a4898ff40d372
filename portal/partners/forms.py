from django import forms
from django.utils import timezone

from portal.core.codes import SERVICE_KINDS
from portal.core.forms import WarekiDateField, WarekiDateInput
from portal.offices.models import Membership
from portal.partners.models import AuditAction, ConsentMethod, ConsentScope, Partnership

ALL_KIND_CHOICES = [(code, f"{code} {name}") for code, name in SERVICE_KINDS.items()]
OFFICE_NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "placeholder": "1370000011", "maxlength": "10"}


def kind_choices(codes) -> list[tuple[str, str]]:
    return [(code, f"{code} {SERVICE_KINDS.get(code, code)}") for code in codes]


class DateInput(WarekiDateInput):
    """Dates on the partner pages are typed in 和暦 or 西暦 like everywhere else."""

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PartnerInviteForm(forms.Form):
    invitee_office_number = forms.CharField(
        label="相手の事業所番号",
        max_length=10,
        widget=forms.TextInput(attrs=OFFICE_NUMBER_ATTRS),
        help_text="介護保険の事業所番号（半角数字10桁）。",
        error_messages={"required": "相手の事業所番号を入力してください。"},
    )
    invitee_name = forms.CharField(
        label="相手の事業所名",
        max_length=100,
        required=False,
        help_text="相手がまだ Renkei に登録していない場合に入力してください（一覧での表示用）。",
    )
    invitee_email = forms.EmailField(
        label="相手のメールアドレス",
        required=False,
        help_text="相手がまだ Renkei に登録していない場合は必須です。登録方法と招待の案内をこの宛先に送ります。",
        error_messages={"invalid": "メールアドレスの形式が正しくありません（例: info@example.jp）。"},
    )
    service_type_codes = forms.MultipleChoiceField(
        label="連携の対象にするサービス種類",
        choices=ALL_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="サービス事業所のサービス種類から選びます。相手がサービス事業所なら相手の、あなたがサービス事業所ならあなたのサービス種類です。",
        error_messages={"required": "連携の対象にするサービス種類を1つ以上選んでください。"},
    )
    message = forms.CharField(
        label="メッセージ",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="相手の管理者に表示されます。利用者の個人情報は書かないでください。",
    )

    def __init__(self, *args, kind_codes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind_codes is not None:
            self.fields["service_type_codes"].choices = kind_choices(kind_codes)

    def clean(self):
        """Say every missing thing at once: an office not on Renkei needs an email (the service checks again)."""
        from portal.offices.models import Office

        cleaned = super().clean()
        number = (cleaned.get("invitee_office_number") or "").strip()
        if (
            number.isdigit()
            and len(number) == 10
            and not cleaned.get("invitee_email")
            and "invitee_email" not in self.errors
            and not Office.objects.filter(verification_status="verified", office_number=number).exists()
        ):
            self.add_error(
                "invitee_email",
                f"事業所番号 {number} の事業所はまだ Renkei に登録されていません。"
                "招待メールを送る相手の事業所のメールアドレスを入力してください。",
            )
        return cleaned


class InvitationAcceptForm(forms.Form):
    service_type_codes = forms.MultipleChoiceField(
        label="連携の対象にするサービス種類",
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "連携の対象にするサービス種類を1つ以上選んでください。"},
    )

    def __init__(self, *args, kind_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type_codes"].choices = kind_choices(kind_codes)
        self.fields["service_type_codes"].initial = list(kind_codes)


class InvitationDeclineForm(forms.Form):
    reason = forms.CharField(label="辞退の理由（任意）", max_length=200, required=False)


class ExternalPartnerForm(forms.Form):
    partner_office_number = forms.CharField(
        label="事業所番号",
        max_length=10,
        widget=forms.TextInput(attrs=OFFICE_NUMBER_ATTRS),
        error_messages={"required": "事業所番号を入力してください。"},
    )
    partner_name = forms.CharField(
        label="事業所名", max_length=100, error_messages={"required": "事業所名を入力してください。"}
    )
    service_type_codes = forms.MultipleChoiceField(
        label="連携の対象にするサービス種類",
        choices=ALL_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "連携の対象にするサービス種類を1つ以上選んでください。"},
    )
    note = forms.CharField(
        label="メモ",
        max_length=200,
        required=False,
        help_text="使っている介護ソフト、連絡先など（利用者の個人情報は書かないでください）。",
    )
    contact_email = forms.EmailField(
        label="連絡先メールアドレス（任意）",
        required=False,
        help_text="介護ソフトを使っていない事業所に、提供票のリンクをお知らせするアドレス。",
        error_messages={"invalid": "連絡先メールアドレスの形式が正しくありません（例: office@example.jp）。"},
    )
    paper_only = forms.BooleanField(
        label="紙のみ（メールを使わない）",
        required=False,
        help_text="送付状を印刷して郵送・FAX し、QR コードで提供票のページを案内します。",
    )

    def __init__(self, *args, kind_codes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind_codes is not None:
            self.fields["service_type_codes"].choices = kind_choices(kind_codes)


class PartnershipEndForm(forms.Form):
    reason = forms.CharField(
        label="終了の理由（任意）", max_length=200, required=False, help_text="相手の事業所にもメールで伝わります。"
    )


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.full_name_kana}）"


class PartnershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.partner_office_number}・{obj.kinds_label}）"


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class ConsentForm(forms.Form):
    client = ClientChoiceField(
        label="利用者",
        queryset=None,
        empty_label="選んでください",
        error_messages={
            "required": "利用者を選んでください。",
            "invalid_choice": "選んだ利用者が見つかりません。もう一度選んでください。",
        },
    )
    partnership = PartnershipChoiceField(
        label="連携先",
        queryset=None,
        empty_label="選んでください",
        error_messages={
            "required": "連携先を選んでください。",
            "invalid_choice": "選んだ連携先は連携中ではありません。もう一度選んでください。",
        },
    )
    obtained_on = WarekiDateField(label="同意日", error_messages={"required": "同意を得た日を入力してください。"})
    obtained_by = MembershipChoiceField(
        label="同意を得た職員", queryset=None, required=False, empty_label="（記録しない）"
    )
    method = forms.ChoiceField(
        label="同意の方法", choices=ConsentMethod.choices, initial=ConsentMethod.WRITTEN, widget=forms.RadioSelect
    )
    scopes = forms.MultipleChoiceField(
        label="同意の範囲",
        choices=ConsentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(ConsentScope.values),
        error_messages={"required": "同意の範囲を1つ以上選んでください。"},
    )
    document = forms.FileField(
        label="同意書のスキャン（任意）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,.pdf,.jpg,.jpeg"}),
        help_text="PDF か JPEG。この事業所のスタッフだけが開けます。入力に誤りがあった場合は、ファイルをもう一度選んでください。",
    )
    note = forms.CharField(label="備考", max_length=200, required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.clients.models import Client

        self.fields["client"].queryset = Client.objects.filter(office=office)
        self.fields["partnership"].queryset = Partnership.objects.filter(
            office=office, ended_at__isnull=True
        ).select_related("partner_office")
        self.fields["obtained_by"].queryset = (
            Membership.objects.filter(office=office).select_related("user").order_by("joined_at")
        )
        from django.conf import settings

        self.fields["document"].help_text = (
            f"PDF か JPEG（{settings.RENKEI_CONSENT_MAX_BYTES // (1024 * 1024)}MBまで）。この事業所のスタッフだけが開けます。"
            "入力に誤りがあった場合は、ファイルをもう一度選んでください。"
        )

    def clean_obtained_on(self):
        """Told together with the other mistakes; the service checks again."""
        from portal.core.wareki import wareki_date

        value = self.cleaned_data["obtained_on"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(
                f"同意日に未来の日付（{wareki_date(value)}）は入力できません。今日は{wareki_date(today)}です。"
            )
        return value

    def clean_document(self):
        from django.core.exceptions import ValidationError

        from portal.partners.services import consent_document_check

        upload = self.cleaned_data.get("document")
        if upload:
            try:
                consent_document_check(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["document"])
        return upload


class ConsentRevokeForm(forms.Form):
    revoked_on = WarekiDateField(
        label="撤回日", initial=timezone.localdate, error_messages={"required": "撤回日を入力してください。"}
    )
    revocation_reason = forms.CharField(
        label="撤回の理由",
        max_length=200,
        error_messages={"required": "撤回の理由を入力してください（例: 利用者本人からの申し出）。"},
    )


class AuditFilterForm(forms.Form):
    date_from = WarekiDateField(label="期間（から）", required=False)
    date_to = WarekiDateField(label="期間（まで）", required=False)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "すべて")] + list(AuditAction.choices))
    client = ClientChoiceField(label="利用者", queryset=None, required=False, empty_label="すべて")
    partner = forms.ChoiceField(label="連携先", required=False)

    def __init__(self, *args, office, partner_choices, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        from portal.clients.models import Client

        self.fields["client"].queryset = Client.objects.filter(office=office)
        self.fields["partner"].choices = [("", "すべて")] + partner_choices

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "期間の終了日が開始日より前になっています。")
        return cleaned


class ConsentFilterForm(forms.Form):
    client = ClientChoiceField(label="利用者", queryset=None, required=False, empty_label="すべて")
    partnership = PartnershipChoiceField(label="連携先", queryset=None, required=False, empty_label="すべて")
    status = forms.ChoiceField(
        label="状態", required=False, choices=[("", "すべて"), ("active", "有効"), ("revoked", "撤回済み")]
    )

    def __init__(self, *args, office, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        from portal.clients.models import Client

        self.fields["client"].queryset = Client.objects.filter(office=office)
        self.fields["partnership"].queryset = Partnership.objects.filter(office=office).select_related("partner_office")
