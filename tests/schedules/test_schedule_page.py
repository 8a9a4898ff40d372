"""The 第6表 page: create a month, tick days, save, see the 第7表; every bad input explained and kept."""

import datetime as dt

import pytest
from django.urls import reverse

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from portal.schedules.models import ScheduleDraft, ServiceSchedule, ServiceScheduleLine
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import read_form, submit

from .helpers import MONTH, days, make_client, make_schedule, type_rows, typed_row, weekdays_in

pytestmark = pytest.mark.django_db

MONDAYS = weekdays_in(MONTH, 0)  # 4, 11, 18, 25
THURSDAYS = weekdays_in(MONTH, 3)  # 7, 14, 21, 28


@pytest.fixture
def providers(db):
    """Renkei provider offices (1級地 visiting care, 3級地 day service)."""
    return {
        "11": OfficeFactory(office_number="1370000011", name="ひまわり訪問介護", kinds=["11"], regional_grade="1"),
        "15": OfficeFactory(office_number="1370000012", name="あおぞらデイ", kinds=["15", "78"], regional_grade="3"),
    }


def edit_url(schedule):
    return reverse("schedules:edit", kwargs={"schedule_id": schedule.pk})


def test_open_creates_an_empty_month_and_shows_the_grid(owner_client, office):
    client = make_client(office)
    url = reverse("schedules:open", kwargs={"client_id": client.pk}) + "?month=2026-05"
    page = owner_client.get(url).content.decode()
    assert "空の利用票を作成" in page and "先月からコピー" in page
    response = submit(owner_client, url, button="空の利用票を作成")
    with office_scope(office):
        schedule = ServiceSchedule.objects.get(client=client)
    assert response["Location"] == edit_url(schedule)
    text = owner_client.get(edit_url(schedule)).content.decode()
    assert "サービス利用票（第6表）令和8年5月分" in text
    assert '<th class="day sat">2</th>' in text and '<th class="day sun">3</th>' in text  # 土日 highlighted
    # from the sheet: send this 利用者's month to the partners, or print the 利用票
    assert f"{reverse('exchange:send_month')}?month=2026-05&amp;clients={client.pk}&amp;preview=1" in text
    assert reverse("documents:usage_pdf", kwargs={"schedule_id": schedule.pk}) in text
    # opening again goes to the same month
    assert owner_client.get(url)["Location"] == edit_url(schedule)


def test_save_grid_and_see_the_annex(owner_client, office, providers):
    client = make_client(office)
    schedule = make_schedule(office, client)
    rows = [
        {"provider": "1370000011", "code": "111211", "start": "9:00", "end": "10:00", "days": {d: 1 for d in MONDAYS}},
        {
            "provider": "1370000012",
            "code": "151511",
            "start": "09:30",
            "end": "17:00",
            "days": {d: 1 for d in THURSDAYS},
        },
        {
            "provider": "1370000012",
            "code": "155301",
            "start": "09:30",
            "end": "17:00",
            "days": {d: 1 for d in THURSDAYS},
        },
    ]
    response = type_rows(owner_client, edit_url(schedule), rows)
    assert response.status_code == 302
    with office_scope(office):
        lines = list(ServiceScheduleLine.objects.filter(schedule=schedule).order_by("sort_order"))
        schedule.refresh_from_db()
    assert schedule.version == 4  # saved once per typed line
    assert [(ln.service_code, ln.start_time, ln.end_time, ln.planned_total) for ln in lines] == [
        ("111211", "0900", "1000", 4),
        ("151511", "0930", "1700", 4),
        ("155301", "0930", "1700", 4),
    ]
    assert lines[0].provider_name == "ひまわり訪問介護"
    text = owner_client.get(edit_url(schedule)).content.decode()
    # 訪問介護: 387 × 4 = 1,548 units × 11.40 = 17,647.2 → 17,647 yen
    assert "1,548" in text and "17,647" in text
    # 通所介護: (658 + 40) × 4 = 2,792 units × 10.68 (3級地 45%) = 29,818.56 → 29,818 yen; subtotal row 15AAAA
    assert "2,792" in text and "29,818" in text and "15AAAA" in text
    assert "限度額を超えています" not in text


