"""運営基準 warnings from the records: 担当者会議, 交付 before the services start, アセスメント before the plan,
認定 ending without a plan review; on the dashboard and the 利用者 page; a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.careplans.models import CarePlan, Goal, Need, ServiceItem, ShortTermGoal
from portal.casework.compliance import plan_warnings
from portal.casework.models import Assessment, ServiceMeeting
from portal.clients.models import Certification
from portal.offices.tenancy import office_scope
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _plan(client, *, days_ago: int, status="delivered", delivered_days_ago=None, start_days_ago=None, previous=None):
    plan = CarePlan.objects.create(
        client=client,
        plan_date=TODAY - dt.timedelta(days=days_ago),
        status=status,
        previous=previous,
        delivered_on=(TODAY - dt.timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None),
    )
    if start_days_ago is not None:
        need = Need.objects.create(plan=plan, position=1, text="入浴")
        goal = Goal.objects.create(need=need, position=1)
        short = ShortTermGoal.objects.create(goal=goal, position=1)
        ServiceItem.objects.create(
            short_goal=short, position=1, content="入浴介助", period_from=TODAY - dt.timedelta(days=start_days_ago)
        )
    return plan


def _good_client(office):
    """A 利用者 whose records are in order: assessed, met, delivered before the services started."""
    client = _documents_client(office)
    Assessment.objects.create(office=office, client=client, assessed_on=TODAY - dt.timedelta(days=50))
    plan = _plan(client, days_ago=45, delivered_days_ago=40, start_days_ago=35)
    ServiceMeeting.objects.create(
        office=office, client=client, plan=plan, held_on=TODAY - dt.timedelta(days=42), place="利用者宅", topics="原案"
    )
    return client, plan


def _rules(warnings, client):
    return sorted(w.rule for w in warnings if w.client.pk == client.pk)


def test_records_in_order_give_no_warning_and_each_gap_names_its_rule(office):
    with office_scope(office):
        good, _ = _good_client(office)
        bare = _documents_client(office)
        _plan(bare, days_ago=20, status="confirmed", start_days_ago=10)  # no assessment, meeting nor 交付
        late = _documents_client(office)
        Assessment.objects.create(office=office, client=late, assessed_on=TODAY - dt.timedelta(days=30))
        plan = _plan(late, days_ago=25, delivered_days_ago=5, start_days_ago=20)
        ServiceMeeting.objects.create(
            office=office, client=late, held_on=TODAY - dt.timedelta(days=24), place="利用者宅", topics="原案"
        )  # not linked, but held for this version
        warnings = plan_warnings(today=TODAY)
    assert _rules(warnings, good) == []
    assert _rules(warnings, bare) == ["assessment", "delivery", "meeting"]
    assert _rules(warnings, late) == ["delivery"]
    [delivery] = [w for w in warnings if w.client.pk == late.pk]
    assert "交付" in delivery.message and "サービスの開始" in delivery.message
    assert "第13条第10号" in delivery.rule_text and delivery.url == reverse(
        "careplans:plan_detail", kwargs={"plan_id": plan.pk}
    )


def test_a_plan_change_without_a_new_assessment_or_meeting(office):
    with office_scope(office):
        client, first = _good_client(office)
        _plan(client, days_ago=10, previous=first, delivered_days_ago=9, start_days_ago=8)
        warnings = plan_warnings(today=TODAY)
        assert _rules(warnings, client) == ["assessment", "meeting"]
        [assessment] = [w for w in warnings if w.rule == "assessment"]
        assert "再アセスメントがありません" in assessment.message and "変更した計画" in assessment.message
        Assessment.objects.create(office=office, client=client, assessed_on=TODAY - dt.timedelta(days=12))
        ServiceMeeting.objects.create(
            office=office, client=client, held_on=TODAY - dt.timedelta(days=11), place="事業所", topics="変更"
        )
        assert _rules(plan_warnings(today=TODAY), client) == []


def test_a_certification_ending_within_60_days_without_a_review(office):
    with office_scope(office):
        client, _ = _good_client(office)
        Certification.objects.filter(client=client).update(
            valid_from=TODAY - dt.timedelta(days=300), valid_to=TODAY + dt.timedelta(days=59)
        )
        [warning] = plan_warnings(today=TODAY)
        assert warning.rule == "certification" and "あと59日" in warning.message
        assert "第13条第15号" in warning.rule_text
        Certification.objects.filter(client=client).update(valid_to=TODAY + dt.timedelta(days=61))
        assert plan_warnings(today=TODAY) == []
        Certification.objects.filter(client=client).update(valid_to=TODAY + dt.timedelta(days=30))
        ServiceMeeting.objects.create(office=office, client=client, held_on=TODAY, place="利用者宅", topics="更新")
        assert plan_warnings(today=TODAY) == []


def test_the_query_count_does_not_grow_with_the_clients(office):
    def count():
        with office_scope(office), CaptureQueriesContext(connection) as queries:
            plan_warnings(today=TODAY)
        return len(queries)

    with office_scope(office):
        _good_client(office)
        bare = _documents_client(office)
        _plan(bare, days_ago=20, status="confirmed", start_days_ago=10)
    few = count()
    with office_scope(office):
        for _ in range(4):
            _good_client(office)
            other = _documents_client(office)
            _plan(other, days_ago=20, status="confirmed", start_days_ago=10)
    assert count() == few


def test_the_dashboard_and_the_client_page_show_the_warnings_with_their_rule(owner_client, office):
    with office_scope(office):
        good, _ = _good_client(office)
        bare = _documents_client(office)
        _plan(bare, days_ago=20, status="confirmed", start_days_ago=10)
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "運営基準の確認" in html and "記録から見つかった注意: 3件" in html
    for expected in ("サービス担当者会議", "計画書の交付", "アセスメント", "第13条第9号"):
        assert expected in html, expected
    page = owner_client.get(reverse("clients:detail", kwargs={"client_id": bare.pk})).content.decode()
    assert (
        'data-testid="client-compliance-warnings"' in page and "サービス担当者会議（第4表）の記録がありません" in page
    )
    page = owner_client.get(reverse("clients:detail", kwargs={"client_id": good.pk})).content.decode()
    assert 'data-testid="client-compliance-warnings"' not in page


def test_a_long_list_shows_the_first_fifteen_and_folds_the_rest(owner_client, office):
    with office_scope(office):
        for _ in range(6):
            bare = _documents_client(office)
            _plan(bare, days_ago=20, status="confirmed", start_days_ago=10)  # 3 warnings each
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "記録から見つかった注意: 18件" in html and "ほか3件を表示" in html
    assert html.count('data-testid="compliance-warning"') == 18
