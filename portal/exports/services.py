"""データの書き出し: everything an office holds, as one ZIP made by the worker.

Layout of the ZIP (also written into it as 説明.txt):

- ``standard/plans/<plan id>/<recipient>/…csv`` and ``standard/schedules/<YYYYMM>/<recipient>/…csv``:
  the 居宅サービス計画書 and the サービス利用票 (予定・実績) as the standard 4.1 CSVs (MS932), one
  send unit per provider named in them, as they would be sent.
- ``received/<received id>/…csv``: every send unit received (hub or upload), as received.
- ``data/<app>.<model>.json``: every row of every table of the office (UTF-8 JSON, Django's
  serialization: ``model``, ``pk``, ``fields``), incl. what the standard has no file for
  (利用者 and 認定, consents, partners, the audit trail, licences and invoices).
  Secrets (certificate private keys) and raw package blobs are left out.
- ``pdf/careplans/…pdf`` (every 交付済 plan) and ``pdf/provision/…pdf`` (提供票 of every month
  that was sent).

File names carry ids and codes only, never names. Runs inside the office's scope.
"""

from __future__ import annotations

import io
import logging
import zipfile

from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from portal.exports.jobs import EXPORT_JOB_KIND
from portal.exports.models import DataExport
from portal.exports.ports import exchange_export

logger = logging.getLogger(__name__)

EXPORT_APPS = ("offices", "clients", "careplans", "schedules", "partners", "billing", "exchange", "documents")
SECRET_FIELDS = {"encrypted_private_key", "password"}
README = """Renkei データの書き出し（{office}／{created}）

standard/    ケアプランデータ連携標準仕様 4.1 のCSV（MS932）。計画書は standard/plans/<計画ID>/、
             利用票・提供票は standard/schedules/<年月>/ の下に、送信先事業所ごとに置いています。
received/    受信した送信単位（連携基盤・ファイル取込）を受信したままの形で置いています。
data/        事業所のすべての記録（UTF-8 の JSON）。1ファイル1表で、各行は model・pk・fields です。
             標準仕様にファイルがない記録（利用者・認定・同意・連携先・監査ログ・ライセンス・請求書など）もここにあります。
             電子証明書の秘密鍵は含みません。
pdf/         交付済みの居宅サービス計画書と、送信した月のサービス提供票のPDFです。
作成できなかったもの.txt  書き出せなかったものと理由（ある場合のみ）。
"""


def export_request(*, office, user) -> tuple[DataExport, bool]:
    """Start an export (office admin). Asked twice while one is being made: the same one (False)."""
    from portal.jobs.models import Job, JobStatus
    from portal.jobs.services import job_create

    with transaction.atomic():
        running = (
            Job.objects.select_for_update()
            .filter(office=office, kind=EXPORT_JOB_KIND)
            .exclude(status__in=(JobStatus.DONE, JobStatus.FAILED))
            .first()
        )
        if running is not None:
            return DataExport.objects.get(pk=running.subject_id), False
        export = DataExport.objects.create(office=office, requested_by=user)
        job_create(office=office, kind=EXPORT_JOB_KIND, subject_id=export.pk, user=user)
    return export, True


def _office_models():
    for label in EXPORT_APPS:
        for model in apps.get_app_config(label).get_models():
            if hasattr(type(model._default_manager), "with_scopes_disabled"):
                yield model


def _rows_json(model) -> bytes:
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if not isinstance(f, models.BinaryField) and f.name not in SECRET_FIELDS and not f.primary_key
    ]
    rows = model._default_manager.all().order_by("pk")
    data = serializers.serialize("json", rows, fields=fields, ensure_ascii=False, indent=1)
    return data.encode("utf-8")


def export_build(*, job) -> None:
    from portal.jobs.services import job_progress

    export = DataExport.objects.select_related("office").get(pk=job.subject_id)
    office = export.office
    problems: list[str] = []
    buffer = io.BytesIO()
    count = 0
    steps = [("data", None), ("standard", None), ("received", None), ("pdf", None)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, data: bytes) -> None:
            nonlocal count
            zf.writestr(name, data)
            count += 1

        for index, (step, _) in enumerate(steps):
            job_progress(job, done=index, total=len(steps))
            if step == "data":
                for model in _office_models():
                    put(f"data/{model._meta.label_lower}.json", _rows_json(model))
            elif step == "standard":
                exchange_export.get().standard_files(office, put, problems)
            elif step == "received":
                exchange_export.get().received_files(put, problems)
            else:
                _pdfs(office, put, problems)
        put(
            "説明.txt",
            README.format(office=office.office_number, created=timezone.localtime().strftime("%Y-%m-%d %H:%M")).encode(
                "utf-8"
            ),
        )
        if problems:
            put("作成できなかったもの.txt", "\n".join(problems).encode("utf-8"))
    data = buffer.getvalue()
    if export.file:
        export.file.delete(save=False)
    export.file.save(f"export-{export.pk}.zip", ContentFile(data), save=False)
    DataExport.objects.filter(pk=export.pk).update(
        file=export.file.name, size=len(data), file_count=count, problems=problems, ready_at=timezone.now()
    )
    job_progress(job, done=len(steps), total=len(steps))
    logger.info("export %s for office %s: %s files, %s bytes", export.pk, office.pk, count, len(data))


def _pdfs(office, put, problems) -> None:
    from portal.careplans.models import PlanStatus
    from portal.documents import services as documents
    from portal.documents import sheets
    from portal.documents.render import JapaneseFontMissing

    try:
        for plan in sheets.plan_queryset().filter(status=PlanStatus.DELIVERED).order_by("pk"):
            try:
                pdf, sheet = documents.careplan_pdf(plan=plan)
            except sheets.DocumentUnavailable as error:
                problems.append(f"計画書 {plan.pk} のPDF: {error.message}")
                continue
            put(f"pdf/careplans/{documents.careplan_pdf_filename(sheet)}", pdf)
        months = exchange_export.get().sent_schedule_months()
        for schedule in sheets.schedule_queryset().filter(month__in=months).order_by("month", "pk"):
            try:
                pdf, sheet = documents.schedule_pdf(schedule=schedule, kind="provision")
            except sheets.DocumentUnavailable as error:
                problems.append(f"提供票 {schedule.pk} のPDF: {error.message}")
                continue
            put(f"pdf/provision/{documents.schedule_pdf_filename(sheet)}", pdf)
    except JapaneseFontMissing as error:
        problems.append(f"PDF: {error}")


def export_download(*, export: DataExport, user, membership) -> bool:
    """Mark the export downloaded (once: a conditional UPDATE) and record it in the audit trail."""
    from portal.partners.services import audit_record

    claimed = DataExport.objects.filter(pk=export.pk, downloaded_at__isnull=True, ready_at__isnull=False).update(
        downloaded_at=timezone.now(), downloaded_by=user
    )
    if claimed:
        audit_record(
            office=export.office,
            actor=membership,
            action="data_exported",
            detail={"export_id": export.pk, "files": export.file_count, "bytes": export.size},
        )
    return bool(claimed)


def export_files_cleanup(*, older_than) -> int:
    """Delete export ZIPs nobody downloaded within ``older_than`` (current office scope)."""
    before = timezone.now() - older_than
    count = 0
    for export in DataExport.objects.filter(ready_at__lt=before).exclude(file=""):
        export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(file="")
        count += 1
    return count
