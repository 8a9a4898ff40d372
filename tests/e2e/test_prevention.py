"""Browser walk through the 介護予防支援 pages (利用者基本情報 → 計画書 → 交付), with screenshots."""

import pytest

from tests.e2e.test_exchange import logged_in


@pytest.mark.e2e
def test_prevention_pages_from_the_client_page(new_page, live_server, transactional_db, tmp_path, screenshot):
    from portal.offices.models import Role
    from tests.factories import MembershipFactory, OfficeFactory
    from tests.prevention.conftest import jpeg_bytes, make_support_client

    member = MembershipFactory(office=OfficeFactory(kinds=["43"]), role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    client = make_support_client(member.office, care_manager=member)
    image = tmp_path / "family.jpg"
    image.write_bytes(jpeg_bytes(exif=True, size=(400, 260)))

    page = logged_in(new_page, live_server, member)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_test_id("prevention-link").click()
    page.get_by_role("link", name="新しい相談日の利用者基本情報を作成").click()
    page.fill("input[name=consultation_date]", "令和8年4月2日")
    page.fill("input[name=consultant_name]", "予防 一郎")
    page.fill("textarea[name=life_history]", "小学校の教員を40年務め、退職後は町内会の役員。")
    page.fill("input[name=schedule-0-time]", "6:00")
    page.fill("input[name=schedule-0-self_status]", "起床・ラジオ体操")
    page.fill("input[name=history-0-onset]", "R2年4月")
    page.fill("input[name=history-0-disease]", "変形性膝関節症")
    page.set_input_files("input[name=family_image_upload]", str(image))
    page.get_by_label("事業対象者の該当あり").check()
    page.get_by_role("button", name="保存する").click()
    page.get_by_text("利用者基本情報を保存しました。").wait_for()
    page.get_by_alt_text("家族構成の画像").wait_for()
    screenshot(page, "prevention-basic-info-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "prevention-basic-info-390")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/prevention/clients/{client.pk}/")
    page.get_by_role("link", name="新しい計画書（作成・変更）を作成").click()
    page.fill("input[name=plan_date]", "令和8年4月10日")
    page.fill("input[name=row-0-issue_no]", "1")
    page.fill("textarea[name=row-0-text]", "膝の痛みで外出が減っている")
    page.fill("textarea[name=row-0-goal]", "週2回スーパーまで歩く")
    page.fill("textarea[name=row-0-point]", "膝に負担をかけない運動")
    page.fill("input[name=row-0-kind]", "介護予防通所リハビリテーション")
    page.fill("input[name=row-1-issue_no]", "1")
    page.fill("input[name=row-1-kind]", "自主トレーニング")
    page.fill("textarea[name=overall_policy]", "外出の機会を保ち、膝の痛みを悪化させない。")
    page.get_by_role("button", name="保存する").click()
    page.get_by_text("まだ交付できません").wait_for()
    screenshot(page, "prevention-plan-1366")
    page.fill("input[name=consent_on]", "令和8年4月10日")
    page.fill("input[name=consent_name]", "予防 春子")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("button", name="交付を記録する").click()
    page.get_by_test_id("delivered").wait_for()
    screenshot(page, "prevention-plan-delivered-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "prevention-plan-delivered-390")
    assert "自主トレーニング" in page.content()