def test_over_limit_is_shown_in_red_with_units_over(owner_client, office, providers):
    client = make_client(office, limit=16765)
    schedule = make_schedule(office, client)
    every_day = {d: 1 for d in range(1, 31)}
    rows = [{"provider": "1370000011", "code": "111311", "start": "09:00", "end": "10:30", "days": every_day}]
    type_rows(owner_client, edit_url(schedule), rows)
    text = owner_client.get(edit_url(schedule)).content.decode()
    # 567 × 30 = 17,010 units; limit 16,765 → 245 over
    assert 'data-testid="over-limit"' in text
    assert "区分支給限度基準額（16,765単位）を <strong>245単位</strong> 超過" in text
    # full burden: 245 × 11.40 = 2,793 yen
    assert "2,793円" in text


@pytest.mark.parametrize(
    "row,message",
    [
        (
            {"provider": "1370000011", "code": "111211", "start": "25:00", "end": "26:00", "days": {4: 1}},
            "1行目: 開始時刻「25:00」は正しい時刻ではありません。00:00〜23:59 で入力してください",
        ),
        (
            {"provider": "1370000011", "code": "111211", "start": "10:00", "end": "09:00", "days": {4: 1}},
            "1行目: 終了時刻（09:00）が開始時刻（10:00）より後になっていません",
        ),
        (
            {"provider": "1370000011", "code": "119999", "start": "09:00", "end": "10:00", "days": {4: 1}},
            "1行目: サービスコード 119999 は令和8年5月に有効なコードとしてマスタにありません",
        ),
        (
            {"provider": "1370000011", "code": "131311", "start": "09:00", "end": "10:00", "days": {4: 1}},
            "事業所 1370000011（ひまわり訪問介護） は サービス種類 13（訪問看護）を提供していません",
        ),
        (
            {"provider": "2799999999", "code": "111211", "start": "09:00", "end": "10:00", "days": {4: 1}},
            "事業所 2799999999 の サービス種類 11（訪問介護）は、利用者の「利用するサービス事業所」に登録がありません",
        ),
        (
            {"provider": "1370000011", "code": "111211", "start": "09:00", "end": "10:00", "days": {4: "a"}},
            "1行目: 回数は0〜99の数字で入力してください（4日「a」）",
        ),
        (
            {"provider": "1370000011", "code": "111211", "start": "09:00", "end": "10:00", "days": {}},
            "1行目: 予定の日が1日も入力されていません",
        ),
    ],
)
def test_bad_rows_are_explained_kept_as_draft_and_not_saved(owner_client, owner, office, providers, row, message):
    client = make_client(office)
    schedule = make_schedule(office, client)
    response = type_rows(owner_client, edit_url(schedule), [row])
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "保存していません" in text
    assert f'value="{row["code"]}"' in text  # the input is shown again
    with office_scope(office):
        assert not ServiceScheduleLine.objects.filter(schedule=schedule).exists()
        assert ServiceSchedule.objects.get(pk=schedule.pk).version == 1
        draft = ScheduleDraft.objects.get(schedule=schedule, author=owner)
    assert draft.payload["line-0-code"] == [row["code"]]
    # coming back later shows the draft, not an empty sheet
    again = owner_client.get(edit_url(schedule)).content.decode()
    assert "保存していない下書きを表示しています" in again and message in again


def test_days_outside_the_certification_period(owner_client, office, providers):
    client = make_client(office, valid_from=dt.date(2026, 5, 10), valid_to=dt.date(2027, 5, 9))
    schedule = make_schedule(office, client)
    row = {"provider": "1370000011", "code": "111211", "start": "09:00", "end": "10:00", "days": {4: 1, 11: 1}}
    text = type_rows(owner_client, edit_url(schedule), [row]).content.decode()
    assert "1行目: 4日は認定有効期間（令和8年5月10日〜令和9年5月9日）の外です。" in text


