"""Exchange data of an office: its signing certificate, its outbox and its inbox."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped


class CertificateSource(models.TextChoices):
    UPLOADED = "uploaded", "事業所が登録"
    ISSUED = "issued", "Renkeiが発行"


class OfficeCertificate(models.Model):
    """電子証明書: an office's signing certificate with its private key (encrypted at rest).

    ``encrypted_private_key`` is a Fernet token (see portal.core.crypto) of the PKCS#8 DER
    key; it is never shown, logged or exported again after upload. One certificate per office is
    active (the newest upload); older ones are kept for the record.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="certificates", verbose_name="事業所")
    subject = models.CharField("発行先（サブジェクト）", max_length=500)
    issuer = models.CharField("発行者", max_length=500)
    serial = models.CharField("シリアル番号", max_length=80)
    fingerprint = models.CharField("SHA-256フィンガープリント", max_length=64)
    not_before = models.DateTimeField("有効期間（開始）")
    not_after = models.DateTimeField("有効期限")
    certificate_pem = models.TextField("証明書（PEM）")
    encrypted_private_key = models.TextField("秘密鍵（暗号化済み）", editable=False)
    is_active = models.BooleanField("使用中", default=True)
    source = models.CharField(
        "入手元", max_length=10, choices=CertificateSource.choices, default=CertificateSource.UPLOADED
    )
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "電子証明書"
        verbose_name_plural = "電子証明書"
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office"], condition=models.Q(is_active=True), name="exchange_one_active_certificate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}（有効期限 {self.not_after:%Y-%m-%d}）"

    def __repr__(self) -> str:  # never include the key
        return f"<OfficeCertificate {self.pk} office={self.office_id}>"

    @property
    def is_expired(self) -> bool:
        return self.not_after <= timezone.now()

    @property
    def days_left(self) -> int:
        return (self.not_after - timezone.now()).days

    @property
    def expires_soon(self) -> bool:
        return not self.is_expired and self.not_after - timezone.now() <= dt.timedelta(days=30)


# --------------------------------------------------------------------------- outbox


class UnitKind(models.TextChoices):
    PLAN = "plan", "居宅サービス計画書（1表・2表・3表）"
    SCHEDULE = "schedule", "サービス利用票（6表・7表）"
    PLAN_DELETE = "plan_delete", "計画書1表の削除"
    SCHEDULE_DELETE = "schedule_delete", "6表（予定）の削除"
    ACTUAL = "actual", "サービス提供実績"
    ACTUAL_DELETE = "actual_delete", "実績の削除"


class Channel(models.TextChoices):
    HUB = "hub", "Renkei連携基盤"
    FILE = "file", "ファイル（国の連携システム）"


class PackageStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENDING = "sending", "送信中"
    SENT = "sent", "送信済"
    RECEIVED = "received", "受信済（相手）"
    IMPORTED = "imported", "取込済（相手）"
    REJECTED = "rejected", "取込エラー（相手）"
    ERROR = "error", "エラー"
    DOWNLOADED = "downloaded", "ファイル出力済"


FINAL_STATUSES = {PackageStatus.IMPORTED, PackageStatus.REJECTED, PackageStatus.ERROR, PackageStatus.DOWNLOADED}
DELIVERED_STATUSES = {PackageStatus.SENT, PackageStatus.RECEIVED, PackageStatus.IMPORTED, PackageStatus.REJECTED}


