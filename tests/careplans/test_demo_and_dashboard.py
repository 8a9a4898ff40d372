"""The demo plans load (twice, without change) and produce valid CSVs; the dashboard card counts plans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.careplans import demo as careplans_demo
from portal.careplans import standard
from portal.careplans.models import CarePlan, PlanStatus
from portal.clients import demo as clients_demo
from portal.offices import demo as offices_demo
from portal.offices.tenancy import office_scope, scopes_disabled

pytestmark = pytest.mark.django_db


def test_demo_plans(settings):
    with scopes_disabled():
        offices = {office.office_number: office for office, _ in offices_demo.load()}
        clients_demo.load_app_demo(offices)
        careplans_demo.load_app_demo(offices)
        careplans_demo.load_app_demo(offices)
        plans = {p.client.family_name: p for p in CarePlan.objects.select_related("client")}
    assert {name: p.status for name, p in plans.items()} == {
        "山田": PlanStatus.DELIVERED,
        "高田": PlanStatus.DELIVERED,
        "森": PlanStatus.CONFIRMED,
        "佐々木": PlanStatus.DRAFT,
    }
    sakura = offices["1310000001"]
    with office_scope(sakura):
        built = standard.plan_send_units(
            plan=plans["山田"],
            sender_office=sakura,
            recipient_office_number="1370000012",
            recipient_kind="15",
            created_at=dt.datetime(2026, 1, 5, 9, 0, 0),
        )
    assert built.ok, [str(f) for f in built.findings]


def test_demo_without_clients_does_nothing():
    with scopes_disabled():
        offices = {office.office_number: office for office, _ in offices_demo.load()}
        careplans_demo.load_app_demo(offices)
        assert not CarePlan.objects.exists()


def test_dashboard_card(member_client, office, member):
    from portal.careplans import services
    from tests.careplans.conftest import make_client

    today = timezone.localdate()
    soon = make_client(office, valid_from=today - dt.timedelta(days=300), valid_to=today + dt.timedelta(days=30))
    later = make_client(
        office, family_name="木村", valid_from=today - dt.timedelta(days=10), valid_to=today + dt.timedelta(days=300)
    )
    with office_scope(office):
        services.plan_create(client=soon, plan_date=today, by=member)
        services.plan_create(client=later, plan_date=today, by=member)
    body = member_client.get("/dashboard/").content.decode()
    assert "作成中の下書き 2件" in body and "60日以内に終了 1件" in body
