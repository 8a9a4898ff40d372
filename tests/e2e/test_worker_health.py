"""A care manager's batch survives a dead worker, and the page says what is going on: queue a PDF
batch, the worker is killed, the page shows 「バックグラウンド処理が止まっています」, a worker starts
again, and the batch finishes on the same page, without reloading (real worker process, Redis,
PostgreSQL)."""

from __future__ import annotations

import pytest

from portal.documents.models import DocumentJob
from portal.masters import loader as masters
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.documents.conftest import make_client, make_schedule
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory
from tests.jobs.live import live_worker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BANNER = "バックグラウンド処理が止まっています。運営者に連絡してください。"


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def test_batch_finishes_on_the_open_page_after_the_worker_dies(new_page, live_server, screenshot, settings, tmp_path):
    office = OfficeFactory(
        office_number="1310088002", name="ひかり居宅介護支援事業所", kinds=["43"], regional_grade="1"
    )
    cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="介護 花子")
    with office_scope(office):
        for i in range(12):
            make_schedule(
                make_client(office, care_manager=cm, insured=f"{i + 1:010d}", kana=("ヤマダ", f"タロウ{i:02d}"))
            )

    with live_worker(settings, tmp_path) as live:
        live.worker.start()
        page = new_page()
        login(page, live_server, cm.user.email, PASSWORD)
        page.goto(f"{live_server.url}/documents/?month=2026-11")
        page.wait_for_selector("[data-testid=background-stopped]", state="detached")  # worker seen
        page.select_option("select[name=provider]", "")
        page.click("form[data-testid=batch-form] button[type=submit]")
        page.wait_for_load_state()
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        progress = page.locator("[data-testid=job-progress]")
        # the worker is killed while it renders the batch
        page.wait_for_selector("[data-testid=job-progress][data-status=running]", timeout=120_000)
        with office_scope(office):
            wait_until(lambda: DocumentJob.objects.get().done >= 2, 120)
        live.worker.kill()
        page.wait_for_selector("[data-testid=background-stopped]", timeout=30_000)
        assert BANNER in page.inner_text("[data-testid=background-stopped]")
        assert progress.get_attribute("data-status") == "running"
        screenshot(page, "worker-health-banner")

        # a worker starts again: the banner goes and the same batch completes on the open page
        live.worker.start()
        page.wait_for_selector("[data-testid=job-progress][data-status=done]", timeout=240_000)
        page.wait_for_selector("[data-testid=background-stopped]", state="detached", timeout=30_000)
        assert page.evaluate("window.__sameDocument === true")
        assert page.locator("[data-testid=job-download]").is_visible()
        assert "24 件、48 ページ" in progress.inner_text()
        screenshot(page, "worker-health-done")