def test_month_without_certification(owner_client, office, providers):
    client = make_client(office, level=None)
    schedule = make_schedule(office, client)
    row = {"provider": "1370000011", "code": "111211", "start": "09:00", "end": "10:00", "days": {4: 1}}
    text = type_rows(owner_client, edit_url(schedule), [row]).content.decode()
    assert "令和8年5月に有効な認定がありません" in text


def test_welfare_equipment_needs_units_and_tais_or_notified_code(owner_client, office):
    OfficeFactory(office_number="2770000013", name="みどり福祉用具", kinds=["13", "17"], regional_grade="2")
    client = make_client(office, services=(("2770000013", "みどり福祉用具", "17"),))
    schedule = make_schedule(office, client)
    row = {"provider": "2770000013", "code": "171001", "days": {1: 1}}
    text = type_rows(owner_client, edit_url(schedule), [row]).content.decode()
    assert "車いす貸与は単位数（貸与価格÷10）を入力してください" in text
    assert "福祉用具貸与は TAISコード か 福祉用具届出コード のどちらかを入力してください" in text
    # the draft line is shown again as line 0: complete it there
    fixed = typed_row({"units": "550", "tais": "00170-000123", "equipment": "標準型車いす"}, index="0")
    assert submit(owner_client, edit_url(schedule), fixed, button="保存する", form="sheet").status_code == 302
    text = owner_client.get(edit_url(schedule)).content.decode()
    assert "5,500" in text  # 550 units × 10.00 (地域差なし)


def test_second_editor_is_refused_and_nothing_is_overwritten(office, owner, providers):
    colleague = MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")
    client = make_client(office)
    schedule = make_schedule(office, client)
    first, second = login_client(owner), login_client(colleague)
    # both opened version 1
    mine = read_form(first, edit_url(schedule), form="sheet")
    theirs = read_form(second, edit_url(schedule), form="sheet")
    assert mine.value("version") == theirs.value("version") == "1"
    typed_mine = typed_row(
        {"provider": "1370000011", "code": "111211", "start": "09:00", "end": "10:00", "days": {4: 1}}
    )
    typed_theirs = typed_row(
        {"provider": "1370000011", "code": "117311", "start": "14:00", "end": "15:00", "days": {5: 1}}
    )
    assert first.post(edit_url(schedule), mine.data(typed_mine, button="保存する")).status_code == 302
    response = second.post(edit_url(schedule), theirs.data(typed_theirs, button="保存する"))
    assert response.status_code == 409
    text = response.content.decode()
    assert "佐藤 花子さんが" in text and "先に保存しました。あなたの変更はまだ保存していません" in text
    with office_scope(office):
        assert [ln.service_code for ln in ServiceScheduleLine.objects.filter(schedule=schedule)] == ["111211"]
        assert ScheduleDraft.objects.filter(schedule=schedule, author=colleague).exists()  # their input is kept


def test_existing_lines_keep_their_actuals(owner_client, office, providers):
    client = make_client(office)
    schedule = make_schedule(office, client, [("1370000011", "111211", "0900", "1000", days(4, 11))])
    with office_scope(office):
        line = schedule.lines.get()
        line.actual_days = days(4)
        line.save()
    response = submit(
        owner_client, edit_url(schedule), typed_row({"days": {18: 1}}, index="0"), button="保存する", form="sheet"
    )
    assert response.status_code == 302
    with office_scope(office):
        line.refresh_from_db()
    assert line.planned_total == 3 and line.actual_days == days(4)


def test_autosave_draft_and_discard(owner_client, owner, office, providers):
    client = make_client(office)
    schedule = make_schedule(office, client)
    half = typed_row({"provider": "1370000011", "code": "1112", "days": {4: 1}})
    page = read_form(owner_client, edit_url(schedule), form="sheet")
    # the page's script posts the whole form (FormData) to its data-draft-url while the user types
    assert page.form.attrs["data-draft-url"] == reverse("schedules:draft", kwargs={"schedule_id": schedule.pk})
    response = owner_client.post(page.form.attrs["data-draft-url"], page.data(half))
    assert response.status_code == 200 and "saved_at" in response.json()
    text = owner_client.get(edit_url(schedule)).content.decode()
    assert "保存していない下書きを表示しています" in text and 'value="1112"' in text
    submit(owner_client, edit_url(schedule), button="下書きを破棄")
    with office_scope(office):
        assert not ScheduleDraft.objects.filter(schedule=schedule).exists()


