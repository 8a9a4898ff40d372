"""居宅サービス計画書 第1表・第2表・第3表 as a PDF, read back with poppler."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.documents.conftest import LONG_TEXT, make_client, make_plan
from tests.documents.pdfcheck import (
    assert_only_japanese_font_embedded,
    body_text,
    page_count,
    page_texts,
    squash,
    text_of,
)

pytestmark = pytest.mark.django_db


def get_pdf(client, plan, **params):
    return client.get(reverse("documents:careplan_pdf", kwargs={"plan_id": plan.pk}), params)


def test_the_three_tables_with_their_official_labels(member_client, plan):
    response = get_pdf(member_client, plan)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    pages = [squash(t) for t in page_texts(pdf)]
    first, last = pages[0], pages[-1]
    for expected in (
        "第1表",
        "居宅サービス計画書（1）",
        "作成年月日",
        "令和8年10月25日",
        "初回",
        "紹介",
        "継続",
        "認定済",
        "申請中",
        "利用者名",
        "山田太郎",
        "殿",
        "生年月日",
        "昭和15年3月2日",
        "住所",
        "居宅サービス計画作成者氏名",
        "鈴木一郎",
        "居宅介護支援事業者・事業所名及び所在地",
        "さくら居宅介護支援事業所",
        "居宅サービス計画作成（変更）日",
        "初回居宅サービス計画作成日",
        "令和7年4月1日",
        "認定日",
        "令和8年3月20日",
        "認定の有効期間",
        "令和8年4月1日～令和9年3月31日",
        "要介護状態区分",
        "要介護2",
        "利用者及び家族の生活に対する意向を踏まえた課題分析の結果",
        "介護認定審査会の意見及びサービスの種類の指定",
        "総合的な援助の方針",
        "生活援助中心型の算定理由",
        "1.一人暮らし",
        "説明・同意日",
        "利用者同意欄",
    ):
        assert expected in first, expected
    table2 = "".join(p for p in pages if "居宅サービス計画書（2）" in p)
    for expected in (
        "第2表",
        "生活全般の解決すべき課題（ニーズ）",
        "援助目標",
        "長期目標",
        "短期目標",
        "援助内容",
        "サービス内容",
        "※1",
        "サービス種別",
        "※2",
        "頻度",
        "期間",
        "課題1：",
        "長期目標1-2：",
        "短期目標2-1：",
        "援助内容2-2-2：",
        "週2回（火・金）",
        "R8.11.1～R9.3.31",
    ):
        assert expected in table2, expected
    for expected in (
        "第3表",
        "週間サービス計画表",
        "月火水木金土日",
        "主な日常生活上の活動",
        "週単位以外のサービス",
        "通所介護（デイサービスひまわり）",
        "起床",
        "福祉用具貸与（車いす）",
    ):
        assert expected in last, expected
    assert_only_japanese_font_embedded(pdf)


def test_a_long_text_wraps_and_is_printed_in_full(member_client, plan):
    pdf = get_pdf(member_client, plan).content
    assert len(LONG_TEXT) > 800
    assert squash(LONG_TEXT) in text_of(pdf)


def test_a_text_longer_than_a_page_continues_on_the_next_page(member_client, care_client):
    very_long = "".join(f"{i:03d}番目の文：日中は独居で、転倒と服薬の飲み忘れが心配である。" for i in range(1, 121))
    plan = make_plan(care_client, long_text=very_long)
    pdf = get_pdf(member_client, plan).content
    assert squash(very_long) not in text_of(pdf)  # the footer of page 1 comes in between …
    assert squash(very_long) in body_text(pdf)  # … and nothing of the text is lost
    first_page = squash(page_texts(pdf)[0])
    assert "001番目の文" in first_page and "120番目の文" not in first_page


def test_a_long_table2_repeats_its_header_on_every_page(member_client, care_client):
    plan = make_plan(care_client, needs=6)
    pdf = get_pdf(member_client, plan, tables="2").content
    pages = [squash(t) for t in page_texts(pdf)]
    assert page_count(pdf) == len(pages) >= 2
    for page in pages:
        for header in (
            "第2表",
            "居宅サービス計画書（2）",
            "利用者名山田太郎殿",
            "生活全般の解決すべき課題（ニーズ）",
            "長期目標",
            "短期目標",
            "サービス内容",
            "頻度",
        ):
            assert header in page
    text = "".join(pages)
    for n in range(1, 7):  # every need, goal and service line is printed once
        assert text.count(f"課題{n}：") == 1
        assert text.count(f"援助内容{n}-2-2：") == 1
    assert "第1表" not in text and "第3表" not in text


def test_weekly_blocks_too_long_for_their_box_are_noted_in_full(member_client, plan):
    text = "訪問看護（状態観察、服薬管理、排便コントロール、家族への介護指導を含む長い説明）"
    plan.weekly_activities.create(weekday=4, start_time="10:00", end_time="10:30", content=text)
    pdf = get_pdf(member_client, plan, tables="3").content
    page = squash(page_texts(pdf)[0])
    assert "※1" in page and "木曜10:00～10:30" + squash(text) in page


def test_applying_plan_without_care_level_prints(member_client, in_office, member):
    client = make_client(in_office, care_manager=member, certified=False, insured="0000077777")
    plan = make_plan(client, care_level="")
    plan.certification_status = "1"
    plan.save()
    response = get_pdf(member_client, plan, tables="1")
    assert response.status_code == 200


def test_a_client_without_certification_gets_a_clear_message(member_client, in_office, member):
    client = make_client(in_office, care_manager=member, certified=False, insured="0000066666")
    plan = make_plan(client, care_level="")
    plan.certification_status = ""
    plan.save()
    response = get_pdf(member_client, plan)
    assert response.status_code == 422
    body = response.content.decode()
    assert "山田　太郎さんの認定（要介護状態区分）が登録されていないため" in body
    assert b"%PDF" not in response.content


def test_another_office_cannot_print_the_plan(outsider_client, plan):
    assert get_pdf(outsider_client, plan).status_code == 404


def test_export_is_recorded_in_the_audit_trail(member_client, plan):
    from portal.partners.models import AuditEvent

    get_pdf(member_client, plan, tables="1,3")
    event = AuditEvent.objects.get(action="pdf_exported")
    assert event.client_id == plan.client_id and event.detail == {
        "kind": "careplan",
        "plan_id": plan.pk,
        "tables": [1, 3],
    }


def test_query_count_does_not_grow_with_needs(member_client, care_client, django_assert_max_num_queries):
    small = make_plan(care_client, needs=1)
    with django_assert_max_num_queries(40) as captured:
        get_pdf(member_client, small)
    few = len(captured.captured_queries)
    small.delete()
    big = make_plan(care_client, needs=5)
    with django_assert_max_num_queries(few):
        get_pdf(member_client, big)
