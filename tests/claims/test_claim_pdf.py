"""The office's own claim on paper: 介護給付費請求書 (様式第一) and 明細書 (様式第七) per 利用者, read back
with pypdf and tied out against the records of the transmission file they come from.

The PDF of a kept file is rendered by the worker (a job, run in-process here; the real worker in
tests/e2e/test_close_journey.py), stored with the file and served again."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from linkage import kokuho
from portal.claims import services
from portal.claims.file_pdf import FILE_PDF_JOB_KIND, file_pdf_render
from portal.claims.models import TransmissionFile
from portal.jobs.models import Job, JobStatus
from portal.offices.tenancy import office_scope
from tests.claims.conftest import OCT
from tests.claims.test_kyotaku_page import PAGE, confirmed_month  # noqa: F401  (fixture)
from tests.forms import submit

CLOSE = reverse("claims:close") + "?month=2026-10"


@pytest.fixture
def eager():
    """Run queued jobs in-process (the real broker and worker: tests/e2e/test_close_journey.py)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _texts(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _pdf_pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    return _texts(b"".join(response.streaming_content))


def _make_pdf(client, page_url: str, button: str, capture) -> str:
    """Press 「…のPDFを作成」 on the page (the worker runs the job); the page afterwards."""
    with capture(execute=True):
        response = submit(client, page_url, {}, button=button)
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def _link(page: str, label: str) -> str:
    match = re.search(r'<a class="button small" href="([^"]+)">' + re.escape(label) + "</a>", page)
    assert match, label
    return match.group(1)


def test_the_claim_pdf_ties_out_with_the_file(
    owner_client,
    office,
    owner,
    confirmed_month,
    eager,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    light, heavy = confirmed_month
    submit(owner_client, PAGE, {f"addon-{light.pk}": ["first"], "concentration": True}, form="kyotaku-form")
    submit(owner_client, PAGE, {}, button="請求のファイルを作る")
    with office_scope(office):
        file = TransmissionFile.objects.get(data_type="711")
    parsed = kokuho.read(bytes(file.content))
    close_page = _make_pdf(owner_client, CLOSE, "請求書・明細書のPDFを作成", django_capture_on_commit_callbacks)
    response = owner_client.get(_link(close_page, "請求書・明細書（PDF）"))
    assert "0000011111" not in response["Content-Disposition"] and "山田" not in response["Content-Disposition"]
    pages = _pdf_pages(response)
    assert len(pages) == 1 + 2  # the 請求書 and one 明細書 per 利用者
    with office_scope(office):  # what the page used to render inside the request
        assert _texts(file_pdf_render(TransmissionFile.objects.get(pk=file.pk))) == pages

    [bill] = parsed.of("7111")
    first = pages[0]
    assert "介 護 給 付 費 請 求 書" in first or "介護給付費請求書" in first.replace(" ", "")
    assert "令和8年10月分" in first.replace(" ", "")
    # (1086 + 300 − 200) × 11.40 = 13,520.4 → 13,520; (1411 − 200) × 11.40 = 13,805.4 → 13,805
    assert (bill.int("count"), bill.int("units"), bill.int("cost_total")) == (2, 2397, 27325)
    row = re.search(r"居宅介護支援・ ?介護予防支援 ?([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+)", first)
    assert row, first
    assert [int(v.replace(",", "")) for v in row.groups()] == [
        bill.int("count"),
        bill.int("units"),
        bill.int("cost_total"),
        bill.int("insurance_claim"),
        bill.int("public_claim"),
        bill.int("copay"),
    ]

    details = parsed.of("8124")
    for text, insured in zip(pages[1:], ["0000011111", "0000022222"]):
        mine = [r for r in details if r["insured"] == insured]
        [total] = [r for r in mine if r.is_total]
        flat = text.replace(" ", "")
        assert "居宅介護支援介護給付費明細書" in flat and insured in flat
        for r in mine:
            assert r["service_code"] in flat
            assert f"{r.int('service_units'):,}" in text
        assert re.search(
            rf"{total.int('total_units'):,} ?単位 ?11\.40 ?円/単位 ?{total.int('claim_yen'):,} ?円", text
        ), text
        assert sum(r.int("service_units") for r in mine) == total.int("total_units")
    assert "山田" in pages[1] and "田中" in pages[2]
    assert "初回加算" in pages[1] and "特定事業所集中減算" in pages[1] and "居宅介護支援Ⅰⅰ２" in pages[2]


def test_the_benefit_file_pdf_carries_each_statement(
    owner_client,
    office,
    owner,
    confirmed_month,
    eager,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner)
    close_page = _make_pdf(owner_client, CLOSE, "給付管理票のPDFを作成", django_capture_on_commit_callbacks)
    pages = _pdf_pages(owner_client.get(_link(close_page, "給付管理票（PDF）")))
    assert len(pages) == 2
    with office_scope(office):  # what the page used to render inside the request
        assert _texts(file_pdf_render(file)) == pages
    totals = [r["total_units"] for r in kokuho.read(bytes(file.content)).records if r.is_total]
    for text, total in zip(pages, totals):
        assert "給付管理票" in text.replace(" ", "") and f"{int(total):,}" in text


def test_asking_twice_makes_one_job_and_the_page_says_it_is_being_made(
    owner_client, office, owner, confirmed_month, django_capture_on_commit_callbacks
):  # noqa: F811
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner)
    with django_capture_on_commit_callbacks(execute=False):  # no worker: the job stays queued
        submit(owner_client, CLOSE, {}, button="給付管理票のPDFを作成")
        page = owner_client.get(CLOSE).content.decode()
        assert "PDFを作成中…" in page and "給付管理票のPDFを作成" not in page
        # a second tab still shows the button: pressing it again joins the same job
        # deliberate: what a stale tab still showing the button posts (its form has no fields)
        owner_client.post(reverse("claims:file_pdf_create", args=[file.pk]))
    with office_scope(office):
        [job] = Job.objects.filter(kind=FILE_PDF_JOB_KIND)
    assert job.subject_id == file.pk and job.status == JobStatus.QUEUED
    state = owner_client.get(reverse("claims:file_pdf_state", args=[file.pk])).content.decode()
    assert "PDFを作成中…" in state and "hx-get" in state  # the cell keeps looking
    # not made yet: the PDF link leads back to the page that can make it
    response = owner_client.get(reverse("claims:file_pdf", args=[file.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("claims:close"))


def test_the_stored_pdf_is_served_again_and_goes_with_its_file(
    owner_client, office, owner, confirmed_month, eager, django_capture_on_commit_callbacks
):  # noqa: F811
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner)
    _make_pdf(owner_client, CLOSE, "給付管理票のPDFを作成", django_capture_on_commit_callbacks)
    with office_scope(office):
        file.refresh_from_db()
        assert Job.objects.get(kind=FILE_PDF_JOB_KIND).status == JobStatus.DONE
    assert file.pdf.name == f"claims/{office.pk}/202610/file-{file.pk}.pdf"  # ids only
    first = b"".join(owner_client.get(reverse("claims:file_pdf", args=[file.pk])).streaming_content)
    # asking again once it is there makes no second job: the stored PDF is served as is
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("claims:file_pdf_create", args=[file.pk]))
    with office_scope(office):
        assert Job.objects.filter(kind=FILE_PDF_JOB_KIND).count() == 1
    assert b"".join(owner_client.get(reverse("claims:file_pdf", args=[file.pk])).streaming_content) == first
    storage, name = file.pdf.storage, file.pdf.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True), office_scope(office):
        TransmissionFile.objects.filter(pk=file.pk).delete()
    assert not storage.exists(name)
