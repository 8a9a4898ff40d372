"""A batch of サービス提供票 as one PDF, fast: chunks rendered side by side, parts kept as they come.

- The sheets are cut into chunks of ``RENKEI_PDF_CHUNK`` (10); each chunk is **one HTML document**
  with a page break before every sheet, so WeasyPrint parses the CSS and loads the fonts once per
  chunk, not once per sheet.
- The chunks are rendered by ``RENKEI_PDF_PROCESSES`` rendering processes side by side
  (``portal.documents.render_process``; default: one per CPU, at most 4; 1 renders in the worker
  itself). Progress moves with every chunk finished.
- Each finished chunk is stored at once as a part file next to the batch's PDF
  (``documents/<office>/<YYYYMM>/job-<id>-parts/``, named by the chunk's position and the hash of
  its HTML): a batch whose worker died halfway keeps what was made, and the retry renders only
  the rest. The parts are joined with pypdf and deleted when the PDF is stored.
- A chunk that fails is rendered again sheet by sheet; a sheet that still fails is left out and
  listed with the 利用者's name (on the job page only — logs carry ids and type names).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from portal.documents import sheets
from portal.documents.render import ensure_japanese_fonts, render_pdf_from_html
from portal.documents.render_process import read_frame, write_frame

logger = logging.getLogger(__name__)

SHEET_FAILED = "{name}さん（{provider}）：PDFの作成中にエラーが発生したため、この票は入っていません。もう一度作成するか、運営者に連絡してください。"


class RenderFailed(Exception):
    """A document could not be rendered; ``args[0]`` is the exception's type name only."""


def processes_default() -> int:
    configured = getattr(settings, "RENKEI_PDF_PROCESSES", None)
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(4, os.cpu_count() or 1))


def parts_dir(job) -> Path:
    return Path(settings.MEDIA_ROOT) / "documents" / str(job.office_id) / f"{job.month:%Y%m}" / f"job-{job.pk}-parts"


def discard_parts(job) -> None:
    shutil.rmtree(parts_dir(job), ignore_errors=True)


# --------------------------------------------------------------------------- renderers


class _Child:
    """One rendering process, fed HTML documents one at a time over its pipes."""

    def __init__(self):
        root = Path(settings.BASE_DIR)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.documents.render_process"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(root)},
        )

    def render(self, html: str) -> bytes:
        try:
            write_frame(self.process.stdin, html.encode("utf-8"))
            reply = read_frame(self.process.stdout)
        except (BrokenPipeError, OSError) as exc:
            raise RenderFailed(type(exc).__name__) from None
        if reply is None:
            raise RenderFailed("RenderProcessDied")
        if reply[:1] != b"\x00":
            raise RenderFailed(reply[1:].decode(errors="replace"))
        return reply[1:]

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 — it is going away either way
            self.process.kill()


def render_in_process(html: str) -> bytes:
    """Render in this process (the single-process mode, and the tests' seam)."""
    try:
        return render_pdf_from_html(html)
    except Exception as exc:  # noqa: BLE001 — the type name only; its message may quote a name
        raise RenderFailed(type(exc).__name__) from None


class Renderers:
    """``processes`` renderers; ``render(html)`` may be called from that many threads at once."""

    def __init__(self, processes: int):
        self.processes = processes
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._children: list[_Child] = []
        self._lock = threading.Lock()

    def render(self, html: str) -> bytes:
        if self.processes <= 1:
            return render_in_process(html)
        try:
            child = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                child = _Child()
                self._children.append(child)
        try:
            pdf = child.render(html)
        except RenderFailed:
            if child.process.poll() is not None:  # it died: forget it, the next call starts another
                with self._lock:
                    self._children.remove(child)
                raise
            self._idle.put(child)
            raise
        self._idle.put(child)
        return pdf

    def close(self) -> None:
        for child in self._children:
            child.close()
        self._children.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------- the batch


def chunk_html(chunk: list, *, title: str) -> str:
    from portal.documents.services import SCHEDULE_TEMPLATE

    return render_to_string(SCHEDULE_TEMPLATE, {"sheets": chunk, "batch": True, "title": title})


