"""The 第6表 page: codes checked against the 利用者 (要介護度, master month, 認定期間), the 第7表
recalculated by the server while editing (htmx partial), where the 区分支給限度 excess falls
(chosen by the care manager, stored, used by the 第7表 and UPSIKYU), and a tampered version."""

import datetime as dt

import pytest
from django.urls import reverse

from portal.clients.models import Certification
from portal.offices.tenancy import office_scope
from portal.schedules.models import ScheduleDraft, ServiceSchedule, ServiceScheduleLine
from portal.schedules.selectors import load_schedule, saved_sheet_state
from portal.schedules.standard import annex_records
from tests.factories import OfficeFactory
from tests.forms import read_form, submit

from .helpers import MONTH, make_client, make_schedule, type_rows, typed_row, weekdays_in

pytestmark = pytest.mark.django_db

THURSDAYS = weekdays_in(MONTH, 3)  # 7, 14, 21, 28


@pytest.fixture
def providers(db):
    return {
        "11": OfficeFactory(office_number="1370000011", name="ひまわり訪問介護", kinds=["11"], regional_grade="1"),
        "15": OfficeFactory(office_number="1370000012", name="あおぞらデイ", kinds=["15", "78"], regional_grade="3"),
    }


def edit_url(schedule):
    return reverse("schedules:edit", kwargs={"schedule_id": schedule.pk})


DAY_CARE_L1 = {
    "provider": "1370000012",
    "code": "151511",
    "start": "09:30",
    "end": "17:00",
    "days": {d: 1 for d in THURSDAYS},
}


# --------------------------------------------------------------------------- item 10: codes vs the 利用者


def test_code_for_another_care_level_is_refused_on_its_line(owner_client, office, providers):
    client = make_client(office, level="23", limit=27048)  # 要介護3
    schedule = make_schedule(office, client)
    response = type_rows(owner_client, edit_url(schedule), [DAY_CARE_L1])
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        "1行目: サービスコード 151511（通所介護（通常規模型）7時間以上8時間未満・要介護1）は要介護1の方のコードですが、"
        "この利用者は要介護3です。要介護状態区分に合うコード（151531）を入力してください。"
    ) in text
    assert "保存していません" in text and 'value="151511"' in text
    with office_scope(office):
        assert not ServiceScheduleLine.objects.filter(schedule=schedule).exists()
    # the right code for 要介護3 saves
    fixed = submit(
        owner_client, edit_url(schedule), typed_row({"code": "151531"}, index="0"), button="保存する", form="sheet"
    )
    assert fixed.status_code == 302


def test_care_level_change_within_the_month_names_the_days(owner_client, office, providers):
    client = make_client(office, level="21", valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2026, 5, 15))
    with office_scope(office):
        Certification.objects.create(
            client=client,
            care_level="23",
            status="2",
            valid_from=dt.date(2026, 5, 16),
            valid_to=dt.date(2027, 5, 31),
            benefit_limit_units=27048,
        )
    schedule = make_schedule(office, client)
    text = type_rows(owner_client, edit_url(schedule), [DAY_CARE_L1]).content.decode()
    assert "この利用者は要介護3です（21日, 28日）。要介護状態区分に合うコード（151531）を入力してください。" in text


def test_code_not_in_the_master_for_that_month(owner_client, office, providers):
    # 通所リハ 161111 starts on 2024-06-01 in the bundled table: not a May 2024 code
    may_2024 = dt.date(2024, 5, 1)
    client = make_client(
        office,
        valid_from=dt.date(2024, 4, 1),
        valid_to=dt.date(2025, 3, 31),
        services=(("1370000016", "みなとリハ", "16"),),
    )
    schedule = make_schedule(office, client, month=may_2024)
    row = {"provider": "1370000016", "code": "161111", "start": "10:00", "end": "11:30", "days": {8: 1}}
    text = type_rows(owner_client, edit_url(schedule), [row]).content.decode()
    assert "1行目: サービスコード 161111 は令和6年5月に有効なコードとしてマスタにありません。" in text


def test_day_outside_the_certification_period(owner_client, office, providers):
    client = make_client(office, valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2026, 5, 20))
    schedule = make_schedule(office, client)
    text = type_rows(owner_client, edit_url(schedule), [DAY_CARE_L1]).content.decode()
    assert "1行目: 21日, 28日は認定有効期間（令和8年4月1日〜令和8年5月20日）の外です。" in text


# --------------------------------------------------------------------------- item 8: recalculation while editing


