"""アセスメント on the 23 課題分析標準項目: structured fields and free text, versions started from the previous
one, 課題, the plan's 第2表 started from them (linked), the optimistic lock, the PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.careplans.models import CarePlan
from portal.casework.models import Assessment, PlanBasis
from portal.offices.tenancy import office_scope
from tests.documents.conftest import make_plan
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, text_of
from tests.forms import read_form, submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(office):
    with office_scope(office):
        return _documents_client(office)


def _assessments(office):
    with office_scope(office):
        return list(Assessment.objects.order_by("pk").prefetch_related("problem_rows"))


FIRST = {
    "assessed_on": "R8.11.2",
    "c_9_reason": "first",
    "c_11_walking": "partial",
    "c_11_transfer": "watch",
    "c_17_bathing": "full",
    "c_18_dentures": "yes",
    "c_5_level": "A2",
    "item_11": "屋内は伝い歩き。屋外は車いす。",
    "item_18": "上の義歯が合わない。",
    "problem_1": "自宅の風呂に安心して入りたい。",
    "problem_1_item": "17",
    "problem_2": "転ばずに家の中を歩きたい。",
    "problem_2_item": "11",
}


def test_structured_items_and_problems_then_a_new_version_starts_from_the_previous(owner_client, office, client_obj):
    url = reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk})
    page = owner_client.get(url).content.decode()
    for label in (
        "1. 基本情報（受付、利用者等基本情報）",
        "9. 今回のアセスメントの理由",
        "14. コミュニケーションにおける理解と表出の状況",
        "18. 口腔内の状況",
        "23. その他留意すべき事項・状況",
        "歩行",
        "一部介助",
        "全介助",
    ):
        assert label in page, label
    response = submit(owner_client, url, FIRST, button="保存する")
    assert response.status_code == 302
    [first] = _assessments(office)
    assert first.choices["11"] == {"walking": "partial", "transfer": "watch"} and first.choices["9"] == {
        "reason": "first"
    }
    assert first.items["11"] == "屋内は伝い歩き。屋外は車いす。"
    assert [(p.text, p.item_no) for p in first.problem_rows.all()] == [
        ("自宅の風呂に安心して入りたい。", 17),
        ("転ばずに家の中を歩きたい。", 11),
    ]
    detail = owner_client.get(response["Location"]).content.decode()
    for expected in (
        "第1版",
        "歩行: 一部介助",
        "入浴（洗身）: 全介助",
        "障害高齢者の日常生活自立度: A2",
        "自宅の風呂に安心して入りたい。",
    ):
        assert expected in detail, expected

    # 前回から作成: the page starts from the previous version, structured fields and 課題 included
    form = read_form(owner_client, url, form="assessment-form")
    assert form.value("c_11_walking") == "partial" and form.value("item_18").strip() == "上の義歯が合わない。"
    assert form.value("problem_2") == "転ばずに家の中を歩きたい。"
    response = submit(
        owner_client,
        url,
        {
            "assessed_on": "R8.11.20",
            "c_9_reason": "change",
            "c_11_walking": "full",
            "problem_3": "夜間の排泄に不安がある。",
        },
        button="保存する",
    )
    assert response.status_code == 302
    first, second = _assessments(office)
    assert second.previous_id == first.pk
    assert second.choices["11"] == {"walking": "full", "transfer": "watch"} and second.choices["18"] == {
        "dentures": "yes"
    }
    assert second.items["18"] == "上の義歯が合わない。"
    assert [p.text for p in second.problem_rows.all()][-1] == "夜間の排泄に不安がある。"
    assert first.choices["11"]["walking"] == "partial"  # the earlier version is kept as it was
    listing = owner_client.get(
        reverse("casework:assessment_list", kwargs={"client_id": client_obj.pk})
    ).content.decode()
    assert "第2版" in listing and "区分変更" in listing


def test_the_reason_is_required_and_nothing_is_lost(owner_client, office, client_obj):
    url = reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk})
    response = submit(
        owner_client, url, {"item_11": "伝い歩き。", "c_11_walking": "watch", "problem_1_item": "16"}, button="保存する"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "9. 今回のアセスメントの理由を選ぶか入力してください" in html and "伝い歩き。" in html
    assert "課題 1: 関連する項目を選んだ行に課題の内容がありません" in html
    assert 'value="watch" selected' in html
    future = submit(owner_client, url, {"c_9_reason": "first", "assessed_on": "R10.1.1"}, button="保存する")
    assert future.status_code == 422 and "未来の日付は記録できません" in future.content.decode()
    assert _assessments(office) == []


def test_a_change_by_another_member_meanwhile_is_not_overwritten(owner_client, member_client, office, client_obj):
    submit(
        owner_client,
        reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk}),
        FIRST,
        button="保存する",
    )
    [assessment] = _assessments(office)
    url = reverse("casework:assessment_edit", kwargs={"assessment_id": assessment.pk})
    mine = read_form(owner_client, url, form="assessment-form")
    assert submit(member_client, url, {"item_12": "買物は長女。"}, button="保存する").status_code == 302
    response = owner_client.post(url, mine.data({"item_15": "昼夜逆転なし。"}, button="保存する"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "鈴木 一郎さんが" in html and "あなたの変更はまだ保存していません" in html and "昼夜逆転なし。" in html
    [kept] = _assessments(office)
    assert kept.items["12"] == "買物は長女。" and kept.items["15"] == ""
    # having looked, saving again is deliberate and goes through (the page now carries the current version)
    response = owner_client.post(url, _resubmit(html))
    assert response.status_code == 302
    [saved] = _assessments(office)
    assert saved.items["15"] == "昼夜逆転なし。" and saved.lock_version == 3


def _resubmit(html: str) -> dict:
    from tests.forms import find_form, form_data, parse_forms

    return form_data(find_form(parse_forms(html), form="assessment-form"), button="保存する")


def test_start_the_plans_table2_from_the_problems_and_the_plan_shows_its_basis(member_client, office, client_obj):
    submit(
        member_client,
        reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk}),
        FIRST,
        button="保存する",
    )
    [assessment] = _assessments(office)
    detail = member_client.get(reverse("casework:assessment_detail", kwargs={"assessment_id": assessment.pk}))
    assert "この課題から計画書（第2表）を作る" in detail.content.decode()
    url = reverse("casework:assessment_plan", kwargs={"assessment_id": assessment.pk})
    form = read_form(member_client, url, form="plan-from-assessment")
    ids = [c.value for c in form.form.controls if c.name == "problems"]
    # the care manager leaves out the second 課題
    response = member_client.post(
        url, form.data({"problems": [ids[0]], "plan_date": "R8.11.25"}, button="第2表に入れて計画書を開く")
    )
    assert response.status_code == 302
    with office_scope(office):
        plan = CarePlan.objects.get(client=client_obj)
        assert plan.plan_date == dt.date(2026, 11, 25) and plan.status == "draft"
        assert [n.text for n in plan.needs.order_by("position")] == ["自宅の風呂に安心して入りたい。"]
        assert PlanBasis.objects.get(plan=plan).assessment_id == assessment.pk
    assert response["Location"] == reverse("careplans:plan_table2", kwargs={"plan_id": plan.pk})
    page = member_client.get(reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk})).content.decode()
    assert "課題分析の根拠" in page and "令和8年11月2日のアセスメント" in page

    # a second time the draft gets the other 課題 at the end
    form = read_form(member_client, url, form="plan-from-assessment")
    assert "作成中の下書き" in member_client.get(url).content.decode()
    assert (
        member_client.post(url, form.data({"problems": [ids[1]]}, button="第2表に入れて計画書を開く")).status_code
        == 302
    )
    with office_scope(office):
        assert [n.text for n in plan.needs.order_by("position")] == [
            "自宅の風呂に安心して入りたい。",
            "転ばずに家の中を歩きたい。",
        ]


def test_no_problem_chosen_or_a_stale_draft_page_writes_nothing(member_client, office, client_obj):
    submit(
        member_client,
        reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk}),
        FIRST,
        button="保存する",
    )
    [assessment] = _assessments(office)
    url = reverse("casework:assessment_plan", kwargs={"assessment_id": assessment.pk})
    form = read_form(member_client, url, form="plan-from-assessment")
    response = member_client.post(url, form.data({"problems": []}, button="第2表に入れて計画書を開く"))
    assert response.status_code == 422 and "計画書に入れる課題を1つ以上選んでください" in response.content.decode()
    with office_scope(office):
        plan = make_plan(client_obj, needs=1)
        plan.status = "draft"
        plan.save()
    stale = read_form(member_client, url, form="plan-from-assessment")
    with office_scope(office):
        CarePlan.objects.filter(pk=plan.pk).update(lock_version=plan.lock_version + 1, updated_by_name="佐藤 花子")
    response = member_client.post(url, stale.data(button="第2表に入れて計画書を開く"))
    assert response.status_code == 422 and "佐藤 花子さんが" in response.content.decode()
    with office_scope(office):
        assert plan.needs.count() == 1 and not PlanBasis.objects.exists()


def test_a_clerk_cannot_start_a_plan(office, client_obj):
    from portal.offices.models import Role
    from tests.conftest import login_client
    from tests.factories import MembershipFactory

    clerk = login_client(MembershipFactory(office=office, role=Role.CLERK))
    with office_scope(office):
        assessment = Assessment.objects.create(office=office, client=client_obj, assessed_on=dt.date(2026, 11, 2))
    assert clerk.get(reverse("casework:assessment_plan", kwargs={"assessment_id": assessment.pk})).status_code == 403


def test_the_pdf_lists_the_23_items_the_choices_and_the_problems(owner_client, office, client_obj):
    submit(
        owner_client,
        reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk}),
        FIRST,
        button="保存する",
    )
    [assessment] = _assessments(office)
    response = owner_client.get(reverse("casework:assessment_pdf", kwargs={"assessment_id": assessment.pk}))
    assert response.status_code == 200 and "帳票" not in response["Content-Disposition"]
    text = text_of(response.content)
    for expected in (
        "アセスメントシート（課題分析標準項目）",
        "帳票太郎",
        "殿",
        "令和8年11月2日",
        "基本情報に関する項目",
        "課題分析（アセスメント）に関する項目",
        "コミュニケーションにおける理解と表出の状況",
        "その他留意すべき事項・状況",
        "歩行：一部介助",
        "入浴（洗身）：全介助",
        "上の義歯が合わない。",
        "課題の整理",
        "自宅の風呂に安心して入りたい。",
    ):
        assert expected.replace(" ", "") in text, expected
    assert page_count(response.content) <= 2
    assert_only_japanese_font_embedded(response.content)
