"""居宅サービス計画書 services: creation from the register, versions, optimistic lock, 確定 and 交付."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.careplans import services
from portal.careplans.models import CarePlan, PlanStatus, ServiceItem, WeeklyActivity
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.careplans.conftest import CERT_FROM, CERT_TO, PLAN_DATE, fill_plan
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_first_plan_is_filled_from_the_register(plan, client_record, member, office):
    assert plan.status == PlanStatus.DRAFT
    assert plan.plan_date == PLAN_DATE
    assert plan.first_plan_date == PLAN_DATE
    assert plan.plan_category == "11"  # 初回
    assert (plan.certification_status, plan.care_level) == ("2", "22")
    assert (plan.cert_valid_from, plan.cert_valid_to, plan.certified_on) == (CERT_FROM, CERT_TO, dt.date(2026, 3, 20))
    assert plan.author_id == member.pk and plan.author_name == member.name
    assert (plan.office_number, plan.office_name) == (office.office_number, office.name)


def test_a_second_draft_is_refused(plan, client_record, member):
    with office_scope(client_record.office_id), pytest.raises(ValidationError) as exc:
        services.plan_create(client=client_record, plan_date=PLAN_DATE + dt.timedelta(days=3), by=member)
    assert "作成中の下書き" in str(exc.value)


def test_a_change_makes_a_new_version_and_keeps_the_old(confirmed_plan, member):
    old = confirmed_plan
    with office_scope(old.client.office_id):
        new = services.plan_create(client=old.client, plan_date=dt.date(2026, 7, 1), by=member)
        assert new.previous_id == old.pk and new.is_draft
        assert new.first_plan_date == old.first_plan_date
        assert new.support_policy == old.support_policy
        # every table copied, as new rows
        assert [n.text for n in new.needs.all()] == [n.text for n in old.needs.all()]
        new_items = ServiceItem.objects.filter(short_goal__goal__need__plan=new)
        old_items = ServiceItem.objects.filter(short_goal__goal__need__plan=old)
        assert [i.content for i in new_items] == [i.content for i in old_items] == ["入浴介助"]
        assert not set(new_items.values_list("pk", flat=True)) & set(old_items.values_list("pk", flat=True))
        assert WeeklyActivity.objects.filter(plan=new).count() == 2
        assert new.daily_activities.count() == 1 and new.non_weekly_services == old.non_weekly_services
        # the old version is untouched and read-only
        services.need_update(need=new.needs.get(), lock_version=new.lock_version, by=member, text="変更後の課題")
        old.refresh_from_db()
        assert old.status == PlanStatus.CONFIRMED
        assert old.needs.get().text == "一人で入浴できない"
        with pytest.raises(services.PlanNotEditable):
            services.need_update(need=old.needs.get(), lock_version=old.lock_version, by=member, text="x")


def test_a_change_must_be_dated_after_the_latest_version(confirmed_plan, member):
    with office_scope(confirmed_plan.client.office_id):
        with pytest.raises(ValidationError) as exc:
            services.plan_create(client=confirmed_plan.client, plan_date=PLAN_DATE - dt.timedelta(days=1), by=member)
        assert "前の版" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.plan_create(client=confirmed_plan.client, plan_date=PLAN_DATE, by=member)
        assert "すでにあります" in str(exc.value)


def test_stale_lock_version_is_refused_and_nothing_is_written(plan, member, office):
    other = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="田中 次郎")
    with office_scope(office):
        seen = plan.lock_version
        first = CarePlan.objects.get(pk=plan.pk)
        services.plan_update_table1(plan=first, lock_version=seen, by=other, support_policy="田中の方針")
        second = CarePlan.objects.get(pk=plan.pk)
        with pytest.raises(services.PlanConflict) as exc:
            services.plan_update_table1(plan=second, lock_version=seen, by=member, support_policy="鈴木の方針")
        assert "田中 次郎さん" in exc.value.message and "保存していません" in exc.value.message
        plan.refresh_from_db()
        assert plan.support_policy == "田中の方針"
        assert plan.lock_version == seen + 1


def test_stale_lock_applies_to_every_table(plan, member, office):
    with office_scope(office):
        stale = plan.lock_version
        need = services.need_add(plan=plan, lock_version=stale, by=member, text="A")
        with pytest.raises(services.PlanConflict):
            services.need_update(need=need, lock_version=stale, by=member, text="B")
        with pytest.raises(services.PlanConflict):
            services.weekly_activity_add(
                plan=plan,
                lock_version=stale,
                by=member,
                weekdays=[1],
                values=services.WeeklyValues(dt.time(9), dt.time(10), "通所介護"),
            )
        need.refresh_from_db()
        assert need.text == "A"
        assert not WeeklyActivity.objects.filter(plan=plan).exists()


def test_a_missing_lock_version_counts_as_stale(plan, member, office):
    with office_scope(office), pytest.raises(services.PlanConflict):
        services.need_add(plan=plan, lock_version=None, by=member)


def test_confirm_lists_what_is_missing(plan, member, office):
    with office_scope(office):
        with pytest.raises(ValidationError) as exc:
            services.plan_confirm(plan=plan, lock_version=plan.lock_version, by=member)
        messages = exc.value.messages
        assert "第1表: 利用者及び家族の生活に対する意向を踏まえた課題分析の結果が未入力です。" in messages
        assert "第2表: 生活全般の解決すべき課題（ニーズ）が1件もありません。" in messages
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DRAFT


def test_confirm_catches_periods_outside_a_changed_certification(filled_plan, member, office):
    with office_scope(office):
        services.plan_update_table1(
            plan=filled_plan,
            lock_version=filled_plan.lock_version,
            by=member,
            cert_valid_from=dt.date(2026, 5, 1),
            cert_valid_to=CERT_TO,
        )
        with pytest.raises(ValidationError) as exc:
            services.plan_confirm(plan=filled_plan, lock_version=filled_plan.lock_version, by=member)
        assert any(
            "第2表 課題1 援助目標1: 長期目標の期間（開始）の令和8年4月1日が認定の有効期間" in m
            for m in exc.value.messages
        )


def test_confirm_then_deliver(filled_plan, member, office):
    with office_scope(office):
        plan = services.plan_confirm(plan=filled_plan, lock_version=filled_plan.lock_version, by=member)
        assert plan.status == PlanStatus.CONFIRMED and plan.confirmed_at is not None
        with pytest.raises(services.PlanNotEditable):
            services.plan_update_table1(plan=plan, lock_version=plan.lock_version, by=member, support_policy="x")
        plan = services.plan_deliver(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            delivered_on=dt.date(2026, 4, 6),
            explained_on=dt.date(2026, 4, 6),
            delivered_to="山田 花子（本人）",
            delivered_by=member,
            note="内容を説明し同意を得た",
        )
        assert plan.status == PlanStatus.DELIVERED
        assert (plan.delivered_on, plan.delivered_to, plan.delivered_by_name) == (
            dt.date(2026, 4, 6),
            "山田 花子（本人）",
            member.name,
        )
        with pytest.raises(services.PlanNotEditable):
            services.plan_reopen(plan=plan, lock_version=plan.lock_version, by=member)


@pytest.mark.parametrize(
    "delivered_on,explained_on,to,field,text",
    [
        (dt.date(2026, 4, 1), None, "本人", "delivered_on", "作成（変更）日（令和8年4月5日）より前"),
        (dt.date(2099, 1, 1), None, "本人", "delivered_on", "未来の日付"),
        (dt.date(2026, 4, 6), dt.date(2026, 4, 7), "本人", "explained_on", "交付日以前"),
        (dt.date(2026, 4, 6), None, " ", "delivered_to", "交付先"),
    ],
)
def test_bad_delivery_records(confirmed_plan, member, office, delivered_on, explained_on, to, field, text):
    with office_scope(office):
        with pytest.raises(ValidationError) as exc:
            services.plan_deliver(
                plan=confirmed_plan,
                lock_version=confirmed_plan.lock_version,
                by=member,
                delivered_on=delivered_on,
                explained_on=explained_on,
                delivered_to=to,
                delivered_by=member,
            )
        assert text in " ".join(exc.value.message_dict[field])
        confirmed_plan.refresh_from_db()
        assert confirmed_plan.status == PlanStatus.CONFIRMED


def test_draft_cannot_be_delivered(filled_plan, member, office):
    with office_scope(office), pytest.raises(ValidationError) as exc:
        services.plan_deliver(
            plan=filled_plan,
            lock_version=filled_plan.lock_version,
            by=member,
            delivered_on=dt.date(2026, 4, 6),
            explained_on=None,
            delivered_to="本人",
            delivered_by=member,
        )
    assert "確定してください" in str(exc.value)


def test_reopen_and_delete_draft(confirmed_plan, member, office):
    with office_scope(office):
        plan = services.plan_reopen(plan=confirmed_plan, lock_version=confirmed_plan.lock_version, by=member)
        assert plan.is_draft
        services.plan_delete_draft(plan=plan, lock_version=plan.lock_version, by=member)
        assert not CarePlan.objects.filter(pk=plan.pk).exists()


def test_a_confirmed_plan_is_never_deleted(confirmed_plan, member, office):
    with office_scope(office), pytest.raises(services.PlanNotEditable):
        services.plan_delete_draft(plan=confirmed_plan, lock_version=confirmed_plan.lock_version, by=member)
    with office_scope(office):
        assert CarePlan.objects.filter(pk=confirmed_plan.pk).exists()


def test_item_kind_is_named_from_its_code(filled_plan):
    with office_scope(filled_plan.client.office_id):
        item = ServiceItem.objects.get(short_goal__goal__need__plan=filled_plan)
    assert (item.service_type_code, item.service_kind) == ("11", "訪問介護")


def test_fill_plan_helper_is_confirmable(filled_plan):
    with office_scope(filled_plan.client.office_id):
        assert services.confirmation_problems(filled_plan) == []


def test_plan_of_another_client_keeps_its_own_draft(office, member, plan):
    from tests.careplans.conftest import make_client

    other = make_client(office, family_name="佐々木")
    with office_scope(office):
        second = services.plan_create(client=other, plan_date=PLAN_DATE, by=member)
    assert second.is_draft and second.pk != plan.pk


def test_new_version_takes_the_certification_valid_on_its_date(confirmed_plan, member, office):
    from portal.clients.models import Certification

    with office_scope(office):
        Certification.objects.create(
            client=confirmed_plan.client,
            status="2",
            care_level="23",
            valid_from=dt.date(2027, 4, 1),
            valid_to=dt.date(2028, 3, 31),
        )
        client = type(confirmed_plan.client).objects.prefetch_related("certifications").get(pk=confirmed_plan.client_id)
        new = services.plan_create(client=client, plan_date=dt.date(2027, 4, 2), by=member)
    assert (new.care_level, new.cert_valid_from, new.cert_valid_to) == ("23", dt.date(2027, 4, 1), dt.date(2028, 3, 31))


def test_fill_plan_works_twice_for_two_clients(office, member):
    from tests.careplans.conftest import make_client

    c1, c2 = make_client(office), make_client(office, family_name="木村")
    with office_scope(office):
        p1 = services.plan_create(client=c1, plan_date=PLAN_DATE, by=member)
        p2 = services.plan_create(client=c2, plan_date=PLAN_DATE, by=member)
    assert fill_plan(p1, member).lock_version > 1 and fill_plan(p2, member).lock_version > 1
