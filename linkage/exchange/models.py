"""Exchange data of an office: its signing certificate, its outbox and its inbox."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped


class OfficeCertificate(models.Model):
    """電子証明書: an office's signing certificate with its private key (encrypted at rest).

    ``encrypted_private_key`` is a Fernet token (see linkage.exchange.crypto) of the PKCS#8 DER
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
