"""Background work the UI waits on, and the heartbeats of the processes that do it.

``Job`` is the one job record for every kind of background work a page waits on (a PDF batch,
an inbox sync, an invoice email, a data export …). The kind names a runner registered in
``portal.jobs.registry``; the row carries the state machine shared by all kinds:

    queued ──claim──► running ──► done
       ▲                 │  └───► failed  (reason in Japanese; 「もう一度」 re-queues it)
       └── error (< max attempts, with backoff) / heartbeat lost (worker died) / message lost

A running job's worker refreshes ``heartbeat_at``; the sweep (beat) re-queues a queued job whose
broker message was lost and a running job whose heartbeat stopped, so no job waits forever.
``last_sent_at`` is when the job's message last reached the broker: the sweep sends it again only
after ``RENKEI_JOB_RESEND_SECONDS``, not every minute while no worker runs.

``ProcessHeartbeat`` is one row per worker / beat process, refreshed every few seconds; the
banner, the operator dashboard and /healthz read it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped


class JobStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "処理中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


class Job(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="jobs", verbose_name="事業所")
    kind = models.CharField("種類", max_length=40)
    subject_id = models.PositiveBigIntegerField("対象ID", null=True, blank=True)  # e.g. the DocumentJob / Invoice pk
    status = models.CharField("状態", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最大試行回数", default=3)
    done = models.PositiveIntegerField("処理済み件数", default=0)
    total = models.PositiveIntegerField("対象件数", default=0)
    error = models.TextField("失敗の理由", blank=True)
    worker = models.CharField("処理したワーカー", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="依頼者",
    )
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    due_at = models.DateTimeField("開始予定", default=timezone.now)  # queued: when it should start
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最後の応答", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    requeued = models.PositiveSmallIntegerField("再投入回数", default=0)
    # when its message was last handed to the broker: the sweep sends a queued job's message again
    # only RENKEI_JOB_RESEND_SECONDS after that, so a queue with no worker does not fill up with copies
    last_sent_at = models.DateTimeField("最後にメッセージを送った日時", null=True, blank=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "バックグラウンド処理"
        verbose_name_plural = "バックグラウンド処理"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "subject_id"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label}（{self.get_status_display()}）"

    @property
    def kind_label(self) -> str:
        from portal.jobs.registry import kind_label

        return kind_label(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def waiting_seconds(self) -> int:
        """How long a queued job has waited past the moment it was due (0 if not queued)."""
        if self.status != JobStatus.QUEUED:
            return 0
        return max(0, int((timezone.now() - self.due_at).total_seconds()))

    @property
    def waiting_label(self) -> str:
        seconds = self.waiting_seconds
        return f"{seconds // 60}分" if seconds >= 60 else f"{seconds}秒"

    @property
    def is_late(self) -> bool:
        """Still queued after its deadline: the page says so instead of「お待ちください」forever."""
        from portal.jobs.registry import kind_deadline

        return self.status == JobStatus.QUEUED and self.waiting_seconds > kind_deadline(self.kind)


class ProcessRole(models.TextChoices):
    WORKER = "worker", "ワーカー"
    BEAT = "beat", "定期実行（beat）"


class ProcessHeartbeat(models.Model):
    """The last sign of life of one worker or beat process (not office data: no personal data)."""

    name = models.CharField("プロセス", max_length=200, unique=True)
    role = models.CharField("役割", max_length=10, choices=ProcessRole.choices)
    started_at = models.DateTimeField("起動日時", default=timezone.now)
    last_seen = models.DateTimeField("最後の応答", default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField("停止日時", null=True, blank=True)

    class Meta:
        verbose_name = "プロセスの応答"
        verbose_name_plural = "プロセスの応答"
        ordering = ["role", "-last_seen"]

    def __str__(self) -> str:
        return self.name