def test_the_annex_is_recalculated_by_the_server_from_what_the_page_holds(owner_client, office, providers):
    client = make_client(office)  # 要介護1: 16,765 units
    schedule = make_schedule(office, client)
    type_rows(owner_client, edit_url(schedule), [HOME_HELP_MOST_DAYS])
    page = read_form(owner_client, edit_url(schedule), form="sheet")
    recalc_url = page.form.attrs["hx-post"]
    assert recalc_url == reverse("schedules:recalc", kwargs={"schedule_id": schedule.pk})
    assert page.form.attrs["hx-target"] == "#annex"
    # the user types a day-care line (not saved yet): the server answers with the new 第7表
    response = owner_client.post(recalc_url, page.data(typed_row(DAY_CARE_L1)), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="annex"' in html and "<html" not in html
    assert "18,508" in html  # 15,876 + 2,632 units
    assert 'id="over-banner" hx-swap-oob="true"' in html and "<strong>1,743単位</strong> 超過" in html
    with office_scope(office):  # nothing was saved by recalculating
        assert ServiceScheduleLine.objects.filter(schedule=schedule).count() == 1


# --------------------------------------------------------------------------- item 9: where the excess falls

HOME_HELP_MOST_DAYS = {
    "provider": "1370000011",
    "code": "111311",
    "start": "09:00",
    "end": "10:30",
    "days": {d: 1 for d in range(1, 29)},
}  # 567 × 28 = 15,876 units


def _over_limit_sheet(owner_client, office):
    """訪問介護 15,876 + 通所介護 2,632 = 18,508 units for a 16,765 limit: 1,743 over."""
    client = make_client(office)
    schedule = make_schedule(office, client)
    type_rows(owner_client, edit_url(schedule), [HOME_HELP_MOST_DAYS, DAY_CARE_L1])
    return schedule


def _class_over_by_provider(schedule):
    schedule = load_schedule(schedule.pk)
    records = annex_records(
        schedule=schedule, annex=saved_sheet_state(schedule).annex, created_on=MONTH, office_number="1310000001"
    )
    return {r[7]: r.get(21) for r in records if r[9] != "999999"}


def test_default_excess_falls_on_the_last_lines(owner_client, office, providers):
    schedule = _over_limit_sheet(owner_client, office)
    with office_scope(office):
        assert _class_over_by_provider(schedule) == {"1370000011": 0, "1370000012": 1743}
    page = read_form(owner_client, edit_url(schedule), form="sheet")
    assert page.value("over_mode") == "auto"
    assert "（表の最後の行から）" in owner_client.get(edit_url(schedule)).content.decode()


def test_care_manager_moves_the_excess_to_chosen_lines(owner_client, office, providers):
    schedule = _over_limit_sheet(owner_client, office)
    response = submit(
        owner_client,
        edit_url(schedule),
        {"over_mode": "chosen", "line-0-over": "1743"},
        button="保存する",
        form="sheet",
    )
    assert response.status_code == 302
    with office_scope(office):
        schedule.refresh_from_db()
        assert schedule.over_mode == "chosen"
        lines = list(schedule.lines.order_by("sort_order"))
        assert [line.class_over_units for line in lines] == [1743, None]
        # the UPSIKYU file (built from the same 第7表) carries the choice
        assert _class_over_by_provider(schedule) == {"1370000011": 1743, "1370000012": 0}
    text = owner_client.get(edit_url(schedule)).content.decode()
    assert "（指定どおりに割り振っています）" in text
    assert "ひまわり訪問介護：111311" in text and "1,743単位が限度超" in text
    # full burden at the 訪問介護 price (1級地 11.40): 1,743 × 11.40 = 19,870 yen
    assert "19,870円" in text
    # back to the default: the stored choice is not used any more
    submit(owner_client, edit_url(schedule), {"over_mode": "auto"}, button="保存する", form="sheet")
    with office_scope(office):
        assert _class_over_by_provider(schedule) == {"1370000011": 0, "1370000012": 1743}


def test_a_choice_that_does_not_add_up_is_explained_and_not_saved(owner_client, office, providers):
    schedule = _over_limit_sheet(owner_client, office)
    response = submit(
        owner_client,
        edit_url(schedule),
        {"over_mode": "chosen", "line-0-over": "16000"},
        button="保存する",
        form="sheet",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "1行目: 限度超に指定した16,000単位が、この行の単位数（15,876単位）を超えています。" in text
    assert (
        "限度超に指定した単位数の合計（16,000単位）が、区分支給限度基準額を超える単位数（1,743単位）と合っていません。"
        in text
    )
    assert 'value="16000"' in text  # kept for correction
    with office_scope(office):
        assert ServiceSchedule.objects.get(pk=schedule.pk).over_mode == "auto"


def test_non_numeric_choice_is_explained(owner_client, office, providers):
    schedule = _over_limit_sheet(owner_client, office)
    text = submit(
        owner_client,
        edit_url(schedule),
        {"over_mode": "chosen", "line-1-over": "たくさん"},
        button="保存する",
        form="sheet",
    ).content.decode()
    assert "2行目: 限度超の単位数は半角数字で入力してください（入力値「たくさん」）。" in text


# --------------------------------------------------------------------------- a tampered version


@pytest.mark.parametrize("version", ["x", "99999999999999999999", "-1", ""])
def test_bad_version_gives_a_japanese_error_not_a_500(owner_client, owner, office, providers, version):
    client = make_client(office)
    schedule = make_schedule(office, client)
    values = typed_row(DAY_CARE_L1)
    values["version"] = version
    response = submit(owner_client, edit_url(schedule), values, button="保存する", form="sheet")
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "この画面の更新番号（version）が正しくないため保存していません。入力内容は下書きとして残してあります。" in text
    )
    assert 'value="151511"' in text
    with office_scope(office):
        assert not ServiceScheduleLine.objects.filter(schedule=schedule).exists()
        assert ScheduleDraft.objects.filter(schedule=schedule, author=owner).exists()
    draft = owner_client.post(reverse("schedules:draft", kwargs={"schedule_id": schedule.pk}), {"version": version})
    assert draft.status_code == 200
