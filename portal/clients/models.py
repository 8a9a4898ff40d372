"""利用者 (Client) register: the person, their 認定 (certification) history, the
providers and services they use, and optional 種類支給限度.

Models carry no side effects; writes live in ``portal/clients/services.py``.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped

# --------------------------------------------------------------------------- codes


class Sex(models.TextChoices):
    MALE = "1", "男性"
    FEMALE = "2", "女性"


class CopayRatio(models.IntegerChoices):
    """負担割合 (1割/2割/3割)."""

    ONE = 1, "1割"
    TWO = 2, "2割"
    THREE = 3, "3割"


class CertificationStatus(models.TextChoices):
    """認定状況."""

    APPLYING = "1", "申請中"
    CERTIFIED = "2", "認定済"


class CareLevel(models.TextChoices):
    """要介護状態区分 (code as in the standard files)."""

    BUSINESS_TARGET = "06", "事業対象者"
    SUPPORT_1 = "12", "要支援1"
    SUPPORT_2 = "13", "要支援2"
    CARE_1 = "21", "要介護1"
    CARE_2 = "22", "要介護2"
    CARE_3 = "23", "要介護3"
    CARE_4 = "24", "要介護4"
    CARE_5 = "25", "要介護5"


# 区分支給限度基準額 (units per month) by care level — 令和元年10月改定, unchanged in 令和6年度.
# The dated table lives in portal.masters (BenefitLimit); this is the fallback used when the
# master is not loaded. 事業対象者 uses the 要支援1 amount.
DEFAULT_BENEFIT_LIMITS: dict[str, int] = {
    "06": 5032,
    "12": 5032,
    "13": 10531,
    "21": 16765,
    "22": 19705,
    "23": 27048,
    "24": 30938,
    "25": 36217,
}

# --------------------------------------------------------------------------- validators

_INSURER_RE = re.compile(r"\d{6}")
_INSURED_RE = re.compile(r"(?:\d{10}|H\d{9})")


def validate_insurer_number(value: str) -> None:
    """保険者番号: 6 digits, the last one the 検証番号 (see portal.clients.insurers)."""
    from portal.clients.insurers import insurer_check_digit, insurer_number_is_valid

    if not _INSURER_RE.fullmatch(value or ""):
        raise ValidationError(
            "保険者番号は半角数字6桁で入力してください（例: 131011）。入力値: %(value)s",
            code="insurer_number_format",
            params={"value": value},
        )
    if not insurer_number_is_valid(value):
        raise ValidationError(
            "保険者番号「%(value)s」の6桁目（検証番号）が合いません（先頭5桁が %(head)s なら6桁目は %(digit)s です）。"
            "被保険者証の保険者番号を確認してください。",
            code="insurer_number_check_digit",
            params={"value": value, "head": value[:5], "digit": insurer_check_digit(value[:5])},
        )


def validate_insured_number(value: str) -> None:
    """被保険者番号: 10 characters — 10 digits, or 'H' + 9 digits (生保単独)."""
    if not _INSURED_RE.fullmatch(value or ""):
        raise ValidationError(
            "被保険者番号は半角数字10桁で入力してください（生活保護単独の場合は先頭H＋数字9桁、例: H123456789）。"
            "入力値: %(value)s",
            code="insured_number_format",
            params={"value": value},
        )


def validate_office_number_digits(value: str) -> None:
    if not re.fullmatch(r"\d{10}", value or ""):
        raise ValidationError(
            "事業所番号は半角数字10桁で入力してください（例: 1370000011）。入力値: %(value)s",
            code="office_number_format",
            params={"value": value},
        )


_KATAKANA_RE = re.compile(r"[\u30A0-\u30FF\u3000 ]+")


def validate_katakana(value: str) -> None:
    if value and not _KATAKANA_RE.fullmatch(value):
        raise ValidationError(
            "フリガナは全角カタカナで入力してください。入力値: %(value)s",
            code="kana_format",
            params={"value": value},
        )


# --------------------------------------------------------------------------- models


class Client(models.Model):
    """利用者: a care recipient registered by an office."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="clients", verbose_name="事業所")
    family_name = models.CharField("氏名（姓）", max_length=30)
    given_name = models.CharField("氏名（名）", max_length=30)
    family_name_kana = models.CharField("フリガナ（姓）", max_length=60, validators=[validate_katakana])
    given_name_kana = models.CharField("フリガナ（名）", max_length=60, validators=[validate_katakana])
    sex = models.CharField("性別", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("生年月日")
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    address2 = models.CharField(
        "住所２（建物名・部屋番号）",
        max_length=200,
        blank=True,
        help_text="マンション名・部屋番号など。標準仕様CSVの「利用者住所２」になります。",
    )
    phone = models.CharField("電話番号", max_length=20, blank=True)
    insurer_number = models.CharField("保険者番号", max_length=6, validators=[validate_insurer_number])
    insurer_name = models.CharField(
        "保険者名",
        max_length=60,
        blank=True,
        help_text="空欄なら保険者番号から自動で入ります（同梱の保険者一覧、または事業所の登録済みの名前）。",
    )
    insured_number = models.CharField("被保険者番号", max_length=10, validators=[validate_insured_number])
    plan_notified_on = models.DateField(
        "届出年月日",
        null=True,
        blank=True,
        help_text="居宅サービス計画作成依頼届出書を保険者に届け出た日（サービス利用票・提供票に印字）。",
    )
    care_manager = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当介護支援専門員",
    )
    copay_ratio = models.PositiveSmallIntegerField("負担割合", choices=CopayRatio.choices, default=CopayRatio.ONE)
    is_active = models.BooleanField("利用中", default=True)
    # 利用終了日: the 利用者's own records (plans, 認定, consents …) are kept the office's retention
    # period after this day, then deleted (portal.offices.retention). Set when 利用中 is unticked.
    ended_on = models.DateField("利用終了日", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = office_scoped()

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        ordering = ["family_name_kana", "given_name_kana", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "insurer_number", "insured_number"],
                name="client_insured_unique_per_office",
                violation_error_message="この保険者番号・被保険者番号の利用者はすでに登録されています。",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}\u3000{self.given_name_kana}"

    def age_on(self, day: date) -> int:
        """Age (満年齢) on ``day``."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        from django.utils import timezone

        return self.age_on(timezone.localdate())

    @property
    def benefit_rate(self) -> int:
        """給付率 (%): 90 / 80 / 70 for 負担割合 1 / 2 / 3."""
        return 100 - 10 * int(self.copay_ratio)

    def certification_on(self, day: date) -> Certification | None:
        """The certification whose period contains ``day`` (latest start wins), or None.

        Uses the prefetched ``certifications`` when present (no extra query)."""
        found = None
        for cert in self.certifications.all():
            if cert.valid_from <= day <= cert.valid_to:
                if found is None or cert.valid_from > found.valid_from:
                    found = cert
        return found


class Certification(models.Model):
    """認定: one certification (or application) with its period and care level."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="certifications", verbose_name="利用者")
    status = models.CharField(
        "認定状況", max_length=1, choices=CertificationStatus.choices, default=CertificationStatus.CERTIFIED
    )
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices)
    valid_from = models.DateField("認定有効期間（開始）")
    valid_to = models.DateField("認定有効期間（終了）")
    certified_on = models.DateField("認定日", null=True, blank=True)
    benefit_limit_units = models.PositiveIntegerField(
        "区分支給限度基準額（単位）",
        null=True,
        blank=True,
        help_text="空欄の場合は要介護状態区分から自動で設定します。",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "認定"
        verbose_name_plural = "認定"
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_care_level_display()}（{self.valid_from}〜{self.valid_to}）"

    @property
    def limit_units(self) -> int:
        """区分支給限度基準額: the stored value, or the care level's default when blank."""
        if self.benefit_limit_units is not None:
            return self.benefit_limit_units
        return DEFAULT_BENEFIT_LIMITS.get(self.care_level, 0)

    @property
    def is_certified(self) -> bool:
        return self.status == CertificationStatus.CERTIFIED

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {
                    "valid_to": "認定有効期間の終了日が開始日より前になっています。終了日は開始日以降の日付を入力してください。"
                }
            )


