from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from portal.core.codes import CARE_MANAGEMENT_KINDS, RegionalGrade, service_kind_name
from portal.core.validators import validate_office_number
from portal.offices.tenancy import office_scoped

# 記録の保存期間 (years), set by each office's admin at 事業所設定. 2 years is the minimum of the
# 介護保険法's 運営基準 (e.g. 指定居宅介護支援等の事業の人員及び運営に関する基準 第29条: two years after
# the record is complete); many municipalities require 5 (the limitation period of 介護給付費 claims).
RETENTION_MIN_YEARS = 2
RETENTION_MAX_YEARS = 10
RETENTION_RANGE_MESSAGE = (
    f"記録の保存期間は{RETENTION_MIN_YEARS}年以上{RETENTION_MAX_YEARS}年以下で入力してください"
    f"（{RETENTION_MIN_YEARS}年は介護保険法の運営基準で定められた最低限の期間です）。"
)


def default_retention_years() -> int:
    return settings.RENKEI_RETENTION_YEARS


class OfficeKind(models.TextChoices):
    CARE_MANAGEMENT = "care_management", "居宅介護支援事業所"
    PROVIDER = "provider", "介護サービス事業所"


class VerificationStatus(models.TextChoices):
    """事業所の本人確認: only a verified office exchanges data, receives invitations by number and
    appears to partners. An unverified office can prepare its data."""

    UNVERIFIED = "unverified", "未確認"
    PENDING = "pending", "確認待ち"
    VERIFIED = "verified", "確認済み"
    REJECTED = "rejected", "確認できませんでした"


class VerificationMethod(models.TextChoices):
    DOCUMENT = "document", "指定通知書をアップロードする"
    REGISTER = "register", "公開されている介護事業所の情報で確認してもらう"


