"""月次の締め in a browser: see what is missing, acknowledge a difference, confirm, make and download the
file, open the 給付管理票 PDF. (Data from factories; the signup-based journey is still to be written.)"""

from __future__ import annotations

import datetime as dt

import pytest

from linkage import kokuho
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.claims.conftest import make_client, make_month, received
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def bundled_masters(transactional_db):
    from portal.masters import loader as masters

    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def test_close_a_month_and_download_the_file(new_page, live_server, screenshot):
    from portal.claims.models import CareManagerNumber

    office = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    cm = MembershipFactory(office=office, role=Role.ADMIN, display_name="鈴木 一郎")
    with office_scope(office):
        CareManagerNumber.objects.create(office=office, membership=cm, number="13000123")
        client = make_client(office, care_manager=cm)
        make_month(client)
        received(office, client)
    page = new_page()
    login(page, live_server, cm.user.email, PASSWORD)
    page.goto(f"{live_server.url}/claims/?month=2026-10")
    page.get_by_text("未着").first.wait_for()
    screenshot(page, "claims-close-before")

    row = page.locator(f"#client-{client.pk}")
    row.get_by_label("予実の違いを確認しました").check()
    row.get_by_label("届かないまま確定する理由").fill("10月はデイサービスの利用なし（電話で確認）")
    row.get_by_role("button", name="実績を確定する").click()
    page.get_by_text("実績を確定しました（第1版・新規）").wait_for()

    page.get_by_role("button", name="提出用ファイルを作る").click()
    page.get_by_text("を作りました").wait_for()
    screenshot(page, "claims-close-after")
    with page.expect_download() as info:
        page.get_by_role("link", name="ダウンロード").click()
    download = info.value
    assert download.suggested_filename.startswith("d08") and download.suggested_filename.endswith(".csv")
    parsed = kokuho.read(open(download.path(), "rb").read())
    assert [r["kind"] for r in parsed.records] == ["1", "1"]

    page.goto(f"{live_server.url}/claims/?month=2026-10")
    page.get_by_role("link", name="給付管理票を見る（第1版）").click()
    page.get_by_text("給付管理票（令和8年10月分・第1版）").wait_for()
    screenshot(page, "claims-statement")

    page.goto(f"{live_server.url}/claims/kyotaku/?month=2026-10")
    page.get_by_text("居宅介護支援費（Ⅰ）").first.wait_for()
    row = page.locator("[data-testid=kyotaku] tbody tr").first
    row.get_by_label("初回加算").check()
    page.get_by_role("button", name="加算・減算を保存して計算し直す").click()
    page.get_by_text("加算・減算を保存しました").wait_for()
    # (1086 + 300) × 11.40 = 15,800.4 → 15,800円
    assert "15,800円" in page.locator("[data-testid=claim-total]").inner_text()
    screenshot(page, "claims-kyotaku")
