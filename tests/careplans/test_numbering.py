"""第2表 numbering: kept by the system, and the standard's §d-6 nesting example reproduced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.careplans import services
from portal.careplans.models import Need
from portal.careplans.selectors import needs_tree, table2_rows
from portal.careplans.standard import table2_records
from portal.offices.tenancy import office_scope

pytestmark = pytest.mark.django_db


def _item(plan, short, by, content, *, covered, kind, number, name, freq):
    s = services
    item = s.item_add(short_goal=short, lock_version=plan.lock_version, by=by)
    s.item_update(
        item=item,
        lock_version=plan.lock_version,
        by=by,
        content=content,
        insurance_covered=covered,
        service_type_code="",
        service_kind=kind,
        provider_name=name,
        provider_office_number=number,
        frequency=freq,
        period_from=None,
        period_to=None,
    )
    return item


def build_example(plan, by):
    """The five rows of the standard's 2表 example (課題1: 長期1{短期1: サービス1,2; 短期2: サービス3},
    長期2{短期3: サービス4}; 課題2: 長期3{短期4: サービス5})."""
    s = services
    n1 = s.need_add(plan=plan, lock_version=plan.lock_version, by=by, text="課題１")
    g1 = n1.goals.get()
    s.goal_update(goal=g1, lock_version=plan.lock_version, by=by, long_term_goal="長期１", long_from=None, long_to=None)
    sh1 = g1.short_goals.get()
    s.short_goal_update(
        short_goal=sh1, lock_version=plan.lock_version, by=by, text="短期１", short_from=None, short_to=None
    )
    _item(
        plan,
        sh1,
        by,
        "サービス１",
        covered=True,
        kind="訪問介護",
        number="1234567890",
        name="ＸＸＸ事業所",
        freq="隔日",
    )
    _item(plan, sh1, by, "サービス２", covered=False, kind="家政婦", number="", name="YYY家政婦協会", freq="毎日")
    sh2 = s.short_goal_add(goal=g1, lock_version=plan.lock_version, by=by)
    s.short_goal_update(
        short_goal=sh2, lock_version=plan.lock_version, by=by, text="短期２", short_from=None, short_to=None
    )
    _item(plan, sh2, by, "サービス３", covered=True, kind="福祉用具", number="1234567891", name="ZZZZ事業所", freq="")
    g2 = s.goal_add(need=n1, lock_version=plan.lock_version, by=by)
    s.goal_update(goal=g2, lock_version=plan.lock_version, by=by, long_term_goal="長期２", long_from=None, long_to=None)
    sh3 = g2.short_goals.get()
    s.short_goal_update(
        short_goal=sh3, lock_version=plan.lock_version, by=by, text="短期３", short_from=None, short_to=None
    )
    _item(plan, sh3, by, "サービス４", covered=False, kind="医療", number="", name="ｘｘｘ病院", freq="1ヶ月に１回")
    n2 = s.need_add(plan=plan, lock_version=plan.lock_version, by=by, text="課題２")
    g3 = n2.goals.get()
    s.goal_update(goal=g3, lock_version=plan.lock_version, by=by, long_term_goal="長期３", long_from=None, long_to=None)
    sh4 = g3.short_goals.get()
    s.short_goal_update(
        short_goal=sh4, lock_version=plan.lock_version, by=by, text="短期４", short_from=None, short_to=None
    )
    _item(
        plan,
        sh4,
        by,
        "サービス５",
        covered=True,
        kind="訪問看護",
        number="1234567892",
        name="ｙｙｙ看護ステーション",
        freq="隔週",
    )
    return n1, n2


def test_the_standard_example_numbers_and_blanks(plan, member):
    with office_scope(plan.client.office_id):
        build_example(plan, member)
        records = table2_records(plan)
    got = [tuple(r.get(no) for no in (6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18, 19)) for r in records]
    assert got == [
        (1, "課題１", 1, "長期１", "短期１", 1, "サービス１", "Y", "訪問介護", "1234567890", "ＸＸＸ事業所", "隔日"),
        (1, None, 1, None, None, 2, "サービス２", "N", "家政婦", None, "YYY家政婦協会", "毎日"),
        (1, None, 1, None, "短期２", 3, "サービス３", "Y", "福祉用具", "1234567891", "ZZZZ事業所", None),
        (1, None, 2, "長期２", "短期３", 1, "サービス４", "N", "医療", None, "ｘｘｘ病院", "1ヶ月に１回"),
        (
            2,
            "課題２",
            1,
            "長期３",
            "短期４",
            1,
            "サービス５",
            "Y",
            "訪問看護",
            "1234567892",
            "ｙｙｙ看護ステーション",
            "隔週",
        ),
    ]
    # sorted by 課題NO, 援助目標NO, 援助内容NO the records are in printed order (§d-6)
    keys = [(r[6], r[8], r[13]) for r in records]
    assert keys == sorted(keys)


def test_printed_rows_span_their_groups(plan, member):
    with office_scope(plan.client.office_id):
        build_example(plan, member)
        rows = table2_rows(needs_tree(plan))
    assert [(r.need_first, r.need_span) for r in rows if r.need_first] == [(True, 4), (True, 1)]
    assert [r.goal_span for r in rows if r.goal_first] == [3, 1, 1]
    assert [r.short_span for r in rows if r.short_first] == [2, 1, 1, 1]


def test_reordering_needs_renumbers(plan, member):
    with office_scope(plan.client.office_id):
        n1, n2 = build_example(plan, member)
        services.need_move(need=n2, direction=-1, lock_version=plan.lock_version, by=member)
        records = table2_records(plan)
        assert [(r[6], r.get(7)) for r in records if r.get(7)] == [(1, "課題２"), (2, "課題１")]
        # moving the first one further up changes nothing
        services.need_move(need=n2, direction=-1, lock_version=plan.lock_version, by=member)
        assert list(Need.objects.filter(plan=plan).values_list("text", "position")) == [("課題２", 1), ("課題１", 2)]


def test_deleting_keeps_numbers_contiguous(plan, member):
    with office_scope(plan.client.office_id):
        n1, n2 = build_example(plan, member)
        first_goal = n1.goals.order_by("position").first()
        services.goal_delete(goal=first_goal, lock_version=plan.lock_version, by=member)
        services.need_delete(need=n2, lock_version=plan.lock_version, by=member)
        n3 = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text="課題３")
        records = table2_records(plan)
    assert [(r[6], r[8], r.get(13), r.get(14)) for r in records] == [
        (1, 1, 1, "サービス４"),
        (2, 1, None, None),  # a need still without service lines is printed (and sent) on its own row
    ]
    assert n3.position == 2


def test_moving_a_service_line_within_its_short_goal(plan, member):
    with office_scope(plan.client.office_id):
        build_example(plan, member)
        first = next(r.item for r in table2_rows(needs_tree(plan)) if r.item_no == 1)
        services.item_move(item=first, direction=1, lock_version=plan.lock_version, by=member)
        records = table2_records(plan)
    assert [(r[13], r[14]) for r in records[:3]] == [(1, "サービス２"), (2, "サービス１"), (3, "サービス３")]


def test_numbers_stop_at_99(plan, member):
    with office_scope(plan.client.office_id):
        Need.objects.bulk_create([Need(plan=plan, position=i, text=f"課題{i}") for i in range(1, 100)])
        with pytest.raises(ValidationError) as exc:
            services.need_add(plan=plan, lock_version=plan.lock_version, by=member)
    assert "99件まで" in str(exc.value)


def test_numbers_are_not_accepted_from_the_user(plan, member, member_client):
    """Posting a 課題NO does nothing: the number is the order."""
    with office_scope(plan.client.office_id):
        need = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text="A")
    member_client.post(
        f"/careplans/needs/{need.pk}/save/", {"text": "B", "position": "7", "lock_version": plan.lock_version}
    )
    with office_scope(plan.client.office_id):
        need.refresh_from_db()
    assert (need.text, need.position) == ("B", 1)


def test_dates_print_as_wareki_periods(plan, member):
    with office_scope(plan.client.office_id):
        need = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text="A")
        goal = need.goals.get()
        services.goal_update(
            goal=goal,
            lock_version=plan.lock_version,
            by=member,
            long_term_goal="L",
            long_from=dt.date(2026, 4, 1),
            long_to=dt.date(2027, 3, 31),
        )
        record = table2_records(plan)[0]
    assert record[11] == "令和8年4月1日～令和9年3月31日"
