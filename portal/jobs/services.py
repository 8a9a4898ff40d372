"""The job state machine shared by every kind of background work, and process heartbeats.

- ``job_create`` queues a job after commit; ``job_run`` (the worker) claims it with a
  conditional UPDATE, keeps its heartbeat fresh from a side thread while the runner works, and
  ends it done / failed, or back in the queue with a backoff after a retryable error.
- ``jobs_sweep`` (beat) re-queues jobs whose broker message was lost or whose worker died, and
  fails a job whose worker died ``max_attempts`` times (the reason is shown in Japanese).
- ``job_retry`` is the 「もう一度」 button of a failed job.
- ``process_beat`` / ``health_status`` are the heartbeats of the worker and beat processes.

Log lines carry ids and kinds only, never personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from portal.jobs.models import Job, JobStatus, ProcessHeartbeat, ProcessRole
from portal.jobs.registry import JobFailed, get_kind
from portal.offices.tenancy import office_scope

logger = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "処理中にエラーが発生し、{attempts}回試しても完了しませんでした。"
    "「もう一度」を押してやり直してください。続く場合は運営者に連絡してください。"
)
WORKER_LOST = (
    "処理していたバックグラウンド処理が{attempts}回続けて止まったため、中止しました。"
    "「もう一度」を押してやり直してください。続く場合は運営者に連絡してください。"
)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _seconds(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, name, default))


# --------------------------------------------------------------------------- queueing


def _send(job: Job, *, countdown: float | None = None) -> None:
    from portal.jobs.tasks import run_job

    run_job.apply_async(args=(job.office_id, job.pk), countdown=countdown)
    with office_scope(job.office_id):
        Job.objects.filter(pk=job.pk).update(last_sent_at=timezone.now())


def job_enqueue(job: Job) -> None:
    """Send the job's message once the current transaction has committed.

    If the broker is down the job stays queued in the database and the sweep sends it later."""

    def send():
        try:
            _send(job)
        except Exception as exc:  # noqa: BLE001 — the job row is the truth; the sweep re-sends
            logger.warning("job %s: broker unavailable (%s); the sweep will send it", job.pk, type(exc).__name__)

    transaction.on_commit(send)


def job_create(
    *,
    office,
    kind: str,
    subject_id: int | None = None,
    user=None,
    total: int = 0,
    max_attempts: int = 3,
    unique: bool = False,
) -> Job:
    """Queue a job of ``kind`` for ``office``. With ``unique``, an unfinished job of the same kind
    and subject is returned instead of a second one (a request sent twice makes one job)."""
    get_kind(kind)  # an unknown kind is a programming error
    with transaction.atomic():
        if unique:
            existing = (
                Job.objects.select_for_update()
                .filter(office=office, kind=kind, subject_id=subject_id)
                .exclude(status__in=(JobStatus.DONE, JobStatus.FAILED))
                .first()
            )
            if existing is not None:
                return existing
        job = Job.objects.create(
            office=office,
            kind=kind,
            subject_id=subject_id,
            created_by=user,
            total=total,
            max_attempts=max_attempts,
            due_at=timezone.now(),
        )
        job_enqueue(job)
    logger.info("job %s (%s) queued for office %s", job.pk, kind, office.pk)
    return job


def job_for(*, kind: str, subject_id: int) -> Job | None:
    """The newest job of a kind for one subject (current office scope)."""
    return Job.objects.filter(kind=kind, subject_id=subject_id).order_by("-pk").first()


def job_retry(*, job: Job) -> bool:
    """「もう一度」: a failed job goes back to the queue with a fresh count of attempts."""
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED,
            attempts=0,
            error="",
            due_at=timezone.now(),
            started_at=None,
            heartbeat_at=None,
            finished_at=None,
            done=0,
        )
        if not changed:
            return False
        job.refresh_from_db()
        hook = get_kind(job.kind).on_retry
        if hook:
            hook(job)
        job_enqueue(job)
    logger.info("job %s (%s) queued again by a user", job.pk, job.kind)
    return True


# --------------------------------------------------------------------------- running


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    """Report progress (and a heartbeat) from a runner."""
    values = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        values["total"] = total
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**values)


@contextmanager
def _heartbeat(job: Job):
    """Refresh ``heartbeat_at`` from a side thread while the runner works (it may sit in one
    long call, e.g. WeasyPrint rendering a page, without reporting progress)."""
    stop = threading.Event()
    interval = getattr(settings, "RENKEI_HEARTBEAT_SECONDS", 10)

    def beat():
        try:
            while not stop.wait(interval):
                with office_scope(job.office_id):
                    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except Exception as exc:  # noqa: BLE001 — a missed beat only makes the sweep look sooner
            logger.warning("job %s: heartbeat failed (%s)", job.pk, type(exc).__name__)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def _claim(job_id: int) -> Job | None:
    now = timezone.now()
    stale = now - _seconds("RENKEI_JOB_STALE_SECONDS", 60)
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        worker=process_name()[:200],
        finished_at=None,
    )
    return Job.objects.get(pk=job_id) if claimed else None


def _finish(job: Job, **values) -> bool:
    """End the job unless another worker took it over meanwhile (it owns the row then)."""
    return bool(
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, started_at=job.started_at).update(
            heartbeat_at=timezone.now(), **values
        )
    )


def _fail(job: Job, message: str) -> None:
    if _finish(job, status=JobStatus.FAILED, error=message, finished_at=timezone.now()):
        job.status, job.error = JobStatus.FAILED, message
        hook = get_kind(job.kind).on_failed
        if hook:
            hook(job)
        logger.warning("job %s (%s) failed after %s attempt(s)", job.pk, job.kind, job.attempts)


def job_run(*, job_id: int) -> str:
    """Run one job (inside its office's scope). Idempotent: a job that is running elsewhere
    with a fresh heartbeat, or finished, is left alone."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    kind = get_kind(job.kind)
    logger.info("job %s (%s) started, attempt %s", job.pk, job.kind, job.attempts)
    try:
        with _heartbeat(job):
            kind.runner(job)
    except JobFailed as failure:
        _fail(job, failure.message)
        return "failed"
    except Exception as exc:  # noqa: BLE001 — retried, then failed with a Japanese reason
        logger.error("job %s (%s) attempt %s raised %s", job.pk, job.kind, job.attempts, type(exc).__name__)
        if job.attempts >= job.max_attempts:
            _fail(job, GENERIC_FAILURE.format(attempts=job.attempts))
            return "failed"
        delay = min(getattr(settings, "RENKEI_JOB_RETRY_BASE", 10) * 2 ** (job.attempts - 1), 600)
        if _finish(job, status=JobStatus.QUEUED, due_at=timezone.now() + dt.timedelta(seconds=delay)):
            try:
                _send(job, countdown=delay)
            except Exception:  # noqa: BLE001 — the sweep sends it
                pass
        return "retry"
    _finish(job, status=JobStatus.DONE, finished_at=timezone.now())
    logger.info("job %s (%s) done", job.pk, job.kind)
    return "done"


# --------------------------------------------------------------------------- sweep


def jobs_sweep(*, office) -> int:
    """Re-queue this office's jobs whose message was lost or whose worker died; returns how many."""
    now = timezone.now()
    lost_before = now - _seconds("RENKEI_JOB_QUEUED_GRACE", 30)
    stale_before = now - _seconds("RENKEI_JOB_STALE_SECONDS", 60)
    count = 0
    for job in Job.objects.filter(office=office, status=JobStatus.RUNNING, heartbeat_at__lt=stale_before):
        if job.attempts >= job.max_attempts:
            _fail(job, WORKER_LOST.format(attempts=job.attempts))
            continue
        if Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at).update(
            status=JobStatus.QUEUED, due_at=now, requeued=F("requeued") + 1
        ):
            logger.warning("job %s (%s): worker lost, queued again", job.pk, job.kind)
            _send(job)
            count += 1
    resend_before = now - _seconds("RENKEI_JOB_RESEND_SECONDS", 300)
    waiting = Job.objects.filter(office=office, status=JobStatus.QUEUED, due_at__lt=lost_before).filter(
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=resend_before)
    )
    for job in waiting:
        # The message may be sitting in a queue no worker reads yet, or may be lost: send it again, but
        # only once per RENKEI_JOB_RESEND_SECONDS (each copy stays in the broker until a worker comes;
        # the claim lets one worker run the job, the others skip it). The conditional UPDATE makes two
        # sweeps at once send it once.
        if not Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, last_sent_at=job.last_sent_at).update(
            requeued=F("requeued") + 1, last_sent_at=now
        ):
            continue
        logger.info("job %s (%s) still queued: message sent again", job.pk, job.kind)
        try:
            _send(job)
        except Exception as exc:  # noqa: BLE001 — broker down: the next sweep tries again
            Job.objects.filter(pk=job.pk, last_sent_at=now).update(last_sent_at=job.last_sent_at)
            logger.warning("job %s: broker unavailable (%s)", job.pk, type(exc).__name__)
            continue
        count += 1
    return count


