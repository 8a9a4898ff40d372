"""帳票PDF: rendering the forms, batch jobs, and recording every export.

- ``schedule_pdf`` / ``careplan_pdf``: one document, rendered on request.
- ``document_job_create`` → the worker runs ``document_job_run``: all サービス提供票 of a
  month (one provider or all) as one PDF, stored privately under MEDIA_ROOT.
- ``pdf_export_record``: every PDF handed to a user is written to the audit trail
  (``portal.partners.services.audit_record``) when that app provides it.

No personal data is logged: log lines carry ids only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.documents import sheets
from portal.documents.models import DocumentJob, DocumentKind, JobStatus
from portal.documents.render import JapaneseFontMissing, render_pdf

logger = logging.getLogger(__name__)

SCHEDULE_TEMPLATE = "documents/schedule_pdf.html"
CAREPLAN_TEMPLATE = "documents/careplan_pdf.html"
PLAN_TABLES = (1, 2, 3)
STALE_AFTER = dt.timedelta(minutes=15)
BATCH_JOB_KIND = "documents.batch"  # the portal.jobs kind that renders a DocumentJob (portal/documents/jobs.py)  # a "running" job older than this was lost with its worker


# --------------------------------------------------------------------------- single documents


def schedule_pdf(*, schedule, kind: str, provider_number: str = "") -> tuple[bytes, sheets.ScheduleSheet]:
    """第6表 + 第7表 of one schedule. Raises ``DocumentUnavailable`` (Japanese message) when it cannot be made.
    Rendered once per version of its content and then served from storage (``portal.documents.cache``)."""
    pdf, sheet, _etag = schedule_pdf_tagged(schedule=schedule, kind=kind, provider_number=provider_number)
    return pdf, sheet


def schedule_pdf_tagged(*, schedule, kind: str, provider_number: str = "") -> tuple[bytes, sheets.ScheduleSheet, str]:
    """``schedule_pdf`` with the ETag of the content (for conditional requests)."""
    from portal.documents.cache import schedule_pdf_cached

    return schedule_pdf_cached(
        schedule=schedule, kind=kind, provider_number=provider_number, template=SCHEDULE_TEMPLATE
    )


def careplan_pdf(*, plan, tables: tuple[int, ...] = PLAN_TABLES) -> tuple[bytes, sheets.PlanSheet]:
    """居宅サービス計画書 of one plan version (第1表・第2表・第3表, or the chosen ones)."""
    sheet = sheets.plan_sheet(plan)
    return render_pdf(
        CAREPLAN_TEMPLATE, {"plans": [sheet], "tables": set(tables), "title": f"居宅サービス計画書 {sheet.client_name}"}
    ), sheet


def schedule_pdf_filename(sheet: sheets.ScheduleSheet) -> str:
    kind = "service-provision" if sheet.kind == "provision" else "service-usage"
    suffix = f"-{sheet.provider_number}" if sheet.provider_number else ""
    return f"{kind}-{sheet.month:%Y%m}-{sheet.schedule_id}{suffix}.pdf"


def careplan_pdf_filename(sheet: sheets.PlanSheet) -> str:
    return f"careplan-{sheet.plan_date:%Y%m%d}-{sheet.plan_id}.pdf"


# --------------------------------------------------------------------------- audit


def pdf_export_record(
    *, office, actor, kind: str, client=None, partner_office_number: str = "", detail: dict | None = None
) -> bool:
    """Write "pdf_exported" to the audit trail (``portal.partners.services.audit_record``).

    Imported lazily: while the partners app does not provide it, exports are not recorded
    (returns False). ``detail`` holds ids and codes only, never personal data.
    """
    try:
        from portal.partners.services import audit_record
    except ImportError:
        return False
    audit_record(
        office=office,
        actor=actor,
        action="pdf_exported",
        client=client,
        partner_office_number=partner_office_number or "",
        detail={"kind": kind, **(detail or {})},
    )
    return True


# --------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class BatchItem:
    schedule_id: int
    provider_number: str


def _month_start(month: dt.date) -> dt.date:
    return month.replace(day=1)


def batch_items(*, month: dt.date, provider_number: str = "") -> list[BatchItem]:
    """The サービス提供票 of a month: one per 利用者 × provider, ordered by provider then フリガナ.

    Runs inside the office scope, so only the current office's 利用者 are included."""
    from portal.schedules.models import ServiceScheduleLine

    lines = ServiceScheduleLine.objects.filter(schedule__month=_month_start(month))
    if provider_number:
        lines = lines.filter(provider_office_number=provider_number)
    pairs = (
        lines.values_list(
            "provider_office_number",
            "schedule_id",
            "schedule__client__family_name_kana",
            "schedule__client__given_name_kana",
        )
        .distinct()
        .order_by(
            "provider_office_number",
            "schedule__client__family_name_kana",
            "schedule__client__given_name_kana",
            "schedule_id",
        )
    )
    return [BatchItem(schedule_id=sid, provider_number=number) for number, sid, _f, _g in pairs]