class SendBatch(models.Model):
    """One send action of a user (a month or a plan to several recipients): the progress bar's unit."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    label = models.CharField("内容", max_length=200)
    channel = models.CharField("送信方法", max_length=10, choices=Channel.choices, default=Channel.HUB)
    created_by = models.ForeignKey(
        "offices.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField("送信者", max_length=100, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "送信"
        verbose_name_plural = "送信"
        ordering = ["-created_at", "-pk"]


class Package(models.Model):
    """送信パッケージ (outbox row): one signed send unit to one recipient office + kind.

    Created in the same transaction as its send unit is built; a Celery task delivers it to the
    hub (claimed with a conditional UPDATE, retried with backoff). ``content`` is the signed ZIP.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    batch = models.ForeignKey(SendBatch, on_delete=models.CASCADE, related_name="packages", null=True, blank=True)
    package_id = models.UUIDField("パッケージID", unique=True)
    channel = models.CharField("送信方法", max_length=10, choices=Channel.choices, default=Channel.HUB)
    unit_kind = models.CharField("種類", max_length=20, choices=UnitKind.choices)
    month = models.DateField("対象年月", null=True, blank=True)
    sender_kind = models.CharField("送信元サービス種類", max_length=2)
    recipient_office_number = models.CharField("送信先事業所番号", max_length=10)
    recipient_kind = models.CharField("送信先サービス種類", max_length=2)
    recipient_name = models.CharField("送信先事業所名", max_length=100, blank=True)
    sequence = models.CharField("ファイル連番", max_length=14)
    file_names = models.JSONField("ファイル", default=list)
    client_ids = models.JSONField("利用者", default=list)
    client_count = models.PositiveIntegerField("利用者数", default=0)
    plan_id = models.PositiveIntegerField("居宅サービス計画", null=True, blank=True)
    content = models.BinaryField("署名済みパッケージ", editable=False)
    # the same package encrypted to the recipient's certificate(s), made once at the first delivery
    # attempt and kept so that a retry submits the very same bytes (the hub deduplicates by id + hash)
    sealed_content = models.BinaryField("暗号化済みパッケージ", editable=False, null=True, blank=True)
    size = models.PositiveIntegerField("サイズ", default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        "状態", max_length=12, choices=PackageStatus.choices, default=PackageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField("送信試行回数", default=0)
    last_error = models.TextField("最後のエラー", blank=True)
    next_attempt_at = models.DateTimeField("次の送信予定", null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    remote_detail = models.TextField("相手先からの通知", blank=True)
    created_by = models.ForeignKey(
        "offices.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    received_at = models.DateTimeField("相手の受信日時", null=True, blank=True)
    imported_at = models.DateTimeField("相手の取込日時", null=True, blank=True)
    hub_deleted_at = models.DateTimeField("連携基盤からの削除日時", null=True, blank=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "送信パッケージ"
        verbose_name_plural = "送信パッケージ"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "recipient_office_number", "recipient_kind", "sequence"],
                name="exchange_package_route_sequence_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_unit_kind_display()} → {self.recipient_office_number}"

    @property
    def status_class(self) -> str:
        if self.status in (PackageStatus.ERROR, PackageStatus.REJECTED):
            return "ng"
        if self.status in (
            PackageStatus.IMPORTED,
            PackageStatus.RECEIVED,
            PackageStatus.SENT,
            PackageStatus.DOWNLOADED,
        ):
            return "ok"
        return "warn"


class RouteSequence(models.Model):
    """The last ファイル連番 used on one sender → recipient route (locked when a new one is taken)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    recipient_office_number = models.CharField(max_length=10)
    recipient_kind = models.CharField(max_length=2)
    last = models.CharField(max_length=14)  # YYYYMMDDHHMMSS (JST), as in the file names

    objects = office_scoped("office")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "recipient_office_number", "recipient_kind"], name="exchange_route_sequence_unique"
            )
        ]


class HubSync(models.Model):
    """Per office: the last status update seen from the hub for its sent packages."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="+")
    sent_updated_after = models.CharField(max_length=40, blank=True)
    # received-package notices: counted here, mailed aggregated at most once per RENKEI_RECEIVED_NOTICE_MINUTES
    notice_pending = models.PositiveIntegerField(default=0)
    notice_sent_at = models.DateTimeField(null=True, blank=True)

    objects = office_scoped("office")


# --------------------------------------------------------------------------- inbox


class InboxStatus(models.TextChoices):
    RECEIVED = "received", "受信済（未取込）"
    IMPORTING = "importing", "取込中"
    PENDING_CLIENT = "pending_client", "利用者の確認待ち"
    IMPORTED = "imported", "取込済"
    REJECTED = "rejected", "エラー（取り込んでいません）"


class ReceivedPackage(models.Model):
    """受信パッケージ: a send unit received from the hub or uploaded as files; imported all-or-nothing."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    package_id = models.UUIDField("パッケージID")
    channel = models.CharField("受信方法", max_length=10, choices=Channel.choices, default=Channel.HUB)
    sender_office_number = models.CharField("送信元事業所番号", max_length=10)
    sender_kind = models.CharField("送信元サービス種類", max_length=2, blank=True)
    sender_name = models.CharField("送信元事業所名", max_length=100, blank=True)
    recipient_kind = models.CharField("送信先サービス種類", max_length=2, blank=True)
    unit_kind = models.CharField("種類", max_length=20, choices=UnitKind.choices, blank=True)
    month = models.DateField("対象年月", null=True, blank=True)
    sequence = models.CharField("ファイル連番", max_length=14, blank=True)
    files = models.JSONField("ファイル", default=list)  # [{"name": ..., "size": ...}]
    content = models.BinaryField("受信内容", editable=False)  # the package ZIP (or a ZIP of the uploaded CSVs)
    status = models.CharField(
        "状態", max_length=16, choices=InboxStatus.choices, default=InboxStatus.RECEIVED, db_index=True
    )
    error = models.TextField("エラー", blank=True)
    findings = models.JSONField("指摘事項", default=list)
    unknown_clients = models.JSONField("未登録の利用者", default=list)
    client_ids = models.JSONField("利用者", default=list)
    client_count = models.PositiveIntegerField("利用者数", default=0)
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    imported_at = models.DateTimeField("取込日時", null=True, blank=True)
    hub_acknowledged = models.CharField(max_length=10, blank=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "受信パッケージ"
        verbose_name_plural = "受信パッケージ"
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["office", "package_id"], name="exchange_received_unique")]

    @property
    def status_class(self) -> str:
        return {"imported": "ok", "rejected": "ng"}.get(self.status, "warn")


class ClientAlias(models.Model):
    """A received 保険者番号 + 被保険者番号 matched by a user to one of the office's 利用者."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    insurer_number = models.CharField(max_length=6)
    insured_number = models.CharField(max_length=10)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")

    objects = office_scoped("office")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "insurer_number", "insured_number"], name="exchange_client_alias_unique"
            )
        ]


