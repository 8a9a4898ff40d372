"""帳票PDF: batch jobs that the worker turns into one PDF.

Single documents are rendered on request and never stored; a batch (all
サービス提供票 of a month, for one provider or all) is a ``DocumentJob`` that a
Celery task renders and stores privately under MEDIA_ROOT. The file is served
only through an office-scoped view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped


class DocumentKind(models.TextChoices):
    """What a document or batch contains (values are used in URLs and audit records)."""

    PROVISION = "provision", "サービス提供票・別表"
    USAGE = "usage", "サービス利用票・別表"
    CAREPLAN = "careplan", "居宅サービス計画書（第1表〜第3表）"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "作成中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


def _job_file_path(job: DocumentJob, filename: str) -> str:
    return f"documents/{job.office_id}/{job.month:%Y%m}/job-{job.pk}.pdf"


class DocumentJob(models.Model):
    """A batch of PDFs rendered by the worker into one file (サービス提供票 of a month)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="document_jobs", verbose_name="事業所")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成者",
    )
    kind = models.CharField("帳票の種類", max_length=20, choices=DocumentKind.choices, default=DocumentKind.PROVISION)
    month = models.DateField("サービス提供年月")  # the first day of the month
    provider_office_number = models.CharField(
        "サービス事業所番号",
        max_length=10,
        blank=True,
        help_text="空欄はすべての事業所",
    )
    provider_name = models.CharField("サービス事業所名", max_length=100, blank=True)
    status = models.CharField("状態", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField("対象件数", default=0)
    done = models.PositiveIntegerField("作成済み件数", default=0)
    page_count = models.PositiveIntegerField("ページ数", default=0)
    file = models.FileField("PDF", upload_to=_job_file_path, blank=True)
    error = models.TextField("エラー", blank=True)
    skipped = models.JSONField("作成できなかった票と理由", default=list, blank=True)
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    objects = office_scoped()

    class Meta:
        verbose_name = "帳票一括作成"
        verbose_name_plural = "帳票一括作成"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}（{self.provider_label}）"

    @property
    def provider_label(self) -> str:
        if not self.provider_office_number:
            return "すべての事業所"
        return self.provider_name or self.provider_office_number

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def download_name(self) -> str:
        return f"service-provision-{self.month:%Y%m}-{self.provider_office_number or 'all'}.pdf"


def _sheet_pdf_path(row: SheetPDF, filename: str) -> str:
    return f"documents/{row.office_id}/sheets/{row.schedule_id}/{row.digest[:32]}.pdf"


class SheetPDF(models.Model):
    """A single サービス提供票・利用票 PDF rendered once and served again while its content is the same.

    ``digest`` is the SHA-256 of the HTML the PDF was made from: any change that shows on the form
    (the schedule's lines, the 利用者, the 認定, the masters, the sent snapshot …) changes it, and
    the next request renders and stores a new PDF in place of this one. It is also the ETag.
    The stored file goes with the row (``portal.documents.cache``), and the row with its schedule."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    schedule = models.ForeignKey(
        "schedules.ServiceSchedule", on_delete=models.CASCADE, related_name="+", verbose_name="サービス利用票"
    )
    kind = models.CharField("帳票の種類", max_length=20, choices=DocumentKind.choices)
    provider_number = models.CharField("サービス事業所番号", max_length=10, blank=True)
    digest = models.CharField("内容のハッシュ", max_length=64)
    file = models.FileField("PDF", upload_to=_sheet_pdf_path)
    size = models.PositiveIntegerField("サイズ", default=0)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用日時", auto_now_add=True)

    objects = office_scoped()

    class Meta:
        verbose_name = "帳票PDF（作成済み）"
        verbose_name_plural = "帳票PDF（作成済み）"
        constraints = [
            models.UniqueConstraint(fields=["schedule", "kind", "provider_number"], name="documents_sheet_pdf_unique")
        ]
