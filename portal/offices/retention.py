"""記録の保存期間: what an office keeps, and the periodic deletion of what is past it.

Each office has a retention period ``Office.retention_years`` (default ``RENKEI_RETENTION_YEARS``,
2–10 years, set by the office admin at 事業所設定). It means "kept at least N years":

- a **month record** (サービス利用票・提供票 and their lines, 実績, sent and received packages, 提供票
  links, the monthly close and the 国保連 files, casework records dated in that month, batch PDFs) is
  kept through the end of the month N years after its service month (Asia/Tokyo), and deleted from
  the first day of the next month: on 2026-12-01 (JST) with 5 years, every month before 2021-12 goes;
- a **利用者** whose contract ended (利用終了日) is kept through the day N years after it and deleted the
  day after, with all their records (plans, 認定, consents and their scans, casework, 利用票 …).

``retention_purge(office)`` deletes, per office, in one transaction with the office row locked
(``SELECT … FOR UPDATE SKIP LOCKED``: a second run at the same time skips the office, a later one
finds nothing), and records the counts per kind in ``RetentionRun`` (no personal data). Stored
files (batch PDFs, consent scans) are removed after commit. ``retention_preview(office)`` is the
same selection, counted per kind and month, for the admin to see before it happens.

Packages without a service month (care plans) count by the month they were sent or received.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector
from django.utils import timezone

from portal.offices.models import Office, RetentionRun
from portal.offices.tenancy import office_scope

logger = logging.getLogger(__name__)


def _add_years(day: dt.date, years: int) -> dt.date:
    from portal.billing.services import add_years

    return add_years(day, years)


def month_cutoff(years: int, today: dt.date) -> dt.date:
    """Records of a service month before this day (a first of month) are past retention."""
    return _add_years(today.replace(day=1), -years)


def ended_cutoff(years: int, today: dt.date) -> dt.date:
    """利用者 whose contract ended before this day are past retention."""
    return _add_years(today, -years)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in Asia/Tokyo (the current time zone), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


@dataclass(frozen=True)
class Kind:
    """One kind of month record: the rows of ``model`` whose month (``fields``, the first non-empty
    one; a date or a datetime) lies before the cut-off."""

    key: str
    label: str
    model: str
    fields: tuple[str, ...]
    files: tuple[str, ...] = field(default=())  # FileFields whose stored files go with the rows

    def model_class(self):
        return apps.get_model(self.model)

    def queryset(self, cutoff: dt.date):
        model = self.model_class()
        q, previous_empty = Q(), Q()
        for name in self.fields:
            f = model._meta.get_field(name)
            bound = _start_of(cutoff) if f.get_internal_type() == "DateTimeField" else cutoff
            q |= previous_empty & Q(**{f"{name}__lt": bound})
            previous_empty &= Q(**{f"{name}__isnull": True})
        return model.objects.filter(q)

    def months(self, cutoff: dt.date) -> dict[dt.date, int]:
        counts: dict[dt.date, int] = defaultdict(int)
        for values in self.queryset(cutoff).values_list(*self.fields):
            counts[_month(next(v for v in values if v is not None))] += 1
        return counts


MONTH_KINDS: tuple[Kind, ...] = (
    Kind("schedules", "サービス利用票・提供票（予定・実績）", "schedules.ServiceSchedule", ("month",)),
    Kind("received_schedules", "受け取った利用票（第7表・補足）", "exchange.ReceivedSchedule", ("month",)),
    Kind("actual_sources", "実績の取込記録", "exchange.ActualSource", ("month",)),
    Kind("sent_packages", "送信したパッケージ", "exchange.Package", ("month", "created_at")),
    Kind("received_packages", "受信したパッケージ", "exchange.ReceivedPackage", ("month", "received_at")),
    Kind("paper_links", "提供票のリンクと回答", "paperlinks.PaperLink", ("month",)),
    Kind("confirmations", "実績の確定（月次の締め）", "claims.ActualConfirmation", ("month",)),
    Kind("kyotaku", "居宅介護支援費の明細", "claims.KyotakuEntry", ("month",)),
    Kind("rejections", "返戻・査定の記録", "claims.Rejection", ("month",)),
    Kind("transmission_files", "国保連への伝送ファイル", "claims.TransmissionFile", ("month",)),
    Kind("support_log", "支援経過（第5表）", "casework.SupportLogEntry", ("occurred_on",)),
    Kind("monitorings", "モニタリング", "casework.Monitoring", ("month",)),
    Kind("meetings", "サービス担当者会議（第4表）", "casework.ServiceMeeting", ("held_on",)),
    Kind("assessments", "アセスメント", "casework.Assessment", ("assessed_on",)),
    Kind("batch_pdfs", "帳票PDFの一括作成", "documents.DocumentJob", ("month",), files=("file",)),
)
CLIENT_LABEL = "利用終了から保存期間を過ぎた利用者（計画書・認定・同意書などその方の記録すべて）"


def _expired_clients(office: Office, today: dt.date):
    from portal.clients.models import Client

    return Client.objects.filter(
        office=office, is_active=False, ended_on__lt=ended_cutoff(office.retention_years, today)
    )


def _client_packages(client_ids: set[int]) -> list[tuple[str, int]]:
    """Packages without a service month (care plans) that concern only these 利用者."""
    found = []
    for label in ("exchange.Package", "exchange.ReceivedPackage"):
        model = apps.get_model(label)
        for pk, ids in model.objects.filter(month__isnull=True).values_list("pk", "client_ids"):
            if ids and set(ids) <= client_ids:
                found.append((label, pk))
    return found


def _count_cascade(querysets) -> int:
    """How many rows deleting these querysets removes, cascades included (for the preview)."""
    total = 0
    for qs in querysets:
        collector = Collector(using=router.db_for_write(qs.model))
        collector.collect(qs)
        total += sum(len(objs) for objs in collector.data.values())
        total += sum(q.count() for q in collector.fast_deletes)
    return total


# --------------------------------------------------------------------------- preview


@dataclass
class PreviewRow:
    label: str
    month: dt.date
    count: int


@dataclass
class Preview:
    years: int
    month_cutoff: dt.date
    ended_cutoff: dt.date
    rows: list[PreviewRow]
    clients: list[PreviewRow]  # per month of 利用終了
    client_records: int  # rows that go with those 利用者 (cascades included)
    ended_without_date: int  # 利用終了 without a 利用終了日: kept until one is entered

    @property
    def empty(self) -> bool:
        return not self.rows and not self.clients

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows) + sum(r.count for r in self.clients)


def retention_preview(office: Office, today: dt.date | None = None) -> Preview:
    """What the next run of the retention task deletes, counted per kind and month (current scope)."""
    from portal.clients.models import Client

    today = today or timezone.localdate()
    years = office.retention_years
    cutoff = month_cutoff(years, today)
    rows = [
        PreviewRow(kind.label, month, n) for kind in MONTH_KINDS for month, n in sorted(kind.months(cutoff).items())
    ]
    clients_qs = _expired_clients(office, today)
    by_month: dict[dt.date, int] = defaultdict(int)
    for ended in clients_qs.values_list("ended_on", flat=True):
        by_month[_month(ended)] += 1
    clients = [PreviewRow(CLIENT_LABEL, month, n) for month, n in sorted(by_month.items())]
    client_records = _count_cascade([clients_qs]) - sum(by_month.values()) if clients else 0
    return Preview(
        years=years,
        month_cutoff=cutoff,
        ended_cutoff=ended_cutoff(years, today),
        rows=rows,
        clients=clients,
        client_records=client_records,
        ended_without_date=Client.objects.filter(office=office, is_active=False, ended_on__isnull=True).count(),
    )


# --------------------------------------------------------------------------- deletion


def _stored_files(qs, names: tuple[str, ...]) -> list[str]:
    files = []
    for name in names:
        files += [f for f in qs.exclude(**{name: ""}).values_list(name, flat=True) if f]
    return files


def _delete_files_on_commit(names: list[str]) -> None:
    def remove():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError as exc:  # a file already gone is what we wanted
                logger.warning("retention: could not delete a stored file (%s)", type(exc).__name__)

    if names:
        transaction.on_commit(remove)


def _add(counts: dict, deleted: dict) -> None:
    for label, n in deleted.items():
        if n:
            counts[label] = counts.get(label, 0) + n


def retention_purge(office_id: int, today: dt.date | None = None) -> RetentionRun | None:
    """Delete what is past the office's retention period; returns the audit record, or None when
    nothing was due (or another run holds the office right now)."""
    from portal.jobs.models import Job
    from portal.partners.models import Consent

    today = today or timezone.localdate()
    with office_scope(office_id), transaction.atomic():
        office = Office.objects.select_for_update(skip_locked=True).filter(pk=office_id).first()
        if office is None:
            return None  # another run is deleting this office's records at this moment
        years = office.retention_years
        cutoff, ended = month_cutoff(years, today), ended_cutoff(years, today)
        counts: dict[str, int] = {}
        files: list[str] = []

        for kind in MONTH_KINDS:
            qs = kind.queryset(cutoff)
            if kind.files:
                files += _stored_files(qs, kind.files)
            if kind.model == "documents.DocumentJob":
                from portal.documents.batch import discard_parts

                batches = list(qs)
                _add(
                    counts,
                    Job.objects.filter(kind="documents.batch", subject_id__in=[b.pk for b in batches]).delete()[1],
                )
                for b in batches:  # parts of a batch that never finished
                    transaction.on_commit(lambda b=b: discard_parts(b))
            _add(counts, qs.delete()[1])

        clients = _expired_clients(office, today)
        client_ids = set(clients.values_list("pk", flat=True))
        if client_ids:
            files += _stored_files(Consent.objects.filter(client_id__in=client_ids), ("document",))
            for label, pk in _client_packages(client_ids):
                _add(counts, apps.get_model(label).objects.filter(pk=pk).delete()[1])
            _add(counts, clients.delete()[1])

        # a send whose packages are all gone says nothing any more
        send_batch = apps.get_model("exchange.SendBatch")  # by label: portal imports no linkage.exchange
        _add(counts, send_batch.objects.filter(packages__isnull=True, created_at__lt=_start_of(cutoff)).delete()[1])

        if not counts:
            return None
        run = RetentionRun.objects.create(
            office=office, years=years, month_cutoff=cutoff, ended_cutoff=ended, counts=counts
        )
        _delete_files_on_commit(files)
    logger.info(
        "retention: office %s, %s rows and %s files deleted (%s years)", office_id, run.total, len(files), years
    )
    return run


def retention_purge_all(today: dt.date | None = None) -> dict[str, int]:
    """The beat task's body: every office, each in its own transaction; one failing office does not
    stop the others (logged with its id only)."""
    totals: dict[str, int] = {}
    for office_id in Office.objects.order_by("pk").values_list("pk", flat=True):
        try:
            run = retention_purge(office_id, today)
        except Exception as exc:  # noqa: BLE001 — the next run tries again
            logger.error("retention: office %s failed (%s)", office_id, type(exc).__name__)
            continue
        if run is not None:
            _add(totals, run.counts)
    return totals


def kind_label(model_label: str) -> str:
    """The Japanese name of a model label in ``RetentionRun.counts``."""
    try:
        return str(apps.get_model(model_label)._meta.verbose_name)
    except (LookupError, ValueError):
        return model_label