class ReceivedPlan(models.Model):
    """居宅サービス計画書 received from a care-management office (1表 + 2表 + 3表 + 補足, as sent)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name="利用者")
    sender_office_number = models.CharField("送信元事業所番号", max_length=10)
    plan_date = models.DateField("居宅サービス計画作成（変更）日")
    sequence = models.CharField("ファイル連番", max_length=14)
    package = models.ForeignKey(ReceivedPackage, on_delete=models.SET_NULL, null=True, related_name="+")
    table1 = models.JSONField(default=dict)
    table2 = models.JSONField(default=list)
    table3 = models.JSONField(default=list)
    hosoku = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ["-plan_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "client", "sender_office_number", "plan_date"], name="exchange_received_plan_unique"
            )
        ]


class ReceivedSchedule(models.Model):
    """A 利用票 (6表 予定 + 7表 + 補足) received for one 利用者 and month; the 6表 goes into ServiceSchedule."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name="利用者")
    month = models.DateField("対象年月")
    sender_office_number = models.CharField("送信元事業所番号", max_length=10)
    sequence = models.CharField("ファイル連番", max_length=14)
    package = models.ForeignKey(ReceivedPackage, on_delete=models.SET_NULL, null=True, related_name="+")
    schedule = models.ForeignKey("schedules.ServiceSchedule", on_delete=models.SET_NULL, null=True, related_name="+")
    annex = models.JSONField("第7表", default=list)
    hosoku = models.JSONField("利用者補足情報", default=dict)
    received_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "client", "month", "sender_office_number"], name="exchange_received_schedule_unique"
            )
        ]


class ActualSource(models.Model):
    """The ファイル連番 of the last 実績 imported per (利用者, month, provider, kind): older ones are not applied."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    provider_office_number = models.CharField(max_length=10)
    service_type_code = models.CharField(max_length=2)
    sequence = models.CharField(max_length=14)

    objects = office_scoped("office")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "client", "month", "provider_office_number", "service_type_code"],
                name="exchange_actual_source_unique",
            )
        ]
