"""Single 提供票・利用票 PDFs rendered once per version of their content, and served from storage.

``schedule_pdf_cached`` builds the sheet and its HTML (cheap: queries and a template), hashes the
HTML, and serves the stored PDF of that hash when there is one (``SheetPDF``); otherwise it renders
with WeasyPrint (≈0.7 s of CPU) and stores the result in place of the previous version. The hash
covers everything the form shows, so a change to the schedule, the 利用者, the 認定, a master or
the sent snapshot gives a new PDF, and nothing else does. The hash is the ETag: a browser that
sends ``If-None-Match`` with it gets 304.

A stored file is deleted with its row (after commit): when the content changes, when the
schedule or its 利用者 is deleted (retention included), and when it was not used for
``RENKEI_PDF_CACHE_DAYS`` (``jobs.cleanup``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete
from django.template.loader import render_to_string
from django.utils import timezone

from portal.documents import sheets
from portal.documents.models import SheetPDF
from portal.documents.render import render_pdf_from_html

logger = logging.getLogger(__name__)


def etag(digest: str) -> str:
    return f'"{digest[:32]}"'


def _delete_file(name: str) -> None:
    def remove():
        try:
            default_storage.delete(name)
        except OSError as exc:
            logger.warning("sheet pdf: could not delete a stored file (%s)", type(exc).__name__)

    if name:
        transaction.on_commit(remove)


def _row_deleted(sender, instance: SheetPDF, **kwargs) -> None:
    _delete_file(instance.file.name)


def connect_signals() -> None:
    post_delete.connect(_row_deleted, sender=SheetPDF, dispatch_uid="documents.sheet_pdf_file")


def _read(row: SheetPDF) -> bytes | None:
    try:
        with default_storage.open(row.file.name, "rb") as f:
            return f.read()
    except (FileNotFoundError, OSError):
        return None


def schedule_pdf_cached(
    *, schedule, kind: str, provider_number: str = "", template: str, title_of=None
) -> tuple[bytes | None, sheets.ScheduleSheet, str]:
    """(PDF bytes, sheet, ETag) of one schedule's 提供票 or 利用票 (inside the office scope).

    Raises ``sheets.DocumentUnavailable`` like the sheet does."""
    sheet = sheets.schedule_sheet(schedule, kind=kind, provider_number=provider_number)
    title = title_of(sheet) if title_of else f"{sheet.title} {sheet.client_name}"
    html = render_to_string(template, {"sheets": [sheet], "title": title})
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    row = SheetPDF.objects.filter(schedule=schedule, kind=kind, provider_number=provider_number).first()
    if row is not None and row.digest == digest:
        pdf = _read(row)
        if pdf is not None:
            SheetPDF.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
            return pdf, sheet, etag(digest)
    pdf = render_pdf_from_html(html)
    _store(schedule=schedule, kind=kind, provider_number=provider_number, digest=digest, pdf=pdf, old=row)
    return pdf, sheet, etag(digest)


def _store(*, schedule, kind, provider_number, digest, pdf, old) -> None:
    """Keep the new version in place of the old one; a request that rendered the same moment
    loses the race harmlessly (its bytes are served, the other's are kept)."""
    office_id = schedule.client.office_id
    name = default_storage.save(f"documents/{office_id}/sheets/{schedule.pk}/{digest[:32]}.pdf", ContentFile(pdf))
    now = timezone.now()
    if old is not None:
        if SheetPDF.objects.filter(pk=old.pk, digest=old.digest).update(
            digest=digest, file=name, size=len(pdf), created_at=now, last_used_at=now
        ):
            if old.file.name != name:
                _delete_file(old.file.name)
            return
        default_storage.delete(name)  # another request replaced it meanwhile
        return
    try:
        with transaction.atomic():
            SheetPDF.objects.create(
                office_id=office_id,
                schedule=schedule,
                kind=kind,
                provider_number=provider_number,
                digest=digest,
                file=name,
                size=len(pdf),
            )
    except IntegrityError:
        default_storage.delete(name)
        logger.info("sheet pdf for schedule %s stored by another request", schedule.pk)


def sheet_pdfs_cleanup(*, unused_for: dt.timedelta) -> int:
    """Delete stored sheet PDFs nobody asked for within ``unused_for`` (current office scope)."""
    count = 0
    for row in SheetPDF.objects.filter(last_used_at__lt=timezone.now() - unused_for):
        row.delete()
        count += 1
    return count
