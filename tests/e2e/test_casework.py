"""A care manager on a visit logs two contacts on a phone-sized screen (390 px), then reads them back."""

from __future__ import annotations

import pytest

from portal.casework.models import SupportLogEntry
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory
from tests.isolation_objects import _documents_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_log_two_contacts_on_a_phone(new_page, live_server, screenshot):
    office = OfficeFactory(kinds=["43"])
    member = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    with office_scope(office):
        client = _documents_client(office)
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, member.user.email, PASSWORD)

    page.goto(f"{live_server.url}/clients/{client.pk}/")
    card = page.locator("#casework")
    card.get_by_label("種別").select_option(label="訪問")
    card.get_by_label("相手").fill("本人・長女")
    card.get_by_label("内容").fill("自宅を訪問。居室内の移動は伝い歩きで安定。")
    screenshot(page, "casework-client-card-390")
    card.get_by_role("button", name="支援経過に記録").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/clients/{client.pk}/")
    assert "支援経過を記録しました" in page.content()

    page.goto(f"{live_server.url}/casework/clients/{client.pk}/log/")
    page.get_by_label("種別").first.select_option(label="電話")
    page.get_by_label("内容").fill("")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert "内容を入力してください" in page.content()
    page.get_by_label("内容").fill("ひまわり訪問介護に訪問時間の変更を連絡。")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=log-entry]").count() == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the log page scrolls sideways on a phone ({width}px)"
    screenshot(page, "casework-log-390")
    with office_scope(office):
        assert sorted(SupportLogEntry.objects.values_list("kind", flat=True)) == ["phone", "visit"]

    page.goto(f"{live_server.url}/casework/clients/{client.pk}/assessments/new/")
    page.get_by_label("理由", exact=True).select_option(label="初回")
    page.get_by_label("歩行").select_option(label="見守り")
    page.locator("#id_item_11").fill("屋内は伝い歩き。入浴は一部介助。")
    page.locator("#id_problem_1").fill("自宅の風呂に安心して入りたい。")
    screenshot(page, "casework-assessment-form-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    assert "アセスメントを保存しました" in page.content()

    wide = new_page()
    login(wide, live_server, member.user.email, PASSWORD)
    wide.goto(f"{live_server.url}/casework/clients/{client.pk}/log/")
    screenshot(wide, "casework-log-1366")
    wide.goto(f"{live_server.url}/clients/{client.pk}/")
    screenshot(wide, "casework-client-card-1366")

    wide.get_by_role("link", name="担当者会議（第4表）").click()
    wide.get_by_role("link", name="会議を記録する").click()
    wide.get_by_label("開催場所").fill("利用者宅")
    wide.get_by_label("所属（職種）").first.fill("長女")
    wide.get_by_label("氏名").first.fill("帳票 花子")
    wide.get_by_label("検討した項目").fill("入浴の支援方法")
    screenshot(wide, "casework-meeting-form-1366")
    wide.get_by_role("button", name="保存する").click()
    wide.wait_for_load_state()
    assert "サービス担当者会議の要点を保存しました" in wide.content()
    screenshot(wide, "casework-meeting-list-1366")


def test_record_this_months_monitoring_on_a_phone_and_the_dashboard_warning_goes(new_page, live_server, screenshot):
    import datetime as dt

    from django.utils import timezone

    from portal.casework.models import Monitoring
    from tests.documents.conftest import make_plan

    office = OfficeFactory(kinds=["43"])
    member = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    with office_scope(office):
        client = _documents_client(office)
        plan = make_plan(client, needs=1)
        plan.status = "delivered"
        plan.plan_date = timezone.localdate().replace(day=1) - dt.timedelta(days=10)
        plan.save()
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    warning = page.locator("[data-testid=monitoring-warnings]")
    assert "未記録の利用者: 1人" in warning.inner_text()
    screenshot(page, "casework-dashboard-warning-390")
    warning.get_by_role("link", name="帳票　太郎さん").click()
    page.get_by_role("link", name="のモニタリングを記録").click()
    page.get_by_label("利用者の居宅（訪問）").check()
    for label in ("達成", "一部達成"):
        page.locator(".cw-goal").nth(0 if label == "達成" else 1).get_by_label(label, exact=True).check()
    page.get_by_label("利用者・家族の意見").fill("本人: 入浴が楽になった。")
    page.get_by_label("今後の方針").fill("現行計画を継続。")
    screenshot(page, "casework-monitoring-form-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the monitoring form scrolls sideways on a phone ({width}px)"
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert "モニタリングを記録しました" in page.content()
    screenshot(page, "casework-monitoring-list-390")
    with office_scope(office):
        assert Monitoring.objects.get().evaluations.count() == 2
    page.goto(f"{live_server.url}/dashboard/")
    assert "未記録の利用者" not in page.locator("[data-testid=monitoring-warnings]").inner_text()