# --------------------------------------------------------------------------- process heartbeats


def process_beat(*, role: str, name: str | None = None) -> None:
    now = timezone.now()
    name = name or f"{role} {process_name()}"
    updated = ProcessHeartbeat.objects.filter(name=name).update(last_seen=now, stopped_at=None)
    if not updated:
        ProcessHeartbeat.objects.create(name=name, role=role, started_at=now, last_seen=now)


def process_stopped(*, role: str, name: str | None = None) -> None:
    name = name or f"{role} {process_name()}"
    ProcessHeartbeat.objects.filter(name=name).update(stopped_at=timezone.now())


def start_process_heartbeat(role: str) -> threading.Thread:
    """A daemon thread that records this process's heartbeat every RENKEI_HEARTBEAT_SECONDS."""
    interval = getattr(settings, "RENKEI_HEARTBEAT_SECONDS", 10)
    name = f"{role} {process_name()}"

    def loop():
        while True:
            try:
                close_old_connections()
                process_beat(role=role, name=name)
            except Exception as exc:  # noqa: BLE001 — the database may be briefly away
                logger.warning("%s heartbeat failed (%s)", role, type(exc).__name__)
                connection.close()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name=f"{role}-heartbeat", daemon=True)
    thread.start()
    return thread


def _alive_since() -> dt.datetime:
    return timezone.now() - _seconds("RENKEI_WORKER_STALE_SECONDS", 60)