class Office(models.Model):
    """事業所: a tenant of the portal."""

    office_number = models.CharField(
        "事業所番号",
        max_length=10,
        unique=True,
        validators=[validate_office_number],
        error_messages={"unique": "この事業所番号はすでに登録されています。"},
    )
    name = models.CharField("事業所名", max_length=100)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("所在地", max_length=200)
    phone = models.CharField("電話番号", max_length=20)
    regional_grade = models.CharField(
        "地域区分", max_length=1, choices=RegionalGrade.choices, default=RegionalGrade.OTHER
    )
    require_mfa = models.BooleanField(
        "スタッフに2段階認証を必須にする",
        default=False,
        help_text="オンにすると、認証アプリ（TOTP）を設定していないスタッフはこの事業所の画面を開く前に設定を求められます。",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    verification_status = models.CharField(
        "本人確認",
        max_length=12,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        db_index=True,
    )
    verification_method = models.CharField("確認方法", max_length=10, choices=VerificationMethod.choices, blank=True)
    verification_document = models.FileField("指定通知書", upload_to="verification/", blank=True)
    verification_note = models.TextField("運営者への連絡事項", blank=True)
    verification_requested_at = models.DateTimeField("確認の申請日時", null=True, blank=True)
    verified_at = models.DateTimeField("確認日時", null=True, blank=True)
    verification_reason = models.TextField("確認できなかった理由", blank=True)
    # 利用停止 (operator): sending and receiving stop, everything else (and all data) stays.
    # Separate from any verification state: see portal.offices.services.office_suspend.
    suspended_at = models.DateTimeField("利用停止日時", null=True, blank=True)
    suspension_reason = models.TextField("利用停止の理由", blank=True)
    # 契約終了: the office's records are kept ``retention_years`` after this day, then deleted
    # with the operator's confirmation (portal.offices.services.office_delete_after_retention).
    contract_ended_on = models.DateField("契約終了日", null=True, blank=True)
    # 記録の保存期間: month records are kept this many years after their service month, a 利用者's
    # own records this many years after 利用終了; then the beat task offices.retention deletes them
    # (portal.offices.retention). Also the period after 契約終了 before the whole office is deleted.
    retention_years = models.PositiveSmallIntegerField(
        "記録の保存期間（年）",
        default=default_retention_years,
        validators=[
            MinValueValidator(RETENTION_MIN_YEARS, RETENTION_RANGE_MESSAGE),
            MaxValueValidator(RETENTION_MAX_YEARS, RETENTION_RANGE_MESSAGE),
        ],
    )

    class Meta:
        verbose_name = "事業所"
        verbose_name_plural = "事業所"
        ordering = ["office_number"]

    def __str__(self) -> str:
        return f"{self.name}（{self.office_number}）"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def service_type_codes(self) -> list[str]:
        return [kind.service_type_code for kind in self.service_kinds.all()]

    @property
    def kind(self) -> str:
        codes = set(self.service_type_codes)
        return OfficeKind.CARE_MANAGEMENT if codes & CARE_MANAGEMENT_KINDS else OfficeKind.PROVIDER

    @property
    def is_care_management(self) -> bool:
        return self.kind == OfficeKind.CARE_MANAGEMENT

    @property
    def kind_label(self) -> str:
        return OfficeKind(self.kind).label

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class OfficeServiceKind(models.Model):
    """A サービス種類コード the office provides (43 for a care-management office)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="service_kinds")
    service_type_code = models.CharField("サービス種類コード", max_length=2)

    class Meta:
        verbose_name = "提供サービス種類"
        verbose_name_plural = "提供サービス種類"
        ordering = ["service_type_code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "service_type_code"], name="office_service_kind_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_code} {service_kind_name(self.service_type_code)}"

    @property
    def label(self) -> str:
        return str(self)


class Role(models.TextChoices):
    ADMIN = "admin", "管理者"
    CARE_MANAGER = "care_manager", "介護支援専門員"
    CLERK = "clerk", "事務職員"
    SERVICE_STAFF = "service_staff", "サービス提供責任者・スタッフ"


class Membership(models.Model):
    """A person's membership of an office, with a role."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("役割", max_length=20, choices=Role.choices)
    display_name = models.CharField("氏名", max_length=60, blank=True)
    joined_at = models.DateTimeField("参加日時", auto_now_add=True)

    class Meta:
        verbose_name = "メンバー"
        verbose_name_plural = "メンバー"
        ordering = ["office", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["office", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def name(self) -> str:
        return self.display_name or self.user.email

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class StaffInvitation(models.Model):
    """An invitation for a person to join an office; single use, expires."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField("メールアドレス")
    role = models.CharField("役割", max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有効期限")
    accepted_at = models.DateTimeField("参加日時", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)

    objects = office_scoped()

    class Meta:
        verbose_name = "スタッフ招待"
        verbose_name_plural = "スタッフ招待"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email}（{self.get_role_display()}）"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status_label(self) -> str:
        if self.accepted_at:
            return "参加済み"
        if self.revoked_at:
            return "取消済み"
        if self.expires_at <= timezone.now():
            return "期限切れ"
        return "招待中"


class VerificationAction(models.TextChoices):
    REQUESTED = "requested", "本人確認の申請"
    APPROVED = "approved", "本人確認の承認"
    REJECTED = "rejected", "本人確認の却下"
    CONTESTED = "contested", "事業所番号への異議"
    CONTEST_UPHELD = "contest_upheld", "異議を認めた"
    CONTEST_DISMISSED = "contest_dismissed", "異議を退けた"
    CERTIFICATE_ISSUED = "certificate_issued", "電子証明書の発行"


class VerificationEvent(models.Model):
    """The trail of an office's 本人確認 and of claims on its 事業所番号 (append only, ids and reasons)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="verification_events")
    occurred_at = models.DateTimeField("日時", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("操作した人", max_length=120, blank=True)
    action = models.CharField("操作", max_length=20, choices=VerificationAction.choices)
    reason = models.TextField("理由・内容", blank=True)
    claim = models.ForeignKey("OfficeNumberClaim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = office_scoped()

    class Meta:
        verbose_name = "本人確認の記録"
        verbose_name_plural = "本人確認の記録"
        ordering = ["-occurred_at", "-pk"]


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "確認中"
    UPHELD = "upheld", "異議を認めた"
    DISMISSED = "dismissed", "異議を退けた"


class OfficeNumberClaim(models.Model):
    """A person says a 事業所番号 already registered on Renkei is theirs; the operator decides.

    Not office-scoped on purpose: the claimed office must not see who contests it; only the claimant
    (by login) and the operator (scopes disabled) read it.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="異議の対象の事業所")
    office_number = models.CharField("事業所番号", max_length=10)
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    claimant_office_name = models.CharField("申立人の事業所名", max_length=100)
    claimant_name = models.CharField("申立人の氏名", max_length=60)
    phone = models.CharField("電話番号", max_length=20)
    message = models.TextField("申立ての内容", blank=True)
    document = models.FileField("指定通知書", upload_to="verification/claims/")
    status = models.CharField("状態", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    created_at = models.DateTimeField("申立日時", auto_now_add=True)
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField("判断の理由", blank=True)

    class Meta:
        verbose_name = "事業所番号への異議"
        verbose_name_plural = "事業所番号への異議"
        ordering = ["-created_at"]


class OfficeStatusChange(models.Model):
    """The record of each 利用停止 / 再開 of an office by the operator (who, when, why)."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", "利用停止"
        RESUME = "resume", "利用再開"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="status_changes", verbose_name="事業所")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    reason = models.TextField("理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作者",
    )
    at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "事業所の利用停止・再開"
        verbose_name_plural = "事業所の利用停止・再開"
        ordering = ["-at", "-pk"]


class OfficeDeletion(models.Model):
    """The record that an office's data was deleted after its retention period (no personal data)."""

    office_number = models.CharField("事業所番号", max_length=10)
    contract_ended_on = models.DateField("契約終了日")
    deleted_at = models.DateTimeField("削除日時", auto_now_add=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="確認した運営者",
    )

    class Meta:
        verbose_name = "保存期間後の削除"
        verbose_name_plural = "保存期間後の削除"
        ordering = ["-deleted_at"]


class RetentionRun(models.Model):
    """The audit record of one run of the retention task for one office that deleted something:
    the counts per kind of record (model label → rows), the period and the cut-offs. No personal data."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    ran_at = models.DateTimeField("削除日時", default=timezone.now)
    years = models.PositiveSmallIntegerField("保存期間（年）")
    month_cutoff = models.DateField("この月より前のサービス提供月の記録を削除")
    ended_cutoff = models.DateField("この日より前に利用終了した利用者を削除")
    counts = models.JSONField("削除した件数", default=dict)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "保存期間を過ぎた記録の削除"
        verbose_name_plural = "保存期間を過ぎた記録の削除"
        ordering = ["-ran_at", "-pk"]

    @property
    def total(self) -> int:
        return sum(self.counts.values())
