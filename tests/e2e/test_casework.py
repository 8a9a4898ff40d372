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
    page.get_by_role("textbox", name="内容").fill("ひまわり訪問介護に訪問時間の変更を連絡。")
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


def test_assessment_plan_meeting_log_and_monitoring_journey(new_page, live_server, screenshot):
    """A care manager writes an assessment, starts the plan's 第2表 from it, records the meeting, logs two contacts
    on a phone (one typed while the connection dropped), records this month's monitoring, and the dashboard
    warning for that 利用者 disappears."""
    import datetime as dt

    from django.utils import timezone

    from portal.careplans.models import CarePlan, ServiceItem
    from portal.casework.models import Assessment, Monitoring, PhraseTemplate, PlanBasis, ServiceMeeting
    from tests.documents.conftest import make_plan

    office = OfficeFactory(kinds=["43"])
    member = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    with office_scope(office):
        client = _documents_client(office)
        plan = make_plan(client, needs=1)
        plan_date = timezone.localdate().replace(day=1) - dt.timedelta(days=10)
        CarePlan.objects.filter(pk=plan.pk).update(status="delivered", plan_date=plan_date, delivered_on=plan_date)
        ServiceItem.objects.filter(short_goal__goal__need__plan=plan).update(period_from=plan_date)
        Assessment.objects.create(
            office=office,
            client=client,
            assessed_on=plan_date - dt.timedelta(days=5),
            choices={"9": {"reason": "first"}},
            items={"11": "屋内は伝い歩き。"},
        )
        ServiceMeeting.objects.create(
            office=office,
            client=client,
            plan=plan,
            held_on=plan_date - dt.timedelta(days=2),
            place="利用者宅",
            topics="原案の検討",
        )
        PhraseTemplate.objects.create(office=office, position=1, text="体調に変化がないことを確認した。")

    wide = new_page()
    login(wide, live_server, member.user.email, PASSWORD)
    wide.goto(f"{live_server.url}/dashboard/")
    assert "帳票　太郎さん" in wide.locator("[data-testid=monitoring-warnings]").inner_text()
    assert "帳票　太郎さん" not in wide.locator("[data-testid=compliance-warnings]").inner_text()
    screenshot(wide, "casework-journey-dashboard-before-1366")

    # アセスメント: 前回から作成 (the previous version fills the form), structured items and 課題
    wide.goto(f"{live_server.url}/clients/{client.pk}/")
    wide.locator("#casework").get_by_role("link", name="アセスメント").click()
    wide.get_by_role("link", name="前回から新しく作成").click()
    assert wide.locator("#id_item_11").input_value() == "屋内は伝い歩き。"
    wide.get_by_label("理由", exact=True).select_option(label="状態の変化")
    wide.get_by_label("歩行").select_option(label="一部介助")
    wide.get_by_label("入浴（洗身）").select_option(label="全介助")
    wide.locator("#id_item_17").fill("浴槽をまたげない。")
    wide.locator("#id_problem_1").fill("自宅の風呂に安心して入りたい。")
    wide.locator("#id_problem_1_item").select_option(label="17. 清潔の保持に関する状況")
    wide.locator("#id_problem_2").fill("転ばずに家の中を歩きたい。")
    screenshot(wide, "casework-journey-assessment-form-1366")
    wide.get_by_role("button", name="保存する").click()
    wide.wait_for_load_state()
    assert "アセスメントを保存しました" in wide.content() and "第2版" in wide.content()
    screenshot(wide, "casework-journey-assessment-detail-1366")

    # the plan's 第2表 from the 課題 (a new version of the plan, linked to the assessment)
    wide.get_by_role("link", name="この課題から計画書（第2表）を作る").click()
    screenshot(wide, "casework-journey-plan-from-assessment-1366")
    wide.get_by_role("button", name="第2表に入れて計画書を開く").click()
    wide.wait_for_load_state()
    assert "/table2/" in wide.url
    assert "自宅の風呂に安心して入りたい。" in wide.content()
    assert "課題分析の根拠" in wide.locator("[data-testid=plan-basis]").inner_text()
    screenshot(wide, "casework-journey-plan-table2-1366")
    with office_scope(office):
        draft = CarePlan.objects.get(client=client, status="draft")
        assert PlanBasis.objects.get(plan=draft).assessment.previous_id is not None

    # 第4表 for the new version
    wide.goto(f"{live_server.url}/casework/clients/{client.pk}/meetings/")
    wide.get_by_role("link", name="会議を記録する").click()
    wide.get_by_label("開催場所").fill("利用者宅")
    wide.get_by_label("所属（職種）").first.fill("長女")
    wide.get_by_label("氏名").first.fill("帳票 花子")
    wide.get_by_label("検討した項目").fill("入浴の支援方法の変更")
    wide.get_by_role("button", name="保存する").click()
    wide.wait_for_load_state()
    assert "サービス担当者会議の要点を保存しました" in wide.content()
    with office_scope(office):
        assert ServiceMeeting.objects.filter(plan=draft).exists()

    # on the phone: two contacts, one typed while the connection dropped
    phone = new_page(is_mobile=True, has_touch=True)
    phone.set_viewport_size({"width": 390, "height": 844})
    login(phone, live_server, member.user.email, PASSWORD)
    phone.goto(f"{live_server.url}/casework/clients/{client.pk}/log/")
    form = phone.locator("#support-log-form")
    form.get_by_label("種別").select_option(label="訪問")
    form.get_by_label("相手").fill("本人・長女")
    form.get_by_label("内容").focus()
    phone.keyboard.press("Alt+t")
    assert phone.evaluate("document.activeElement.id") == "log-phrase-picker"
    phone.locator("#log-phrase-picker").select_option(label="体調に変化がないことを確認した。")
    assert form.get_by_label("内容").input_value() == "体調に変化がないことを確認した。"
    phone.context.set_offline(True)
    form.get_by_label("内容").press("End")
    form.get_by_label("内容").type("浴室の段差を確認。")
    status = phone.locator("[data-draft-status]")
    status.filter(has_text="通信できないため").wait_for()
    screenshot(phone, "casework-journey-log-offline-390")
    phone.context.set_offline(False)
    status.filter(has_text="下書きを自動保存しました").wait_for(timeout=30000)
    phone.reload()
    assert form.get_by_label("内容").input_value() == "体調に変化がないことを確認した。浴室の段差を確認。"
    form.get_by_role("button", name="記録する").click()
    phone.wait_for_load_state()
    assert "支援経過を記録しました" in phone.content()
    form.get_by_label("種別").select_option(label="電話")
    form.get_by_label("相手").fill("ひまわり訪問介護")
    form.get_by_label("内容").fill("入浴介助の時間変更を連絡。")
    form.get_by_role("button", name="記録する").click()
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=log-entry]").count() == 2
    assert form.get_by_label("内容").input_value() == ""  # the saved draft is not put back
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "casework-journey-log-390")

    # this month's monitoring on the phone
    phone.goto(f"{live_server.url}/casework/clients/{client.pk}/monitoring/")
    phone.get_by_role("link", name="のモニタリングを記録").click()
    phone.get_by_label("利用者の居宅（訪問）").check()
    for i, goal in enumerate(phone.locator(".cw-goal").all()):
        goal.get_by_label("達成" if i == 0 else "一部達成", exact=True).check()
    phone.get_by_label("利用者・家族の意見").fill("本人: 入浴が楽になった。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "casework-journey-monitoring-390")
    phone.get_by_role("button", name="記録する").click()
    phone.wait_for_load_state()
    assert "モニタリングを記録しました" in phone.content()
    with office_scope(office):
        assert Monitoring.objects.filter(client=client, month=timezone.localdate().replace(day=1)).exists()

    wide.goto(f"{live_server.url}/dashboard/")
    assert "帳票　太郎さん" not in wide.locator("[data-testid=monitoring-warnings]").inner_text()
    assert "帳票　太郎さん" not in wide.locator("[data-testid=compliance-warnings]").inner_text()
    screenshot(wide, "casework-journey-dashboard-after-1366")

    wide.goto(f"{live_server.url}/casework/clients/{client.pk}/timeline/")
    kinds = set(wide.locator("[data-testid=timeline-event]").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"assessment", "plan", "meeting", "log", "monitoring"} <= kinds
    screenshot(wide, "casework-journey-timeline-1366")
    phone.goto(f"{live_server.url}/casework/clients/{client.pk}/timeline/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "casework-journey-timeline-390")


def test_warnings_timeline_and_phrases_pages_at_both_widths(new_page, live_server, screenshot):
    """The 運営基準 warnings (dashboard, 利用者 page), the timeline and the 定型文 page read at 1366 px and 390 px."""
    import datetime as dt

    from django.utils import timezone

    from portal.careplans.models import CarePlan

    office = OfficeFactory(kinds=["43"])
    member = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    with office_scope(office):
        client = _documents_client(office)
        CarePlan.objects.create(
            client=client, plan_date=timezone.localdate() - dt.timedelta(days=20), status="confirmed"
        )
    for width in (1366, 390):
        page = new_page(is_mobile=width == 390, has_touch=width == 390)
        page.set_viewport_size({"width": width, "height": 900 if width == 1366 else 844})
        login(page, live_server, member.user.email, PASSWORD)
        page.goto(f"{live_server.url}/dashboard/")
        warnings = page.locator("[data-testid=compliance-warnings]")
        for rule in ("サービス担当者会議", "計画書の交付", "アセスメント"):
            assert rule in warnings.inner_text()
        warnings.locator("li[data-rule=meeting] summary").click()
        assert "第13条第9号" in warnings.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"casework-dashboard-compliance-{width}")
        page.goto(f"{live_server.url}/clients/{client.pk}/")
        assert page.locator("[data-testid=client-compliance-warnings] li").count() == 3
        screenshot(page, f"casework-client-compliance-{width}")
        page.goto(f"{live_server.url}/casework/clients/{client.pk}/timeline/")
        assert page.locator("[data-testid=timeline-event]").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"casework-timeline-{width}")
        page.goto(f"{live_server.url}/casework/phrases/")
        page.locator("#id_phrase-0-text").fill("本人・家族と面談し、体調に変化がないことを確認した。")
        page.get_by_role("button", name="保存する").click()
        page.wait_for_load_state()
        assert "定型文を保存しました" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"casework-phrases-{width}")
        page.goto(f"{live_server.url}/casework/clients/{client.pk}/assessments/new/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"casework-assessment-form-{width}")
