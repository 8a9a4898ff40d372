"""Errors are tied to their fields on the forms converted for issue 21 item 2: after a failed submit focus
is on the error summary, whose links focus each field; every invalid field has aria-invalid and an
aria-describedby naming elements that exist; axe finds nothing on the page with its errors."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.offices.tenancy import office_scope
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import AXE, _axe
from tests.factories import PASSWORD
from tests.isolation_objects import MAKERS, _careplans_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, owner):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    login(page, live_server, owner.user.email, PASSWORD)
    yield page
    context.close()


def assert_tied(page, field_id, text):
    """Focus is on the summary; it names the field; its link focuses it; the field is described."""
    summary = page.locator("[data-error-summary]").first
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')"), page.evaluate(
        "document.activeElement.outerHTML.slice(0, 300)"
    )
    assert text in summary.inner_text()
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert described, f"#{field_id} has no aria-describedby"
    for target in described:
        assert page.locator(f"#{target}").count() == 1, f"aria-describedby names #{target}, which is missing"
    assert any(text in page.locator(f"#{t}").inner_text() for t in described)
    summary.locator(f"a[href='#{field_id}']").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == field_id
    found = _axe(page)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_certification_form(page, live_server, office, owner, screenshot):
    with office_scope(office):
        client_id = MAKERS["client_id"](office, owner)
    page.goto(live_server.url + reverse("clients:certification_create", kwargs={"client_id": client_id}))
    page.fill("#id_valid_from", "")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert_tied(page, "id_valid_from", "有効期間")
    screenshot(page, "errors-certification-1366")


def test_table1(page, live_server, office, owner, screenshot):
    with office_scope(office):
        plan = _careplans_draft(office)["plan"]
    page.goto(live_server.url + reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk}))
    page.fill("#id_first_plan_date", "あいう")
    page.click("main form button[value='']")
    page.wait_for_load_state()
    assert_tied(page, "id_first_plan_date", "")
    screenshot(page, "errors-table1-1366")


def test_economics_search(page, live_server, office, owner, screenshot):
    page.goto(live_server.url + reverse("billing:economics"))
    page.fill("#id_k-fte", "0.5")
    page.click("form[action='#kyotaku'] button[type=submit]")
    page.wait_for_load_state()
    assert_tied(page, "id_k-fte", "1.0以上")
    screenshot(page, "errors-economics-1366")


def test_table3_add_form_by_htmx(page, live_server, office, owner, screenshot):
    with office_scope(office):
        plan = _careplans_draft(office)["plan"]
    page.goto(live_server.url + reverse("careplans:plan_table3", kwargs={"plan_id": plan.pk}))
    form = page.locator("#weekly-add-form")
    form.locator("input[name=content]").fill("訪問介護")
    form.locator("button[type=submit]").click()
    expect(page.locator("#weekly-add-form [data-error-summary]")).to_be_focused()
    field_id = page.locator("#weekly-add-form [data-error-summary] a").first.get_attribute("href")[1:]
    summary = page.locator("#weekly-add-form [data-error-summary]")
    assert "曜日" in summary.inner_text()
    # a group of boxes: the link focuses the first box; the group's boxes are described by the message
    summary.locator("a").first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(f"document.activeElement.closest('#{field_id}') !== null")  # the group's first box
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    assert not _axe(page)
    screenshot(page, "errors-table3-1366")


def test_table2_field_saved_in_place_is_marked_invalid(page, live_server, office, owner, screenshot):
    with office_scope(office):
        draft = _careplans_draft(office)
    page.goto(live_server.url + reverse("careplans:plan_table2", kwargs={"plan_id": draft["plan"].pk}))
    field = page.locator(f"#goal-from-{draft['goal'].pk}")
    field.fill("あいう")
    field.press("Tab")  # change → saved by htmx → refused
    box = page.locator(f"#errors-goal-{draft['goal'].pk}")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert box.inner_text().strip()
    assert field.get_attribute("aria-describedby") == f"errors-goal-{draft['goal'].pk}"
    screenshot(page, "errors-table2-1366")
    field.fill("R8.4.1")
    field.press("Tab")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    assert not box.inner_text().strip()


def test_schedule_sheet_summary_links_to_the_refused_cells(page, live_server, office, owner, screenshot):
    with office_scope(office):
        schedule_id = MAKERS["schedule_id"](office, owner)
    page.goto(live_server.url + reverse("schedules:edit", kwargs={"schedule_id": schedule_id}))
    page.fill("input[name='line-0-start']", "25:00")
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    summary = page.locator("[data-testid=sheet-errors]")
    expect(summary).to_be_focused()
    link = summary.locator("a[href='#line-0-start']")
    assert "25:00" in link.inner_text()
    field = page.locator("#line-0-start")
    assert field.get_attribute("aria-invalid") == "true"
    assert "25:00" in page.locator(f"#{field.get_attribute('aria-describedby')}").inner_text()
    assert page.locator("tr.errors [role=alert]").count() == 0  # one summary, not an alert per message
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "line-0-start"
    found = _axe(page)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    screenshot(page, "errors-schedule-1366")
