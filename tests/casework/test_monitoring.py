"""モニタリング: the monthly record per 利用者 with goal progress, its rules, and the 運営基準減算 warnings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.casework import services
from portal.casework.models import Monitoring
from portal.core.wareki import wareki_month
from portal.offices.tenancy import office_scope
from tests.documents.conftest import make_plan
from tests.forms import submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


def _months_ago(n: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = services.previous_month(month)
    return month


@pytest.fixture
def planned(office):
    """A 利用者 whose delivered plan took effect last month (1 課題, 2 短期目標)."""
    with office_scope(office):
        client = _documents_client(office)
        plan = make_plan(client, needs=1)
        plan.plan_date = _months_ago(1).replace(day=20)
        plan.status = "delivered"
        plan.save()
        return client, plan


def _monitorings(office):
    with office_scope(office):
        return list(Monitoring.objects.prefetch_related("evaluations"))


def _create_url(client):
    return reverse("casework:monitoring_create", kwargs={"client_id": client.pk})


def test_record_this_months_visit_with_goal_progress_and_the_warning_goes(owner_client, office, owner, planned):
    client, plan = planned
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert f"{wareki_month(_months_ago(0))}のモニタリング（居宅訪問）が未記録の利用者: 1人" in dashboard
    assert "帳票　太郎さん" in dashboard and "少なくとも1月に1回" in dashboard
    detail = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert "のモニタリング（居宅訪問）がまだ記録されていません" in detail

    with office_scope(office):
        goals = services.plan_short_goals(plan)
    page = owner_client.get(_create_url(client)).content.decode()
    assert "短期目標1-1：介助を受けて週2回入浴できる。" in page and "短期目標1-2" in page
    response = submit(
        owner_client,
        _create_url(client),
        {
            "visited_on": timezone.localdate().isoformat(),
            "place": "home",
            f"goal_{goals[0].pk}": "achieved",
            f"goal_{goals[1].pk}": "partly",
            f"goal_{goals[1].pk}_note": "入浴は週1回。デイでの見守りを継続。",
            "service_status": "計画どおり通所介護を利用。",
            "client_view": "本人: もう少しデイに行きたい。",
            "policy": "現行計画を継続。",
            "plan_change_needed": False,
        },
        button="記録する",
    )
    assert response.status_code == 302
    [monitoring] = _monitorings(office)
    assert monitoring.plan_id == plan.pk and monitoring.month == _months_ago(0)
    evaluations = {e.short_goal_id: (e.achievement, e.note, e.goal_text) for e in monitoring.evaluations.all()}
    assert evaluations[goals[1].pk] == ("partly", "入浴は週1回。デイでの見守りを継続。", goals[1].text)
    assert evaluations[goals[0].pk][0] == "achieved"

    listing = owner_client.get(response["Location"]).content.decode()
    assert "要件を満たす" in listing and "のモニタリングを記録" not in listing
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "未記録の利用者" not in dashboard and "モニタリングが記録されています" in dashboard
    detail = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert "がまだ記録されていません" not in detail


def test_every_goal_needs_a_progress_and_nothing_typed_is_lost(owner_client, office, planned):
    client, _ = planned
    response = submit(
        owner_client, _create_url(client), {"place": "home", "client_view": "本人の意見をここに"}, button="記録する"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "短期目標「短期目標1-1：介助を受けて週2回入浴できる。」の達成状況を選んでください。" in html
    assert "本人の意見をここに" in html
    assert _monitorings(office) == []


def test_one_monitoring_a_month_and_no_future_date(owner_client, office, owner, planned):
    client, _ = planned
    today = timezone.localdate()
    with office_scope(office):
        Monitoring.objects.create(office=office, client=client, month=today.replace(day=1), visited_on=today)
        goals = services.plan_short_goals(planned[1])
    picks = {f"goal_{g.pk}": "achieved" for g in goals}
    html = submit(owner_client, _create_url(client), {"place": "home", **picks}, button="記録する").content.decode()
    assert f"{wareki_month(today)}のモニタリングはすでに記録されています" in html
    html = submit(
        owner_client,
        _create_url(client),
        {
            "visited_on": (today + dt.timedelta(days=1)).isoformat(),
            "place": "home",
            **picks,
        },
        button="記録する",
    ).content.decode()
    assert "実施日: 未来の日付は記録できません" in html
    assert len(_monitorings(office)) == 1


def test_online_needs_the_conditions_and_a_home_visit_the_month_before(owner_client, office, planned):
    client, plan = planned
    with office_scope(office):
        picks = {f"goal_{g.pk}": "achieved" for g in services.plan_short_goals(plan)}
    url = _create_url(client)
    html = submit(owner_client, url, {"place": "online", **picks}, button="記録する").content.decode()
    assert "利用者の同意と、サービス担当者会議等での主治医・担当者等の合意の両方が必要です" in html
    online = {"place": "online", "online_consent": True, "online_agreed": True, **picks}
    html = submit(owner_client, url, online, button="記録する").content.decode()
    assert "前月に居宅を訪問したモニタリングの記録がありません" in html
    html = submit(owner_client, url, {"place": "other", **picks}, button="記録する").content.decode()
    assert "特段の事情（入院中など）を記入してください" in html
    assert _monitorings(office) == []

    last = _months_ago(1)
    with office_scope(office):
        Monitoring.objects.create(office=office, client=client, month=last, visited_on=last, place="home")
    assert submit(owner_client, url, online, button="記録する").status_code == 302
    assert len(_monitorings(office)) == 2


def test_past_months_without_a_monitoring_are_listed(owner_client, office, planned):
    client, plan = planned
    with office_scope(office):
        plan.plan_date = _months_ago(3).replace(day=5)
        plan.save()
        Monitoring.objects.create(office=office, client=client, month=_months_ago(1), visited_on=_months_ago(1))
        [missing] = services.monitoring_missing(today=timezone.localdate())
    assert missing.months == [_months_ago(2), _months_ago(0)]
    html = owner_client.get(reverse("casework:monitoring_list", kwargs={"client_id": client.pk})).content.decode()
    assert f"記録のない過去の月: {wareki_month(_months_ago(2))}" in html


def test_no_warning_without_a_plan_in_effect(owner_client, office, planned):
    _, plan = planned
    with office_scope(office):
        plan.status = "draft"
        plan.save()
        assert services.monitoring_missing(today=timezone.localdate()) == []
    assert "未記録の利用者" not in owner_client.get(reverse("dashboard")).content.decode()


def test_the_warnings_query_count_does_not_grow_with_clients(office, planned, django_assert_max_num_queries):
    with office_scope(office):
        for _ in range(5):
            client = _documents_client(office)
            plan = make_plan(client, needs=1)
            plan.status = "delivered"
            plan.plan_date = _months_ago(2)
            plan.save()
        with django_assert_max_num_queries(3):
            assert len(services.monitoring_missing(today=timezone.localdate())) == 6