def workers_alive() -> bool:
    return ProcessHeartbeat.objects.filter(
        role=ProcessRole.WORKER, stopped_at__isnull=True, last_seen__gte=_alive_since()
    ).exists()


def beat_alive() -> bool:
    return ProcessHeartbeat.objects.filter(
        role=ProcessRole.BEAT, stopped_at__isnull=True, last_seen__gte=_alive_since()
    ).exists()


def background_stopped() -> bool:
    """True when the pages should say 「バックグラウンド処理が止まっています」 (no worker for a minute)."""
    from config.celery import app

    if app.conf.task_always_eager:
        return False
    return not workers_alive()


def broker_ok() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001
        return False


def operator_figures() -> dict:
    """Queue length, oldest waiting job, failed jobs in 24 h, last heartbeat per process (operator only)."""
    from portal.offices.tenancy import scopes_disabled

    now = timezone.now()
    with scopes_disabled():
        figures = Job.objects.aggregate(
            queued=Count("pk", filter=Q(status=JobStatus.QUEUED)),
            running=Count("pk", filter=Q(status=JobStatus.RUNNING)),
            failed_24h=Count("pk", filter=Q(status=JobStatus.FAILED, finished_at__gte=now - dt.timedelta(hours=24))),
        )
        oldest = Job.objects.filter(status=JobStatus.QUEUED).select_related("office").order_by("due_at").first()
    figures["oldest"] = oldest
    figures["oldest_wait"] = (now - oldest.due_at) if oldest else None
    since = _alive_since()
    processes = list(ProcessHeartbeat.objects.filter(last_seen__gte=now - dt.timedelta(days=1)))
    for p in processes:
        p.alive = p.stopped_at is None and p.last_seen >= since
    figures["processes"] = processes
    figures["workers_alive"] = any(p.alive for p in processes if p.role == ProcessRole.WORKER)
    figures["beat_alive"] = any(p.alive for p in processes if p.role == ProcessRole.BEAT)
    return figures
