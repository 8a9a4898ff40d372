"""The fast batch (portal.documents.batch): chunks of sheets in one HTML document each, rendered by
several processes side by side. Its PDF must be the per-sheet PDFs put together — same text on
every page, same page count, same fonts — and a batch that fails halfway keeps what was made."""

from __future__ import annotations

import pytest

from portal.documents import batch, services, sheets
from portal.documents.models import DocumentJob, JobStatus
from tests.documents.conftest import HOME_HELP, MONTH, make_client, make_schedule
from tests.documents.pdfcheck import fonts, page_count, page_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def five_clients(in_office, member, media):
    names = [("阿部", "アベ"), ("井上", "イノウエ"), ("上田", "ウエダ"), ("江藤", "エトウ"), ("小川", "オガワ")]
    return [
        make_schedule(
            make_client(
                in_office,
                care_manager=member,
                family=family,
                given="太郎",
                kana=(kana, "タロウ"),
                insured=f"{i + 1:010d}",
            )
        )
        for i, (family, kana) in enumerate(names)
    ]


def _per_sheet_pdfs(job) -> list[bytes]:
    """Today's way: one WeasyPrint document per sheet, in the batch's order."""
    items = services.batch_items(month=job.month, provider_number=job.provider_office_number)
    out = []
    for item in items:
        schedule = sheets.schedule_queryset().get(pk=item.schedule_id)
        sheet = sheets.schedule_sheet(schedule, kind="provision", provider_number=item.provider_number)
        out.append(batch.render_in_process(batch.chunk_html([sheet], title=job.download_name)))
    return out


def _font_names(pdf: bytes) -> set[str]:
    return {f["name"].split("+", 1)[-1] for f in fonts(pdf)}


@pytest.mark.parametrize("processes", [1, 2])
def test_the_chunked_batch_equals_the_per_sheet_pdfs(five_clients, processes):
    job = services.document_job_create(
        office=five_clients[0].client.office, user=None, month=MONTH, provider_number=HOME_HELP[0]
    )
    pdf, pages, skipped = batch.render_batch(job, chunk_size=2, processes=processes)  # chunks of 2, 2 and 1
    singles = _per_sheet_pdfs(job)
    assert len(singles) == 5 and not skipped
    assert pages == page_count(pdf) == sum(page_count(s) for s in singles) == 10
    assert page_texts(pdf) == [text for single in singles for text in page_texts(single)]
    assert _font_names(pdf) == set().union(*(_font_names(s) for s in singles)) == {"IPAexGothic"}
    assert all(f["embedded"] for f in fonts(pdf))


def test_progress_moves_with_every_chunk(five_clients):
    job = services.document_job_create(
        office=five_clients[0].client.office, user=None, month=MONTH, provider_number=HOME_HELP[0]
    )
    seen = []
    batch.render_batch(job, chunk_size=2, processes=2, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 5 and len(seen) == 4 and seen == sorted(set(seen))  # 0, then each chunk


def test_a_sheet_that_cannot_be_rendered_is_left_out_and_named(five_clients, monkeypatch):
    real = batch.render_in_process

    def flaky(html):
        if "上田" in html:
            raise batch.RenderFailed("ValueError")
        return real(html)

    monkeypatch.setattr(batch, "render_in_process", flaky)
    monkeypatch.setattr(batch, "processes_default", lambda: 1)  # the seam is in this process
    job = services.document_job_create(
        office=five_clients[0].client.office, user=None, month=MONTH, provider_number=HOME_HELP[0]
    )
    services.document_job_run(job_id=job.pk, chunk_size=2)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.page_count == 8  # four 利用者 made, one left out
    assert (
        len(job.skipped) == 1 and job.skipped[0].startswith("上田　太郎さん（") and "入っていません" in job.skipped[0]
    )
    with job.file.open("rb") as f:
        texts = "".join(page_texts(f.read()))
    assert "阿部" in texts and "井上" in texts and "江藤" in texts and "小川" in texts and "上田" not in texts
    assert not batch.parts_dir(job).exists()  # the parts were joined, then deleted


def test_a_batch_whose_worker_died_halfway_keeps_what_was_made(five_clients, monkeypatch):
    real, rendered = batch.render_in_process, []

    def dies_at_the_third_chunk(html):
        if "小川" in html:  # the third chunk: the worker is killed here
            raise SystemExit("killed")
        rendered.append(html)
        return real(html)

    monkeypatch.setattr(batch, "render_in_process", dies_at_the_third_chunk)
    monkeypatch.setattr(batch, "processes_default", lambda: 1)
    job = services.document_job_create(
        office=five_clients[0].client.office, user=None, month=MONTH, provider_number=HOME_HELP[0]
    )
    with pytest.raises(SystemExit):
        services.document_job_run(job_id=job.pk, chunk_size=2, reclaim=True)
    assert len(list(batch.parts_dir(job).glob("*.pdf"))) == 2 and len(rendered) == 2  # kept on disk

    monkeypatch.setattr(batch, "render_in_process", lambda html: rendered.append(html) or real(html))
    services.document_job_run(job_id=job.pk, chunk_size=2, reclaim=True)  # the retry
    job.refresh_from_db()
    assert len(rendered) == 3 and "小川" in rendered[-1]  # only the rest was rendered
    assert job.status == JobStatus.DONE and job.page_count == 10 and not batch.parts_dir(job).exists()
    assert DocumentJob.objects.get(pk=job.pk).done == 5
