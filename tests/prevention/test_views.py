"""The 介護予防支援 pages, submitted as a browser would (tests/forms.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.offices.tenancy import office_scope
from portal.prevention.models import BasicInfo, PreventionPlan
from tests.careplans.conftest import make_client
from tests.forms import read_form, submit
from tests.prevention.conftest import jpeg_bytes, png_bytes


def test_the_client_page_links_prevention_only_for_support_clients(member_client, support_client, office):
    page = member_client.get(reverse("clients:detail", kwargs={"client_id": support_client.pk}))
    assert "介護予防支援（利用者基本情報" in page.content.decode()
    care = make_client(office)  # 要介護2
    page = member_client.get(reverse("clients:detail", kwargs={"client_id": care.pk}))
    assert "介護予防支援（利用者基本情報" not in page.content.decode()


def test_basic_info_is_saved_with_its_rows_and_a_clean_image(member_client, support_client):
    url = reverse("prevention:basic_info_create", kwargs={"client_id": support_client.pk})
    response = submit(
        member_client,
        url,
        {
            "consultation_date": "令和8年4月2日",
            "consultant_name": "予防 一郎",
            "consultant_relation": "長男",
            "life_history": "小学校の教員を40年。",
            "checklist_result": "1",
            "checklist_date": "令和8年4月2日",
            "history-0-onset": "R2年4月",
            "history-0-disease": "変形性膝関節症",
            "history-0-attending": True,
            "history-0-progress": "01",
            "schedule-0-time": "6:00",
            "schedule-0-self_status": "起床・体操",
            "family_image_upload": SimpleUploadedFile("家族.jpg", jpeg_bytes(exif=True), content_type="image/jpeg"),
        },
        button="保存する",
    )
    assert response.status_code == 302
    with office_scope(support_client.office_id):
        info = BasicInfo.objects.get(client=support_client)
        assert info.consultant_name == "予防 一郎" and info.checklist_result == "1"
        assert [(h.disease, h.attending) for h in info.medical_histories.all()] == [("変形性膝関節症", True)]
        assert [s.self_status for s in info.daily_schedules.all()] == ["起床・体操"]
    image = member_client.get(reverse("prevention:basic_info_image", kwargs={"basic_info_id": info.pk}))
    assert image["Content-Type"] == "image/jpeg" and b"SecretCamera" not in image.content
    # the page shows what was saved, in 和暦
    form = read_form(member_client, response["Location"], button="保存する")
    assert form.value("consultation_date") == "令和8年4月2日"
    assert form.value("history-0-disease") == "変形性膝関節症"


def test_a_png_is_refused_and_the_typed_text_is_kept(member_client, support_client):
    url = reverse("prevention:basic_info_create", kwargs={"client_id": support_client.pk})
    response = submit(
        member_client,
        url,
        {
            "consultation_date": "令和8年4月2日",
            "life_history": "農業を営んできた。",
            "family_image_upload": SimpleUploadedFile("family.png", png_bytes(), content_type="image/png"),
        },
        button="保存する",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "家族構成の画像は JPEG 形式（.jpg）にしてください" in html
    assert "農業を営んできた。" in html
    with office_scope(support_client.office_id):
        assert not BasicInfo.objects.filter(client=support_client).exists()


def _make_plan(member_client, client, **extra):
    url = reverse("prevention:plan_create", kwargs={"client_id": client.pk})
    response = submit(
        member_client,
        url,
        {
            "plan_date": "令和8年4月10日",
            "overall_policy": "外出の機会を保ち、膝の痛みを悪化させない。",
            "row-0-issue_no": "1",
            "row-0-text": "膝の痛みで外出が減っている",
            "row-0-goal": "週2回スーパーまで歩く",
            "row-0-point": "膝に負担をかけない運動",
            "row-0-kind": "介護予防通所リハビリテーション",
            "row-0-provider": "あおぞらリハ",
            "row-1-issue_no": "1",
            "row-1-kind": "自主トレーニング",
            "row-1-provider": "本人",
            **extra,
        },
        button="保存する",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_plan_rows_become_the_numbered_tree(member_client, support_client):
    _make_plan(member_client, support_client)
    with office_scope(support_client.office_id):
        plan = PreventionPlan.objects.get(client=support_client)
        issue = plan.issues.get()
        support = issue.supports.get()
        assert (issue.position, issue.text, support.position) == (1, "膝の痛みで外出が減っている", 1)
        assert [(u.position, u.kind) for u in support.services.all()] == [
            (1, "介護予防通所リハビリテーション"),
            (2, "自主トレーニング"),
        ]
        assert plan.support_level == "2"  # from the 要支援2 certification


def test_a_row_without_issue_number_is_refused(member_client, support_client):
    url = reverse("prevention:plan_create", kwargs={"client_id": support_client.pk})
    response = submit(
        member_client, url, {"plan_date": "令和8年4月10日", "row-0-text": "転倒の不安"}, button="保存する"
    )
    assert response.status_code == 200
    assert "この行の課題番号（1、2…）を入力してください。" in response.content.decode()


def test_delivery_needs_consent_then_freezes_the_plan(member_client, support_client):
    plan_url = _make_plan(member_client, support_client)
    page = member_client.get(plan_url).content.decode()
    assert "計画に関する同意（同意日と同意者氏名）が記録されていません" in page
    assert "交付を記録する" not in page
    submit(member_client, plan_url, {"consent_on": "令和8年4月10日", "consent_name": "予防 春子"}, button="保存する")
    response = submit(member_client, plan_url, {"delivered_on": "令和8年4月12日"}, button="交付を記録する")
    assert response.status_code == 302
    page = member_client.get(plan_url).content.decode()
    assert "交付済" in page and "自主トレーニング" in page and "保存する" not in page


def test_plan_page_shows_the_first_plan_date_blank_until_saved(member_client, support_client):
    form = read_form(
        member_client, reverse("prevention:plan_create", kwargs={"client_id": support_client.pk}), button="保存する"
    )
    assert form.value("first_plan_date") in ("", None)
    plan_url = _make_plan(member_client, support_client)
    assert read_form(member_client, plan_url, button="保存する").value("first_plan_date") == "令和8年4月10日"