def month_providers(*, month: dt.date) -> list[tuple[str, str]]:
    """(事業所番号, 事業所名) of the providers on the month's schedules (current office)."""
    from portal.schedules.models import ServiceScheduleLine

    rows = (
        ServiceScheduleLine.objects.filter(schedule__month=_month_start(month))
        .values_list("provider_office_number", "provider_name")
        .order_by("provider_office_number", "provider_name")
    )
    out: dict[str, str] = {}
    for number, name in rows:
        if name or number not in out:
            out[number] = name or out.get(number, "")
    return list(out.items())


def document_job_create(*, office, user, month: dt.date, provider_number: str = "") -> DocumentJob:
    """Queue a batch of all サービス提供票 of ``month`` (for one provider, or all). The worker renders it."""
    month = _month_start(month)
    providers = dict(month_providers(month=month))
    if provider_number and provider_number not in providers:
        raise ValidationError(
            {
                "provider": f"事業所番号 {provider_number} の事業所は、この月のサービス利用票にありません。事業所を選び直してください。"
            }
        )
    items = batch_items(month=month, provider_number=provider_number)
    if not items:
        raise ValidationError(
            {
                "month": "この月のサービス利用票にサービスの行がありません。先にサービス利用票（第6表）を作成してください。"
            }
        )
    from portal.jobs.services import job_create

    with transaction.atomic():
        job = DocumentJob.objects.create(
            office=office,
            created_by=user,
            kind=DocumentKind.PROVISION,
            month=month,
            provider_office_number=provider_number,
            provider_name=providers.get(provider_number, ""),
            total=len(items),
        )
        # The worker runs it through the shared job mechanism (heartbeat, deadline, sweep, 「もう一度」).
        job_create(office=office, kind=BATCH_JOB_KIND, subject_id=job.pk, user=user, total=len(items))
    logger.info("document job %s queued for office %s (%s items)", job.pk, office.pk, len(items))
    return job


def _claim(job_id: int, *, reclaim: bool = False) -> bool:
    """Move the job to "running" unless another worker has it (conditional UPDATE).

    ``reclaim``: the caller (portal.jobs) already holds the job exclusively, so a batch left
    "running" by a worker that died is taken over at once."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    if reclaim:
        claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING)
    return bool(
        DocumentJob.objects.filter(claimable, pk=job_id).update(
            status=JobStatus.RUNNING,
            started_at=now,
            done=0,
            error="",
        )
    )


def document_job_run(
    *, job_id: int, chunk_size: int | None = None, reclaim: bool = False, raise_errors: bool = False
) -> None:
    """Render a batch into one PDF. Idempotent: a finished or running job is left alone.

    Must run inside the job's office scope (the task does that). The sheets are rendered in
    chunks, side by side, each chunk kept as it is made (``portal.documents.batch``).
    A 利用者 whose 提供票 cannot be made (no 認定 …) is skipped and listed on the job page.
    ``raise_errors``: an unexpected error propagates (the job mechanism retries, then fails it).
    """
    if not DocumentJob.objects.filter(pk=job_id).exists():  # not this office's job (or deleted)
        logger.warning("document job %s not found in the current office", job_id)
        return
    if not _claim(job_id, reclaim=reclaim):
        logger.info("document job %s already claimed or finished", job_id)
        return
    job = DocumentJob.objects.get(pk=job_id)
    from portal.documents.batch import discard_parts

    def progress(done: int) -> None:
        DocumentJob.objects.filter(pk=job_id).update(done=done)

    try:
        pdf, pages, skipped = _render_batch(job, chunk_size=chunk_size, progress=progress)
    except JapaneseFontMissing as error:
        logger.error("document job %s: Japanese fonts missing", job_id)
        DocumentJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=str(error)
        )
        return
    except Exception as exc:  # noqa: BLE001 — the job ends "failed"; the user can start it again
        if raise_errors:
            raise
        # The exception's type only: its message could quote personal data from a form.
        logger.error("document job %s failed: %s", job_id, type(exc).__name__)
        DocumentJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error="PDFの作成中にエラーが発生しました。しばらくしてからもう一度お試しください。続く場合は管理者にお問い合わせください。",
        )
        return
    if pdf is None:
        DocumentJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            skipped=skipped,
            error="作成できるサービス提供票がありませんでした。下の一覧の理由を確認してください。",
        )
        return
    if job.file:
        job.file.delete(save=False)
    job.file.save(f"job-{job.pk}.pdf", ContentFile(pdf), save=False)
    DocumentJob.objects.filter(pk=job_id).update(
        file=job.file.name,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        page_count=pages,
        done=job.total,
        skipped=skipped,
    )
    discard_parts(job)
    logger.info("document job %s done (%s pages)", job_id, pages)


def _render_batch(job: DocumentJob, *, chunk_size: int | None = None, progress=None):
    """(PDF, pages, skipped): see ``portal.documents.batch`` (chunks side by side, parts kept)."""
    from portal.documents.batch import render_batch

    return render_batch(job, chunk_size=chunk_size, progress=progress)


def document_files_cleanup(*, older_than: dt.timedelta) -> int:
    """Delete batch PDFs made longer ago than ``older_than`` (current office scope); the job row
    stays (without its file) so the list still shows what was made. Returns how many were deleted."""
    before = timezone.now() - older_than
    count = 0
    for job in DocumentJob.objects.filter(finished_at__lt=before).exclude(file=""):
        job.file.delete(save=False)
        DocumentJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count