class ClientService(models.Model):
    """A provider and service kind the client uses (identified by 事業所番号)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="services", verbose_name="利用者")
    provider_office_number = models.CharField("事業所番号", max_length=10, validators=[validate_office_number_digits])
    provider_name = models.CharField("事業所名", max_length=100)
    service_type_code = models.CharField("サービス種類コード", max_length=2)
    satellite_branch = models.CharField(
        "サテライト枝番",
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]{1,2}$", "サテライト枝番は半角英数字2文字以内で入力してください。")],
        help_text="サテライト事業所からサービスを受ける場合の枝番（事業所が定めた番号、なければ1, 2, 3…）。標準仕様CSVの「サテライト枝番」になります。",
    )
    discount_rate = models.PositiveSmallIntegerField(
        "割引後率（%）",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, "割引後率は1〜99の整数（%%）で入力してください。"),
            MaxValueValidator(99, "割引後率は1〜99の整数（%%）で入力してください（割引がない場合は空欄）。"),
        ],
        help_text="事業所が割引を行っている場合の割引後の率（例: 5%割引なら95）。第7表の割引後単位数（単位数×率、1単位未満四捨五入）に使われます。",
    )
    note = models.CharField("備考", max_length=200, blank=True)

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "利用サービス"
        verbose_name_plural = "利用サービス"
        ordering = ["service_type_code", "provider_office_number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "provider_office_number", "service_type_code"],
                name="client_service_unique",
                violation_error_message="同じ事業所・サービス種類がすでに登録されています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_name}（{self.service_type_code}）"


class KindLimit(models.Model):
    """種類支給限度基準額 set by the insurer for one service kind (optional)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="kind_limits", verbose_name="利用者")
    service_type_code = models.CharField("サービス種類コード", max_length=2)
    units = models.PositiveIntegerField("種類支給限度基準額（単位）")

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "種類支給限度"
        verbose_name_plural = "種類支給限度"
        ordering = ["service_type_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "service_type_code"],
                name="kind_limit_unique",
                violation_error_message="このサービス種類の種類支給限度はすでに登録されています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_code}: {self.units}"


class ClientDraft(models.Model):
    """The half-filled 利用者 registration form of one person in one office (autosave).

    Stored encrypted with ``RENKEI_ENCRYPTION_KEYS`` (it holds names, 被保険者番号…), scoped to
    the office, and expiring: ``core.purge_expired`` deletes it after ``RENKEI_CLIENT_DRAFT_HOURS``.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="入力した人"
    )
    encrypted_data = models.TextField("入力内容（暗号化）")
    saved_at = models.DateTimeField("保存日時")
    expires_at = models.DateTimeField("有効期限", db_index=True)

    objects = office_scoped()

    class Meta:
        verbose_name = "利用者登録の下書き"
        verbose_name_plural = "利用者登録の下書き"
        constraints = [models.UniqueConstraint(fields=["office", "author"], name="client_draft_unique_author")]
