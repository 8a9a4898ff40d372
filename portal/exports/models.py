"""データの書き出し: a ZIP of everything an office holds, made by the worker (a portal.jobs job)
and downloadable once (the file is deleted after the download)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped


def _export_path(export: DataExport, filename: str) -> str:
    return f"exports/{export.office_id}/export-{export.pk}.zip"


class DataExport(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="依頼者",
    )
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    file = models.FileField("ZIP", upload_to=_export_path, blank=True)
    size = models.PositiveBigIntegerField("サイズ", default=0)
    file_count = models.PositiveIntegerField("ファイル数", default=0)
    problems = models.JSONField("作成できなかったもの", default=list, blank=True)
    ready_at = models.DateTimeField("作成日時", null=True, blank=True)
    downloaded_at = models.DateTimeField("ダウンロード日時", null=True, blank=True)
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ダウンロードした人",
    )

    objects = office_scoped("office")

    class Meta:
        verbose_name = "データの書き出し"
        verbose_name_plural = "データの書き出し"
        ordering = ["-created_at", "-pk"]

    @property
    def download_name(self) -> str:
        return f"renkei-export-{self.office.office_number}-{self.created_at:%Y%m%d}.zip"
