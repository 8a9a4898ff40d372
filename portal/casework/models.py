"""The care manager's own records of a 利用者 (issue 18).

- ``SupportLogEntry``: 第5表 居宅介護支援経過, one dated contact or event per row.
"""

from __future__ import annotations

from django.db import models

from portal.clients.models import Client
from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped


class ContactKind(models.TextChoices):
    """種別 of a 支援経過 entry (how the care manager was in contact)."""

    VISIT = "visit", "訪問"
    PHONE = "phone", "電話"
    OFFICE_VISIT = "office_visit", "来所"
    FAX = "fax", "FAX"
    EMAIL = "email", "メール"
    ONLINE = "online", "オンライン"
    MEETING = "meeting", "会議"
    OTHER = "other", "その他"


class SupportLogEntry(models.Model):
    """第5表 居宅介護支援経過: one entry of the chronological support log of a 利用者."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="support_log",
                               verbose_name="利用者")
    occurred_on = models.DateField("年月日")
    occurred_time = models.TimeField("時刻", null=True, blank=True)
    kind = models.CharField("種別", max_length=20, choices=ContactKind.choices)
    counterpart = models.CharField("相手", max_length=100, blank=True,
                                   help_text="例: 本人・長女、ひまわり訪問介護 サービス提供責任者")
    content = models.TextField("内容")
    written_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="記録者")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("occurred_on", "occurred_time", "pk")
        indexes = [models.Index(fields=("office", "client", "occurred_on"))]
        verbose_name = "居宅介護支援経過"
        verbose_name_plural = "居宅介護支援経過"

    def __str__(self) -> str:
        return f"支援経過 {self.pk}"
