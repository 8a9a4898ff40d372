"""実績 entry never loses work, rate add-ons are handled by one rule, and 予実の比較 shows real differences only."""

import pytest

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.world import client, schedule
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import read_form, submit

pytestmark = pytest.mark.django_db

VISITS = [1, 8, 15, 22]  # 令和8年4月


@pytest.fixture
def provider_month(db):
    office = OfficeFactory(name="ひまわり訪問介護", kinds=["11"])
    admin = MembershipFactory(office=office, role=Role.ADMIN, display_name="田中 次郎")
    c = client(office, 1)
    s = schedule(office, c, [(office, "111211", "0900", "1000", VISITS), (office, "116275", "9999", "9999", [22])])
    with office_scope(office):
        visit, rate = s.lines.order_by("sort_order")
    return login_client(admin), f"/exchange/schedules/{s.pk}/actuals/", office, s, visit, rate


def _actual(office, line):
    with office_scope(office):
        line.refresh_from_db()
    return [d for d, n in enumerate(line.actual_days, start=1) if n]


def test_unsaved_edits_are_saved_with_an_unplanned_visit(provider_month):
    web, url, office, s, visit, rate = provider_month
    submit(web, url, button="予定をすべて実績にコピー")
    typed = {
        f"a{visit.pk}_8": "",
        f"a{visit.pk}_9": "1",  # moved from the 8th to the 9th, not saved yet
        "new_code": "111211",
        "new_day": "12",
        "new_start": "14:00",
        "new_end": "15:00",
    }
    response = submit(web, url, typed, button="実績を保存して追加する")
    assert response.status_code == 302
    assert _actual(office, visit) == [1, 9, 15, 22]
    with office_scope(office):
        added = s.lines.exclude(pk__in=[visit.pk, rate.pk]).get()
    assert (added.service_code, added.start_time, added.end_time, _actual(office, added)) == (
        "111211",
        "1400",
        "1500",
        [12],
    )
    assert "入力した実績を保存し、予定外の訪問を追加しました。" in web.get(url).content.decode()


@pytest.mark.parametrize(
    "day,message",
    [
        (
            "x",
            "予定外の訪問の「日」は1〜30の数字で入力してください（入力値「x」）。入力した実績はまだ保存していません。",
        ),
        ("31", "日は1〜30で入力してください。"),
        ("", "予定外の訪問の「日」は1〜30の数字で入力してください（入力値「」）。"),
    ],
)
def test_a_bad_unplanned_day_is_explained_and_nothing_typed_is_lost(provider_month, day, message):
    web, url, office, s, visit, rate = provider_month
    submit(web, url, button="予定をすべて実績にコピー")
    typed = {f"a{visit.pk}_9": "1", "new_code": "111211", "new_day": day, "new_start": "14:00", "new_end": "15:00"}
    response = submit(web, url, typed, button="実績を保存して追加する")
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'name="a{visit.pk}_9" value="1"' in html  # the typed 実績 is on the page again
    assert f'name="new_day" value="{day}"' in html and 'name="new_start" value="14:00"' in html
    assert _actual(office, visit) == VISITS  # nothing saved (all or nothing)
    with office_scope(office):
        assert s.lines.count() == 2


def test_recopying_the_plan_over_saved_actuals_asks_first(provider_month):
    web, url, office, s, visit, rate = provider_month
    submit(web, url, button="予定をすべて実績にコピー")
    submit(web, url, {f"a{visit.pk}_8": "", f"a{visit.pk}_9": "1"}, button="実績を保存")
    asked = submit(web, url, button="予定をすべて実績にコピー")
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "保存済みの実績があります。予定をコピーすると、入力済みの実績がすべて予定の内容で置き換わります。" in html
    assert _actual(office, visit) == [1, 9, 15, 22]  # nothing replaced yet
    submit(web, url, button="実績を予定で置き換える", response=asked)
    assert _actual(office, visit) == VISITS


def test_rate_add_on_has_no_time_and_no_days_to_tick(provider_month):
    web, url, office, s, visit, rate = provider_month
    submit(web, url, button="予定をすべて実績にコピー")
    page = read_form(web, url, button="実績を保存")
    html = web.get(url).content.decode()
    assert "9999" not in html
    assert "率で計算する加算（月1回・時間なし）" in html
    assert not [n for n in page.form.names() if n.startswith(f"a{rate.pk}_") or n in (f"s{rate.pk}", f"e{rate.pk}")]
    assert page.value(f"s{visit.pk}") == "09:00"
    # the add-on follows the visits: once, on the last day with a visit
    submit(web, url, {f"a{visit.pk}_22": "", f"a{visit.pk}_23": "1"}, button="実績を保存")
    assert _actual(office, rate) == [23]
    submit(web, url, {f"a{visit.pk}_{d}": "" for d in (1, 8, 15, 23)}, button="実績を保存")
    assert _actual(office, rate) == []


@pytest.fixture
def care_month(db):
    cm = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    admin = MembershipFactory(office=cm, role=Role.ADMIN, display_name="佐藤 花子")
    provider = OfficeFactory(name="ひまわり訪問介護", kinds=["11"])
    c = client(cm, 1)
    # as the 第6表 page saves it: the rate add-on line has no planned days of its own
    s = schedule(cm, c, [(provider, "111211", "0900", "1000", VISITS), (provider, "116275", "9999", "9999", [])])
    with office_scope(cm):
        visit, rate = s.lines.order_by("sort_order")
    return login_client(admin), cm, visit, rate


def _set_actual(office, line, days):
    with office_scope(office):
        line.actual_days = [1 if d in days else 0 for d in range(1, 32)]
        line.save()


def test_comparison_counts_rate_add_ons_by_the_same_rule(care_month):
    web, cm, visit, rate = care_month
    _set_actual(cm, visit, VISITS)
    _set_actual(cm, rate, [22])  # the provider's 実績 reports the add-on on the last visit day
    page = web.get("/exchange/comparison/", {"month": "2026-04"}).content.decode()
    assert "予定と実績が違う行はありません。" in page
    assert "116275" not in page


def test_comparison_shows_a_missing_rate_add_on(care_month):
    web, cm, visit, rate = care_month
    _set_actual(cm, visit, VISITS)
    _set_actual(cm, rate, [])  # visits reported, the add-on not
    page = web.get("/exchange/comparison/", {"month": "2026-04"}).content.decode()
    assert "116275" in page and "111211" not in page
    assert '<td class="num">1</td>' in page and '<td class="num over">0</td>' in page
