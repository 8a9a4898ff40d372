"""The 帳票PDF landing page: choose month, 利用者, 事業所 and kinds; links to every PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.documents.conftest import DAY_CARE, HOME_HELP, make_client, make_plan, make_schedule

pytestmark = pytest.mark.django_db

URL = reverse("documents:list")


def test_the_month_lists_each_client_with_links_to_each_form(member_client, schedule, plan):
    page = member_client.get(URL, {"month": "2026-11"}).content.decode()
    assert "令和8年11月分" in page and "山田　太郎" in page and "認定あり" in page
    provision = reverse("documents:provision_pdf", kwargs={"schedule_id": schedule.pk})
    assert f"{provision}?provider={HOME_HELP[0]}" in page and f"{provision}?provider={DAY_CARE[0]}" in page
    assert reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}) in page
    assert reverse("documents:careplan_pdf", kwargs={"plan_id": plan.pk}) in page
    assert "一括でPDFを作成" in page and f'<option value="{HOME_HELP[0]}"' in page


def test_filters_by_client_provider_and_kind(member_client, schedule, in_office, member):
    other = make_schedule(
        make_client(
            in_office, care_manager=member, family="阿部", given="次郎", kana=("アベ", "ジロウ"), insured="0000000001"
        )
    )
    page = member_client.get(URL, {"month": "2026-11", "client": other.client_id}).content.decode()
    assert "阿部　次郎" in page and "山田　太郎</td>" not in page
    page = member_client.get(URL, {"month": "2026-11", "provider": DAY_CARE[0], "kinds": "provision"}).content.decode()
    assert f"?provider={DAY_CARE[0]}" in page and f"?provider={HOME_HELP[0]}" not in page
    assert reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}) not in page


def test_a_client_without_certification_is_flagged_before_printing(member_client, in_office, member):
    make_schedule(make_client(in_office, care_manager=member, certified=False))
    page = member_client.get(URL, {"month": "2026-11"}).content.decode()
    assert "この月の認定なし" in page


def test_a_month_without_schedules_says_so_and_still_offers_the_plan(member_client, plan):
    page = member_client.get(URL, {"month": "2026-12", "client": plan.client_id}).content.decode()
    assert "令和8年12月分のサービス利用票がありません" in page and "サービス利用票（第6表）を作成すると" in page
    assert 'data-testid="batch-form"' not in page and "一括作成はできません" in page
    assert reverse("documents:careplan_pdf", kwargs={"plan_id": plan.pk}) in page


def test_an_unreadable_month_is_explained(member_client):
    page = member_client.get(URL, {"month": "R8-11"}).content.decode()
    assert "対象年月「R8-11」を読み取れません" in page


def test_the_page_is_in_the_navigation(member_client):
    page = member_client.get(reverse("dashboard")).content.decode()
    assert f'href="{URL}"' in page and "帳票PDF" in page


def test_query_count_does_not_grow_with_clients(member_client, in_office, member, django_assert_max_num_queries):
    numbers = iter(range(10000, 10100))

    def add(n):
        for _ in range(n):
            client = make_client(in_office, care_manager=member, insured=f"{next(numbers):010d}")
            make_schedule(client)
            make_plan(client, needs=1)

    add(1)
    with django_assert_max_num_queries(60) as captured:
        member_client.get(URL, {"month": "2026-11"})
    few = len(captured.captured_queries)
    add(6)
    with django_assert_max_num_queries(few):
        page = member_client.get(URL, {"month": "2026-11"})
    assert page.content.decode().count('data-testid="document-row"') == 7


def test_no_kind_ticked_shows_nothing_and_says_so(member_client, schedule, plan):
    from tests.forms import submit

    page = submit(member_client, URL + "?month=2026-11", {"kinds": []}, form="document-filter").content.decode()
    assert "表示する帳票の種類を1つ以上選んでください" in page
    assert reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}) not in page
    assert reverse("documents:careplan_pdf", kwargs={"plan_id": plan.pk}) not in page
    # What the page rendered, as it was (every kind ticked on the first visit), shows every kind.
    page = submit(member_client, URL + "?month=2026-11", {}, form="document-filter").content.decode()
    assert reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}) in page