def _join(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_batch(job, *, chunk_size: int | None = None, processes: int | None = None, progress=None):
    """(PDF bytes or None, page count, skipped reasons) for the batch ``job`` (inside its office scope).

    ``progress(done)`` is called as sheets are finished."""
    from pypdf import PdfReader, PdfWriter

    from portal.documents.models import DocumentJob
    from portal.documents.services import batch_items

    ensure_japanese_fonts()  # JapaneseFontMissing fails the job with its message, before any work
    items = batch_items(month=job.month, provider_number=job.provider_office_number)
    DocumentJob.objects.filter(pk=job.pk).update(total=len(items))
    schedules = {s.pk: s for s in sheets.schedule_queryset().filter(pk__in={i.schedule_id for i in items})}
    skipped: list[str] = []
    made: list[sheets.ScheduleSheet] = []
    for item in items:
        schedule = schedules.get(item.schedule_id)
        if schedule is None:
            continue
        try:
            made.append(sheets.schedule_sheet(schedule, kind="provision", provider_number=item.provider_number))
        except sheets.DocumentUnavailable as error:
            skipped.append(error.message)
    done = len(items) - len(made)  # those that cannot be made count as handled
    size = max(1, chunk_size or getattr(settings, "RENKEI_PDF_CHUNK", 10))
    chunks = [made[i : i + size] for i in range(0, len(made), size)]
    folder = parts_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[Path | None] = [None] * len(chunks)
    todo = []
    for index, chunk in enumerate(chunks):
        html = chunk_html(chunk, title=job.download_name)
        part = folder / f"{index:04d}-{hashlib.sha256(html.encode()).hexdigest()[:20]}.pdf"
        if part.exists():  # made before the worker died: kept
            parts[index] = part
            done += len(chunk)
        else:
            todo.append((index, chunk, html, part))
    if progress:
        progress(done)
    processes = min(processes or processes_default(), max(1, len(todo)))
    failures: list[tuple[int, str]] = []  # (position in the batch, reason) of sheets left out

    def one(task) -> int:
        """Render one chunk and store its part (runs in a pool thread: no database here)."""
        index, chunk, html, part = task
        try:
            pdf = renderers.render(html)
        except RenderFailed as failure:
            logger.warning(
                "document job %s: chunk %s failed (%s); rendering it sheet by sheet",
                job.pk,
                index,
                failure.args[0] if failure.args else "",
            )
            pdfs = []
            for position, sheet in enumerate(chunk):
                try:
                    pdfs.append(renderers.render(chunk_html([sheet], title=job.download_name)))
                except RenderFailed:
                    logger.warning("document job %s: schedule %s left out", job.pk, sheet.schedule_id)
                    failures.append(
                        (
                            index * size + position,
                            SHEET_FAILED.format(name=sheet.client_name, provider=sheet.provider_label),
                        )
                    )
            pdf = _join(pdfs) if pdfs else None
        if pdf is not None:
            tmp = part.with_suffix(".tmp")
            tmp.write_bytes(pdf)
            tmp.replace(part)
            parts[index] = part
        return len(chunk)

    with Renderers(processes) as renderers:
        if processes <= 1:
            for task in todo:
                done += one(task)
                if progress:
                    progress(done)
        else:
            with ThreadPoolExecutor(max_workers=processes) as pool:
                for finished in as_completed([pool.submit(one, task) for task in todo]):
                    done += finished.result()  # re-raises an unexpected error (the job retries)
                    if progress:
                        progress(done)
    skipped += [reason for _, reason in sorted(failures)]

    writer = PdfWriter()
    pages = 0
    for part in parts:
        if part is not None:
            reader = PdfReader(io.BytesIO(part.read_bytes()))
            writer.append(reader)
            pages += len(reader.pages)
    if not pages:
        discard_parts(job)
        return None, 0, skipped
    out = io.BytesIO()
    writer.add_metadata({"/Title": f"サービス提供票 {job.month:%Y年%m月} {job.provider_label}"})
    writer.write(out)
    return out.getvalue(), pages, skipped
