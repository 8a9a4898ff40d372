from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.core.codes import CARE_MANAGEMENT_KINDS, RegionalGrade, service_kind_name
from portal.core.validators import validate_office_number
from portal.offices.tenancy import office_scoped


class OfficeKind(models.TextChoices):
    CARE_MANAGEMENT = "care_management", "居宅介護支援事業所"
    PROVIDER = "provider", "介護サービス事業所"


class Office(models.Model):
    """事業所: a tenant of the portal."""

    office_number = models.CharField(
        "事業所番号", max_length=10, unique=True, validators=[validate_office_number],
        error_messages={"unique": "この事業所番号はすでに登録されています。"},
    )
    name = models.CharField("事業所名", max_length=100)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("所在地", max_length=200)
    phone = models.CharField("電話番号", max_length=20)
    regional_grade = models.CharField("地域区分", max_length=1, choices=RegionalGrade.choices, default=RegionalGrade.OTHER)
    require_mfa = models.BooleanField(
        "スタッフに2段階認証を必須にする", default=False,
        help_text="オンにすると、認証アプリ（TOTP）を設定していないスタッフはこの事業所の画面を開く前に設定を求められます。",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    # 利用停止 (operator): sending and receiving stop, everything else (and all data) stays.
    # Separate from any verification state: see portal.offices.services.office_suspend.
    suspended_at = models.DateTimeField("利用停止日時", null=True, blank=True)
    suspension_reason = models.TextField("利用停止の理由", blank=True)
    # 契約終了: the office's records are kept RENKEI_RETENTION_YEARS after this day, then deleted
    # with the operator's confirmation (portal.offices.services.office_delete_after_retention).
    contract_ended_on = models.DateField("契約終了日", null=True, blank=True)

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


class OfficeStatusChange(models.Model):
    """The record of each 利用停止 / 再開 of an office by the operator (who, when, why)."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", "利用停止"
        RESUME = "resume", "利用再開"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="status_changes", verbose_name="事業所")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    reason = models.TextField("理由")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name="操作者")
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
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="確認した運営者")

    class Meta:
        verbose_name = "保存期間後の削除"
        verbose_name_plural = "保存期間後の削除"
        ordering = ["-deleted_at"]
