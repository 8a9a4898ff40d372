"""Browser journeys of the exchange pages (Playwright + /usr/bin/chromium)."""

import pytest
from django.conf import settings as django_settings

from tests.conftest import login_client
from tests.exchange.samples import schedule_unit


def logged_in(new_page, live_server, membership):
    client = login_client(membership)
    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


@pytest.mark.e2e
def test_csv_check_page_shows_findings_table(new_page, live_server, transactional_db, tmp_path, screenshot):
    from portal.offices.models import Role
    from tests.factories import MembershipFactory, OfficeFactory

    membership = MembershipFactory(office=OfficeFactory(kinds=["11"]), role=Role.SERVICE_STAFF)
    page = logged_in(new_page, live_server, membership)
    unit = schedule_unit()
    paths = []
    for name, data in unit.files:
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    page.goto(live_server.url + "/exchange/check/")
    page.get_by_role("link", name="標準仕様CSVチェック").wait_for()
    page.set_input_files("input[type=file]", paths)
    page.get_by_text("3ファイル").wait_for()
    page.get_by_role("button", name="チェックする").click()
    assert "エラーはありません" in page.get_by_test_id("check-summary").inner_text()

    bad = tmp_path / unit.files[0][0]
    bad.write_bytes(unit.files[0][1].replace(b"\r\n", b",\r\n", 1))  # one field too many in record 1
    page.set_input_files("input[type=file]", [str(bad)])
    page.get_by_role("button", name="チェックする").click()
    assert "エラー" in page.get_by_test_id("check-summary").inner_text()
    table = page.get_by_test_id("findings")
    assert "項目数" in table.inner_text()
    screenshot(page, "exchange-check")
