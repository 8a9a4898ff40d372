"""A care manager prints for partners on paper: opens a 利用者's month, downloads the サービス提供票
PDF, then starts the month's batch and downloads it when the progress bar completes (a real
Celery worker takes the job from Redis)."""

from __future__ import annotations

import pytest

from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.documents.conftest import DAY_CARE, HOME_HELP, make_client, make_schedule
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, page_texts, squash
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


@pytest.fixture
def celery_worker():
    """A real worker (solo pool, in a thread of this process) consuming the Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


def test_download_a_ticket_then_a_batch(new_page, live_server, screenshot, celery_worker):
    office = OfficeFactory(
        office_number="1310088001", name="ひかり居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    with office_scope(office):
        client = make_client(office, care_manager=cm)
        schedule = make_schedule(client)
        make_schedule(
            make_client(
                office, care_manager=cm, family="阿部", given="次郎", kana=("アベ", "ジロウ"), insured="0000000001"
            )
        )

    page = new_page(accept_downloads=True)
    login(page, live_server, cm.user.email, PASSWORD)

    # 1. The 帳票PDF page from the menu; choose the month and the client.
    page.click("nav.sidenav >> text=帳票PDF")
    page.fill("input[name=month]", "2026-11")
    page.select_option("select[name=client]", str(client.pk))
    page.click("form[data-testid=document-filter] button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=document-row]")
    assert rows.count() == 1 and "山田　太郎" in rows.inner_text()
    screenshot(page, "documents-month")

    # 2. Download the 提供票 for the home-help provider.
    with page.expect_download() as info:
        page.click(f"[data-testid=provision-link]:has-text('{HOME_HELP[1]}')")
    download = info.value
    assert download.suggested_filename == f"service-provision-202611-{schedule.pk}-{HOME_HELP[0]}.pdf"
    pdf = open(download.path(), "rb").read()
    assert page_count(pdf) == 2
    ticket = squash(page_texts(pdf)[0])
    assert "サービス提供票" in ticket and "山田太郎" in ticket and HOME_HELP[1] in ticket and DAY_CARE[1] not in ticket
    assert_only_japanese_font_embedded(pdf)

    # 3. Start the month's batch for every provider and watch the progress bar.
    page.goto(f"{live_server.url}/documents/?month=2026-11")
    page.select_option("select[name=provider]", "")
    page.click("form[data-testid=batch-form] button[type=submit]")
    page.wait_for_load_state()
    progress = page.locator("[data-testid=job-progress]")
    assert progress.count() == 1
    assert page.locator("[role=progressbar]").count() == 1
    screenshot(page, "documents-batch-started")
    page.wait_for_selector("[data-testid=job-progress][data-status=done]", timeout=120_000)
    assert page.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    screenshot(page, "documents-batch-done")

    with page.expect_download() as info:
        page.click("[data-testid=job-download]")
    batch = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename == "service-provision-202611-all.pdf"
    pages = [squash(p) for p in page_texts(batch)]
    assert len(pages) == 8  # 2 利用者 × 2 providers × (提供票 + 別表)
    assert [("阿部次郎" in p, HOME_HELP[1] in p) for p in pages[::2]] == [
        (True, True),
        (False, True),
        (True, False),
        (False, False),
    ]
