"""居宅サービス計画書 pages as a care manager uses them (Django test client, with and without htmx)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse

from linkage.standard import read_file, validate_files
from portal.careplans import services
from portal.careplans.models import CarePlan, Need, PlanStatus, WeeklyActivity
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.careplans.conftest import PLAN_DATE, make_client
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory, make_consent, make_partnership
from tests.forms import read_form, submit

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _fresh(plan):
    with office_scope(plan.client.office_id):
        return CarePlan.objects.get(pk=plan.pk)


def test_client_plans_page_creates_the_first_plan(member_client, client_record):
    url = reverse("careplans:client_plans", kwargs={"client_id": client_record.pk})
    page = member_client.get(url)
    assert "居宅サービス計画書を作成する" in page.content.decode()
    response = submit(member_client, url, {"plan_date": "R8.4.5"}, button="作成を始める")
    with office_scope(client_record.office_id):
        plan = CarePlan.objects.get(client=client_record)
    assert response.url == reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})
    assert plan.plan_date == dt.date(2026, 4, 5)
    page = member_client.get(url).content.decode()
    assert "作成中の下書きがあります" in page and "令和8年4月5日" in page


@pytest.mark.parametrize(
    "typed,message",
    [
        ("2026-13-01", "居宅サービス計画作成（変更）日: 「2026-13-01」の13月は存在しません（1月〜12月）。"),
        ("平成32年4月1日", "居宅サービス計画作成（変更）日: 「平成32年4月1日」の平成32年は存在しません"),
        ("令和8年2月30日", "居宅サービス計画作成（変更）日: 「令和8年2月30日」の2月30日は存在しない日付です"),
    ],
)
def test_create_with_a_bad_date_says_so(member_client, client_record, typed, message):
    url = reverse("careplans:client_plans", kwargs={"client_id": client_record.pk})
    response = submit(member_client, url, {"plan_date": typed}, button="作成を始める", follow=True)
    assert message in response.content.decode()
    with office_scope(client_record.office_id):
        assert not CarePlan.objects.filter(client=client_record).exists()


def test_table1_saves_a_half_filled_draft(member_client, plan):
    url = reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})
    response = submit(
        member_client,
        url,
        {
            "support_policy": "途中まで書いた方針",
            "category_first": False,
            "category_continuing": True,
            "category_referral": True,
        },
        button="下書き保存",
    )
    assert response.status_code == 302
    fresh = _fresh(plan)
    assert fresh.support_policy == "途中まで書いた方針" and fresh.is_draft
    assert fresh.plan_category == "53"  # 紹介・継続
    page = member_client.get(url).content.decode()
    assert "途中まで書いた方針" in page


def test_table1_with_a_bad_date_keeps_everything_typed(member_client, plan):
    url = reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})
    response = submit(
        member_client, url, {"support_policy": "大事な文章", "cert_valid_to": "2027/02/30"}, button="下書き保存"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "認定の有効期間（終了）: 「2027/02/30」の2月30日は存在しない日付です（2月は28日まで）。" in body
    assert "大事な文章" in body and 'value="2027/02/30"' in body
    assert _fresh(plan).support_policy == ""


def test_table1_dates_are_shown_and_typed_in_wareki(member_client, plan):
    url = reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})
    form = read_form(member_client, url, button="下書き保存")
    assert form.value("cert_valid_from") == "令和8年4月1日"
    assert (
        submit(
            member_client, url, {"cert_valid_to": "R9.3.30", "first_plan_date": "令和8年4月1日"}, button="下書き保存"
        ).status_code
        == 302
    )
    fresh = _fresh(plan)
    assert fresh.cert_valid_to == dt.date(2027, 3, 30) and fresh.first_plan_date == dt.date(2026, 4, 1)


def test_two_staff_editing_table1_second_is_told(plan, office, member):
    other = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="田中 次郎")
    url = reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})
    first, second = login_client(member), login_client(other)
    first_page, second_page = first.get(url), second.get(url)
    assert (
        submit(first, url, {"support_policy": "鈴木の方針"}, button="下書き保存", response=first_page).status_code
        == 302
    )
    response = submit(second, url, {"support_policy": "田中の方針"}, button="下書き保存", response=second_page)
    body = response.content.decode()
    assert response.status_code == 409
    assert "鈴木 一郎さんが" in body and "あなたの変更は保存していません" in body
    assert "田中の方針" in body  # the second person's input is still on screen
    assert "総合的な援助の方針" in re.search(r"内容が違う項目: ([^<]*)", body).group(1)
    assert _fresh(plan).support_policy == "鈴木の方針"
    # after reading the notice, saving again (the form the notice shows) is a deliberate overwrite
    assert submit(second, url, button="下書き保存", response=response).status_code == 302
    assert _fresh(plan).support_policy == "田中の方針"


def _table2(plan):
    return reverse("careplans:plan_table2", kwargs={"plan_id": plan.pk})


def test_table2_in_place_add_save_move(member_client, plan):
    url = _table2(plan)
    add = submit(member_client, url, button="＋ 課題（ニーズ）を追加", **HX)
    assert add.status_code == 200 and 'id="table2-editor"' in add.content.decode()
    assert "課題 1" in add.content.decode() and "autofocus" in add.content.decode()
    with office_scope(plan.client.office_id):
        first = Need.objects.get(plan=plan)
    saved = submit(
        member_client,
        url,
        {"text": "入浴が一人でできない"},
        form=reverse("careplans:need_save", kwargs={"need_id": first.pk}),
        **HX,
    )
    assert "自動保存しました" in saved.content.decode()
    submit(member_client, url, button="＋ 課題（ニーズ）を追加", **HX)
    with office_scope(plan.client.office_id):
        second = Need.objects.filter(plan=plan).order_by("position").last()
    submit(
        member_client,
        url,
        {"text": "買い物に行けない"},
        form=reverse("careplans:need_save", kwargs={"need_id": second.pk}),
        **HX,
    )
    moved = submit(
        member_client, url, form=reverse("careplans:need_move", kwargs={"need_id": second.pk}), button="↑", **HX
    )  # the first form of that address is the "up" one
    body = moved.content.decode()
    assert body.index("買い物に行けない") < body.index("入浴が一人でできない")
    with office_scope(plan.client.office_id):
        assert list(Need.objects.filter(plan=plan).values_list("text", flat=True)) == [
            "買い物に行けない",
            "入浴が一人でできない",
        ]


def test_table2_field_error_is_shown_next_to_the_card(member_client, plan, member):
    with office_scope(plan.client.office_id):
        goal = services.need_add(plan=plan, lock_version=plan.lock_version, by=member).goals.get()
    response = submit(
        member_client,
        _table2(plan),
        {"long_term_goal": "目標", "long_from": "R7.1.1", "long_to": "2026-09-30"},
        form=reverse("careplans:goal_save", kwargs={"goal_id": goal.pk}),
        **HX,
    )
    body = response.content.decode()
    assert f'id="errors-goal-{goal.pk}"' in body and "認定の有効期間" in body and 'hx-swap-oob="true"' in body
    assert response["HX-Reswap"] == "none"


def test_table2_date_that_does_not_exist_is_explained(member_client, plan, member):
    with office_scope(plan.client.office_id):
        goal = services.need_add(plan=plan, lock_version=plan.lock_version, by=member).goals.get()
    response = submit(
        member_client,
        _table2(plan),
        {"long_term_goal": "目標", "long_from": "平成32年4月1日"},
        form=reverse("careplans:goal_save", kwargs={"goal_id": goal.pk}),
        **HX,
    )
    assert "長期目標の期間（開始）: 「平成32年4月1日」の平成32年は存在しません" in response.content.decode()
    with office_scope(plan.client.office_id):
        goal.refresh_from_db()
    assert goal.long_from is None


def test_table2_conflict_shows_what_was_typed(member_client, plan, member):
    with office_scope(plan.client.office_id):
        need = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text="元の文")
    page = member_client.get(_table2(plan))
    with office_scope(plan.client.office_id):  # someone else saves first
        services.daily_activity_add(
            plan=_fresh(plan),
            lock_version=_fresh(plan).lock_version,
            by=member,
            start_time=dt.time(6),
            end_time=None,
            content="起床",
        )
    response = submit(
        member_client,
        _table2(plan),
        {"text": "私の新しい文"},
        response=page,
        form=reverse("careplans:need_save", kwargs={"need_id": need.pk}),
        **HX,
    )
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "私の新しい文" in body and "最新の内容を読み込む" in body
    with office_scope(plan.client.office_id):
        need.refresh_from_db()
    assert need.text == "元の文"


def test_table2_without_javascript(member_client, plan):
    response = submit(member_client, _table2(plan), button="＋ 課題（ニーズ）を追加")
    assert response.status_code == 302 and response.url.startswith(_table2(plan))
    page = member_client.get(_table2(plan)).content.decode()
    assert "課題 1" in page and "長期目標 1" in page and "短期目標 1" in page


def _table3(plan):
    return reverse("careplans:plan_table3", kwargs={"plan_id": plan.pk})


def test_table3_add_on_several_weekdays_and_grid(member_client, plan):
    response = submit(
        member_client,
        _table3(plan),
        {
            "weekdays": ["1", "3", "5"],
            "start_time": "09:00",
            "end_time": "10:30",
            "content": "訪問介護（身体介護）",
            "service_type_code": "11",
            "service_item_code": "1121",
            "provider_office_number": "1370000011",
        },
        form="weekly-add-form",
    )
    assert response.status_code == 302
    with office_scope(plan.client.office_id):
        rows = list(WeeklyActivity.objects.filter(plan=plan).values_list("weekday", "start_time", "service_item_code"))
    assert rows == [(1, dt.time(9), "1121"), (3, dt.time(9), "1121"), (5, dt.time(9), "1121")]
    page = member_client.get(_table3(plan)).content.decode()
    assert page.count('data-testid="grid-block"') == 3


def test_table3_25_oclock_keeps_input(member_client, plan):
    response = submit(
        member_client,
        _table3(plan),
        {"weekdays": ["2"], "start_time": "25:00", "end_time": "26:00", "content": "通所介護"},
        form="weekly-add-form",
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "開始時刻「25:00」は時刻として正しくありません" in body and "終了時刻「26:00」" in body
    assert 'value="通所介護"' in body
    with office_scope(plan.client.office_id):
        assert not WeeklyActivity.objects.filter(plan=plan).exists()


def test_table3_htmx_returns_the_area(member_client, plan):
    response = submit(
        member_client,
        _table3(plan),
        {"start_time": "6:30", "content": "起床"},
        form=reverse("careplans:daily_add", kwargs={"plan_id": plan.pk}),
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('\n<div id="table3-area"')
    assert "起床" in body


def test_confirm_deliver_and_download(member_client, filled_plan, office):
    plan = filled_plan
    detail = reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk})
    submit(member_client, detail, button="確定する")
    plan = _fresh(plan)
    assert plan.status == PlanStatus.CONFIRMED
    # the edit pages now lead to the read-only plan
    assert member_client.get(reverse("careplans:plan_table1", kwargs={"plan_id": plan.pk})).url == detail
    response = submit(
        member_client,
        reverse("careplans:plan_deliver", kwargs={"plan_id": plan.pk}),
        {
            "explained_on": "R8.4.6",
            "delivered_on": "令和8年4月6日",
            "delivered_to": "山田 花子（本人）",
            "delivery_note": "説明し同意を得た",
        },
        button="交付を記録する",
    )
    assert response.status_code == 302
    page = member_client.get(detail).content.decode()
    assert "交付済" in page and "山田 花子（本人）" in page
    assert reverse("documents:careplan_pdf", kwargs={"plan_id": plan.pk}) in page
    assert reverse("exchange:send_plan", kwargs={"plan_id": plan.pk}) in page
    # Without a partnership and the 利用者's consent nothing leaves the office.
    refused = member_client.get(reverse("exchange:plan_csv", kwargs={"plan_id": plan.pk}), follow=True)
    assert refused["Content-Type"].startswith("text/html")
    assert "送信できる利用者がいません" in refused.content.decode()
    provider = OfficeFactory(office_number="1370000011", name="ひまわり訪問介護", kinds=["11"])
    partnership, _ = make_partnership(office, provider, ["11"])
    make_consent(office, plan.client, partnership)
    download = member_client.get(reverse("exchange:plan_csv", kwargs={"plan_id": plan.pk}))
    assert download["Content-Type"] == "application/zip"
    assert plan.client.insured_number not in download["Content-Disposition"]  # no 被保険者番号 in file names
    files = [
        (info.filename, zipfile.ZipFile(io.BytesIO(download.content)).read(info))
        for info in zipfile.ZipFile(io.BytesIO(download.content)).infolist()
    ]
    names = sorted(name.split("_")[0] for name, _ in files)
    assert names == ["UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"]
    assert all(f"_{office.office_number}_43_1370000011_11_" in name for name, _ in files)
    assert [f for f in validate_files(files) if f.is_error] == []
    up1 = next(read_file(n, d) for n, d in files if n.startswith("UP1KYO"))
    assert up1.rows[0][13] == "20260405"  # No.14 居宅サービス計画作成（変更）日


def test_csv_of_a_draft_is_refused(member_client, filled_plan):
    response = member_client.get(reverse("exchange:plan_csv", kwargs={"plan_id": filled_plan.pk}), follow=True)
    assert "確定した計画書から作成します" in response.content.decode()


def test_confirm_with_missing_fields_lists_them(member_client, plan):
    response = submit(
        member_client, reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk}), button="確定する", follow=True
    )
    body = response.content.decode()
    assert "確定できません" in body and "総合的な援助の方針が未入力です" in body
    assert _fresh(plan).is_draft


def test_clerk_reads_but_cannot_edit(office, filled_plan):
    clerk = login_client(MembershipFactory(office=office, role=Role.CLERK))
    assert clerk.get(reverse("careplans:plan_detail", kwargs={"plan_id": filled_plan.pk})).status_code == 200
    # the edit page shows the plan read-only instead
    assert clerk.get(reverse("careplans:plan_table1", kwargs={"plan_id": filled_plan.pk})).status_code == 302
    # a hand-made POST (the clerk's pages offer no button for it) is refused
    response = clerk.post(
        reverse("careplans:need_add", kwargs={"plan_id": filled_plan.pk}), {"lock_version": filled_plan.lock_version}
    )
    assert response.status_code == 403


def test_new_version_from_the_detail_page(member_client, confirmed_plan):
    response = submit(
        member_client,
        reverse("careplans:plan_detail", kwargs={"plan_id": confirmed_plan.pk}),
        {"plan_date": "R8.10.1"},
        button="新しい版を作る",
    )
    with office_scope(confirmed_plan.client.office_id):
        new = CarePlan.objects.filter(client_id=confirmed_plan.client_id).order_by("-plan_date").first()
    assert new.previous_id == confirmed_plan.pk
    assert response.url == reverse("careplans:plan_table1", kwargs={"plan_id": new.pk})
    old_page = member_client.get(
        reverse("careplans:plan_detail", kwargs={"plan_id": confirmed_plan.pk})
    ).content.decode()
    assert "新しい版（令和8年10月1日）があります" in old_page and "第1版" in old_page


def test_list_filters(member_client, office, member, confirmed_plan):
    other_cm = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="田中 次郎")
    second = make_client(office, family_name="木村", care_manager=other_cm)
    with office_scope(office):
        services.plan_create(client=second, plan_date=PLAN_DATE, by=other_cm)
    url = reverse("careplans:list")
    body = member_client.get(url).content.decode()
    assert "山田" in body and "木村" in body
    body = member_client.get(url, {"status": "confirmed"}).content.decode()
    assert "山田" in body and "木村" not in body
    body = member_client.get(url, {"author": other_cm.pk}).content.decode()
    assert "木村" in body and "山田" not in body
    body = member_client.get(url, {"expiry": "expired"}).content.decode()
    assert "該当する計画書はありません" in body


def test_list_query_count_is_flat(member_client, office, member, django_assert_max_num_queries):
    for i in range(3):
        client = make_client(office, family_name=f"利用者{i}")
        with office_scope(office):
            services.plan_create(client=client, plan_date=PLAN_DATE, by=member)
    with django_assert_max_num_queries(12) as few:
        member_client.get(reverse("careplans:list"))
    for i in range(3, 15):
        client = make_client(office, family_name=f"利用者{i}")
        with office_scope(office):
            services.plan_create(client=client, plan_date=PLAN_DATE, by=member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = member_client.get(reverse("careplans:list")).content.decode()
    assert body.count("利用者1") >= 5


def test_plan_pages_query_count_is_flat(member_client, filled_plan, member, django_assert_max_num_queries):
    plan = filled_plan
    urls = [
        reverse(f"careplans:{name}", kwargs={"plan_id": plan.pk})
        for name in ("plan_detail", "plan_table2", "plan_table3")
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(40) as q:
            assert member_client.get(url).status_code == 200
        counts.append(len(q.captured_queries))
    with office_scope(plan.client.office_id):
        plan.refresh_from_db()
        for n in range(5):
            need = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text=f"課題{n}")
            short = need.goals.get().short_goals.get()
            for _ in range(3):
                services.item_add(short_goal=short, lock_version=plan.lock_version, by=member)
        services.weekly_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            weekdays=[1, 2, 3, 4, 5, 6, 7],
            values=services.WeeklyValues(dt.time(14), dt.time(15), "通所介護"),
        )
    for url, count in zip(urls, counts):
        with django_assert_max_num_queries(count):
            assert member_client.get(url).status_code == 200


def test_stale_structure_change_is_refused_without_javascript(member_client, plan, member):
    with office_scope(plan.client.office_id):
        need = services.need_add(plan=plan, lock_version=plan.lock_version, by=member, text="残る課題")
    page = member_client.get(_table2(plan))
    with office_scope(plan.client.office_id):  # someone else saves after the page was shown
        services.need_update(need=need, lock_version=_fresh(plan).lock_version, by=member, text="残る課題（更新）")
    response = submit(
        member_client,
        _table2(plan),
        form=reverse("careplans:need_delete", kwargs={"need_id": need.pk}),
        response=page,
        follow=True,
    )
    assert "あなたの変更は保存していません" in response.content.decode()
    with office_scope(plan.client.office_id):
        assert Need.objects.filter(pk=need.pk).exists()


def test_non_weekly_services_are_saved_and_a_stale_save_is_refused(member_client, plan):
    url = reverse("careplans:non_weekly_save", kwargs={"plan_id": plan.pk})
    page = member_client.get(_table3(plan))
    response = submit(member_client, _table3(plan), {"non_weekly_services": "通院（月1回）"}, form=url, follow=True)
    assert "週単位以外のサービスを保存しました" in response.content.decode()
    assert _fresh(plan).non_weekly_services == "通院（月1回）"
    stale = submit(member_client, _table3(plan), {"non_weekly_services": "上書き"}, form=url, response=page)
    assert "あなたの入力はこのフォームに残っています" in stale.content.decode()
    assert _fresh(plan).non_weekly_services == "通院（月1回）"


# --------------------------------------------------------------------------- a delivered plan never changes


def _deliver(member_client, plan):
    submit(member_client, reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk}), button="確定する")
    response = submit(
        member_client,
        reverse("careplans:plan_deliver", kwargs={"plan_id": plan.pk}),
        {"explained_on": "R8.4.6", "delivered_on": "R8.4.6", "delivered_to": "山田 花子（本人）"},
        button="交付を記録する",
    )
    assert response.status_code == 302
    return _fresh(plan)


def test_a_delivered_plan_keeps_what_it_printed_when_the_register_changes(member_client, filled_plan, office):
    from portal.clients.models import Certification, Client
    from portal.documents.sheets import plan_queryset, plan_sheet

    plan = _deliver(member_client, filled_plan)
    client = plan.client
    detail = reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk})
    before = member_client.get(detail).content.decode()
    assert "山田　花子 殿" in before and 'data-testid="snapshot-note"' in before
    # after 交付 the 利用者 moves, marries and is re-assessed; the office and the care manager change too
    edit = reverse("clients:edit", kwargs={"client_id": client.pk})
    assert (
        submit(
            member_client,
            edit,
            {"client-family_name": "佐藤", "client-address": "大阪府大阪市北区1-1"},
            button="保存する",
        ).status_code
        == 302
    )
    with office_scope(office):
        Certification.objects.filter(client=client).update(care_level="24", certified_on=dt.date(2026, 5, 1))
        from portal.careplans.models import CarePlan

        CarePlan.objects.filter(pk=plan.pk).update(care_level="", certified_on=None)  # fall back on the register
    office.name, office.address = "別名の事業所", "別の住所"
    office.save()
    after = member_client.get(detail).content.decode()
    assert "山田　花子 殿" in after and "佐藤　花子 殿" not in after
    assert "大阪府大阪市北区" not in after.split('id="table1"')[1]
    assert 'data-testid="printed-care-level">要介護2<' in after
    with office_scope(office):
        sheet = plan_sheet(plan_queryset().get(pk=plan.pk))
        assert Client.objects.get(pk=client.pk).family_name == "佐藤"  # the register did change
    assert sheet.client_name == "山田　花子" and "大阪" not in sheet.client_address
    assert [label for label, on in sheet.care_level_choices if on] == ["要介護2"]
    assert sheet.certified_on == dt.date(2026, 3, 20)
    assert sheet.office_name != "別名の事業所" and sheet.author_name == plan.author_name


def test_a_draft_still_prints_the_register(member_client, filled_plan, office):
    edit = reverse("clients:edit", kwargs={"client_id": filled_plan.client_id})
    submit(member_client, edit, {"client-family_name": "佐藤"}, button="保存する")
    page = member_client.get(reverse("careplans:plan_detail", kwargs={"plan_id": filled_plan.pk})).content.decode()
    assert "佐藤　花子 殿" in page and 'data-testid="snapshot-note"' not in page


def test_weekly_fill_and_the_pdf_list_use_the_latest_delivered_version(member_client, filled_plan, member, office):
    delivered = _deliver(member_client, filled_plan)
    # a newer version is being written (a draft with another 第3表)
    submit(
        member_client,
        reverse("careplans:plan_detail", kwargs={"plan_id": delivered.pk}),
        {"plan_date": "R8.9.1"},
        button="新しい版を作る",
    )
    open_page = member_client.get(
        reverse("schedules:open", kwargs={"client_id": delivered.client_id}), {"month": "2026-10"}
    ).content.decode()
    assert "令和8年4月5日作成の居宅サービス計画書（第3表）（交付済）" in open_page
    docs = member_client.get(reverse("documents:list"), {"month": "2026-10", "client": delivered.client_id}).content
    docs = docs.decode()
    assert f'{reverse("documents:careplan_pdf", kwargs={"plan_id": delivered.pk})}" data-testid="careplan-link"' in docs
    assert "（未交付）" not in docs


def test_without_a_delivered_version_the_draft_is_labelled(member_client, filled_plan):
    open_page = member_client.get(
        reverse("schedules:open", kwargs={"client_id": filled_plan.client_id}), {"month": "2026-10"}
    ).content.decode()
    assert 'data-testid="plan-not-delivered">（下書き・未交付）' in open_page
    docs = member_client.get(reverse("documents:list"), {"month": "2026-10", "client": filled_plan.client_id})
    assert "第1表〜第3表（令和8年4月5日・下書き（未交付））" in docs.content.decode()