def test_copy_from_last_month_keeps_the_weekday_pattern(owner_client, office, providers):
    client = make_client(office)
    april = dt.date(2026, 4, 1)
    april_mondays = weekdays_in(april, 0)  # 6, 13, 20, 27
    make_schedule(office, client, [("1370000011", "111211", "0900", "1000", days(*april_mondays))], month=april)
    url = reverse("schedules:open", kwargs={"client_id": client.pk}) + "?month=2026-05"
    response = submit(owner_client, url, button="先月からコピー")
    schedule_url = response["Location"]
    text = owner_client.get(schedule_url).content.decode()
    assert "1行を入力しました" in text
    for d in MONDAYS:  # May's Mondays are ticked
        assert f'name="line-0-d{d}" value="1"' in text
    assert 'name="line-0-d1" value=""' in text


def test_fill_from_weekly_pattern(owner_client, office, providers):
    from portal.careplans.models import CarePlan, WeeklyActivity

    client = make_client(office)
    with office_scope(office):
        plan = CarePlan.objects.create(
            client=client, plan_date=dt.date(2026, 4, 1), certification_status="2", care_level="21"
        )
        for weekday in (1, 4):  # Monday and Thursday
            WeeklyActivity.objects.create(
                plan=plan,
                weekday=weekday,
                start_time=dt.time(9),
                end_time=dt.time(10),
                content="身体介護",
                service_type_code="11",
                service_item_code="1211",
                provider_office_number="1370000011",
            )
        WeeklyActivity.objects.create(
            plan=plan,
            weekday=3,
            start_time=dt.time(9, 30),
            end_time=dt.time(16, 30),
            content="通所介護",
            service_type_code="15",
            service_item_code="",
            provider_office_number="1370000012",
        )
    schedule = make_schedule(office, client)
    submit(owner_client, edit_url(schedule), button="第3表の週間パターンから作成")
    text = owner_client.get(edit_url(schedule)).content.decode()
    assert "2行を入力しました" in text and "サービス項目コードが第3表に無いため" in text
    for d in MONDAYS + THURSDAYS:
        assert f'name="line-0-d{d}" value="1"' in text
    for d in weekdays_in(MONTH, 2):  # Wednesdays for the day service
        assert f'name="line-1-d{d}" value="1"' in text
    assert 'value="09:00"' in text and 'value="16:30"' in text


def test_schedule_page_query_count_is_flat(owner_client, office, providers, django_assert_max_num_queries):
    for n in range(20):  # other clients do not change the page
        make_client(office, insured=f"{n + 100:010d}")
    client = make_client(office)
    lines = []
    for i in range(40):
        lines.append(
            ("1370000011" if i % 2 else "1370000012", "111211" if i % 2 else "151511", "0900", "1000", days(*MONDAYS))
        )
    schedule = make_schedule(office, client, lines)
    small = make_schedule(office, make_client(office, insured="0000000099"), lines[:2])
    owner_client.get(edit_url(small))  # warm up (session, masters check)
    with django_assert_max_num_queries(20) as few:
        assert owner_client.get(edit_url(small)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert owner_client.get(edit_url(schedule)).status_code == 200


def test_list_shows_months_status(owner_client, office, providers):
    client = make_client(office)
    other = make_client(office, insured="0000000002")
    make_schedule(office, client, [("1370000011", "111211", "0900", "1000", days(4))])
    text = owner_client.get(reverse("schedules:list") + "?month=2026-05").content.decode()
    assert "作成済" in text and "未作成" in text
    assert reverse("schedules:open", kwargs={"client_id": other.pk}) in text
