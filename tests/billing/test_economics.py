"""居宅介護支援費 tiers on worked examples, the savings simulation, and the economics page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.billing import economics
from portal.billing.economics import kyotaku_check, savings_simulate, tier_split, units_to_yen
from portal.billing.ports import exchange_use
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import submit

MONTH = dt.date(2026, 10, 1)


def split(system, light, heavy=0, support=0, fte=1):
    result = tier_split(system=system, care_light=light, care_heavy=heavy, support=support, fte=fte, month=MONTH)
    return (result.cases_in("i"), result.cases_in("ii"), result.cases_in("iii")), result.total_units


# Worked examples, one care manager, all 要介護1・2 (units: (Ⅰ) 1,086 / 544 / 326, (Ⅱ) 1,086 / 527 / 316).
@pytest.mark.parametrize(
    "cases,tier_one,tier_two",
    [
        # 44 cases: below 45 → everything (ⅰ).  44 × 1,086 = 47,784
        (44, ((44, 0, 0), 47_784), ((44, 0, 0), 47_784)),
        # 45: (Ⅰ) the 45th case is (ⅱ): 47,784 + 544 = 48,328; (Ⅱ) all (ⅰ): 45 × 1,086 = 48,870
        (45, ((44, 1, 0), 48_328), ((45, 0, 0), 48_870)),
        # 49: (Ⅰ) 44 + 5 × 544 = 50,504; (Ⅱ) 49 × 1,086 = 53,214
        (49, ((44, 5, 0), 50_504), ((49, 0, 0), 53_214)),
        # 50: (Ⅰ) 44 + 6 × 544 = 51,048; (Ⅱ) the 50th case is (ⅱ): 53,214 + 527 = 53,741
        (50, ((44, 6, 0), 51_048), ((49, 1, 0), 53_741)),
        # 59: (Ⅰ) 47,784 + 15 × 544 = 55,944; (Ⅱ) 53,214 + 10 × 527 = 58,484
        (59, ((44, 15, 0), 55_944), ((49, 10, 0), 58_484)),
        # 60: the 60th case is (ⅲ): (Ⅰ) 55,944 + 326 = 56,270; (Ⅱ) 58,484 + 316 = 58,800
        (60, ((44, 15, 1), 56_270), ((49, 10, 1), 58_800)),
    ],
)
def test_tiers_on_worked_examples(cases, tier_one, tier_two):
    assert split("I", cases) == tier_one
    assert split("II", cases) == tier_two


def test_preventive_clients_count_one_third_and_can_trigger_the_reduction():
    # 42 要介護 + 9 介護予防支援: 取扱件数 = 42 + 9/3 = 45 → reduction applies.
    # 予防 counted first (3 件), so the 要介護 cases are the 4th … 45th: the 45th is (ⅱ).
    assert split("I", 42, support=9) == ((41, 1, 0), 41 * 1086 + 544)  # 45,070
    # (Ⅱ): 45 < 50 → all (ⅰ): 42 × 1,086 = 45,612
    assert split("II", 42, support=9) == ((42, 0, 0), 45_612)
    # 42 + 8/3 = 44.67 < 45: no reduction at all
    assert split("I", 42, support=8) == ((42, 0, 0), 42 * 1086)


def test_mixed_care_levels_with_preventive_clients_and_the_60_threshold():
    # 40 要介護1・2, 10 要介護3・4・5, 30 予防: 取扱件数 = 50 + 10 = 60.
    # Order: 予防 (10 件) → 要介護1・2 at 11…50 → 要介護3・4・5 at 51…60.
    # (Ⅰ): (ⅰ) 1・2 ×34 (11…44); (ⅱ) 1・2 ×6 (45…50) + 3・4・5 ×9 (51…59); (ⅲ) 3・4・5 ×1 (60)
    #      34×1,086 + 6×544 + 9×704 + 1×422 = 36,924 + 3,264 + 6,336 + 422 = 46,946
    assert split("I", 40, heavy=10, support=30) == ((34, 15, 1), 46_946)
    # (Ⅱ): (ⅰ) 1・2 ×39 (11…49); (ⅱ) 1・2 ×1 (50) + 3・4・5 ×9; (ⅲ) 3・4・5 ×1
    #      39×1,086 + 1×527 + 9×683 + 1×410 = 42,354 + 527 + 6,147 + 410 = 49,438
    assert split("II", 40, heavy=10, support=30) == ((39, 10, 1), 49_438)
    result = tier_split(system="I", care_light=40, care_heavy=10, support=30, month=MONTH)
    assert result.caseload == 60 and result.caseload_display == "60.0"
    lines = {(line.tier, line.group): line.cases for line in result.lines}
    assert lines == {
        ("i", "light"): 34,
        ("i", "heavy"): 0,
        ("ii", "light"): 6,
        ("ii", "heavy"): 9,
        ("iii", "light"): 0,
        ("iii", "heavy"): 1,
    }


def test_more_than_one_care_manager_moves_the_thresholds():
    # 2.5 FTE: (ⅰ) up to floor(45 × 2.5 − 1) = 111th case, (ⅱ) up to floor(60 × 2.5 − 1) = 149th.
    assert split("I", 110, fte=Decimal("2.5")) == ((110, 0, 0), 110 * 1086)  # 取扱件数 44.0
    assert split("I", 113, fte=Decimal("2.5")) == ((111, 2, 0), 111 * 1086 + 2 * 544)  # 45.2
    assert split("II", 113, fte=Decimal("2.5")) == ((113, 0, 0), 113 * 1086)  # 45.2 < 50


def test_unit_table_is_dated_and_sourced():
    table = economics.unit_table_on(MONTH)
    assert table.valid_from == dt.date(2024, 4, 1)
    assert "令和6年" in table.source
    assert table.units[("I", "i")] == (1086, 1411) and table.units[("II", "iii")] == (316, 410)
    with pytest.raises(LookupError):
        economics.unit_table_on(dt.date(2024, 3, 31))


def test_counts_must_be_non_negative():
    with pytest.raises(ValueError):
        tier_split(system="I", care_light=-1, care_heavy=0, month=MONTH)
    with pytest.raises(ValueError):
        tier_split(system="I", care_light=1, care_heavy=0, fte=Decimal("0.5"), month=MONTH)


def test_yen_uses_the_regional_unit_price():
    assert units_to_yen(48_328, "1") == 550_939  # 48,328 × 11.40 = 550,939.2
    assert units_to_yen(48_328, "9") == 483_280


def test_tier_two_needs_the_exchange_and_a_clerk():
    common = {"month": MONTH, "care_light": 50, "care_heavy": 0, "support": 0, "regional_grade": "9"}
    check = kyotaku_check(used_exchange=False, has_clerk=True, **common)
    assert check.applicable.system == "I"
    assert check.reasons_not_two == ("この月にケアプランデータ連携（データでのやりとり）の利用がありません。",)
    assert kyotaku_check(used_exchange=True, has_clerk=False, **common).applicable.system == "I"
    both = kyotaku_check(used_exchange=True, has_clerk=True, **common)
    assert both.applicable.system == "II"
    # moving to (Ⅱ) with 50 cases: 53,741 − 51,048 = +2,693 units → ¥26,930 a month at 10.00
    assert both.difference_units == 2_693
    assert both.difference_yen_month == 26_930 and both.difference_yen_year == 323_160


def test_savings_simulation_from_the_offices_numbers():
    s = savings_simulate(
        partners=12,
        clients=60,
        sheets_per_month=180,
        minutes_per_sheet=6,
        cost_per_sheet=15,
        hourly_wage=1500,
        licence_price=21000,
    )
    assert s.paper_minutes_year == 12_960  # 180 × 6 × 12
    assert s.exchange_minutes_year == 4_320  # about one third
    assert s.saved_hours_year == Decimal("144.0")
    assert s.staff_cost_saved_year == 216_000  # 8,640 min × ¥1,500 / 60
    assert s.postage_saved_year == 32_400  # 180 × ¥15 × 12
    assert s.total_saved_year == 248_400
    assert s.net_after_licence == 227_400
    assert s.sheets_per_client == Decimal("3.0")
    assert s.saved_per_partner == 20_700
    assert (s.national_with_staff, s.national_without_staff) == (816_000, 72_000)
    with pytest.raises(ValueError):
        savings_simulate(
            partners=-1,
            clients=0,
            sheets_per_month=0,
            minutes_per_sheet=0,
            cost_per_sheet=0,
            hourly_wage=0,
            licence_price=21000,
        )


def test_exchange_use_is_asked_through_its_port_and_missing_means_false(office):
    class Exchanged:
        def office_used_exchange(self, o, m):
            return o == office and m == MONTH

    assert exchange_use.is_provided  # the exchange app answers; this office exchanged nothing
    assert economics.office_used_exchange(office, MONTH) is False
    with exchange_use.override(None):
        assert economics.office_used_exchange(office, MONTH) is False  # no app provides the port
    with exchange_use.override(Exchanged()):
        assert economics.office_used_exchange(office, MONTH) is True
        assert economics.office_used_exchange(office, dt.date(2026, 11, 1)) is False


def test_client_counts_come_from_certifications_on_the_last_day(office, django_assert_max_num_queries):
    from portal.clients.models import Certification, Client

    def client(n, level, valid_to=dt.date(2027, 3, 31)):
        c = Client.objects.create(
            office=office,
            family_name="試験",
            given_name=f"{n}",
            family_name_kana="シケン",
            given_name_kana="タロウ",
            sex="1",
            birth_date=dt.date(1940, 1, 1),
            insurer_number="131011",
            insured_number=f"{9000000000 + n}",
        )
        Certification.objects.create(client=c, care_level=level, valid_from=dt.date(2026, 4, 1), valid_to=valid_to)
        return c

    with office_scope(office):
        for n, level in enumerate(["21", "22", "22", "23", "25", "12", "13", "13", "06"]):
            client(n, level)
        client(20, "21", valid_to=dt.date(2026, 10, 30))  # ends before 31 October: not counted
        with django_assert_max_num_queries(2):
            counts = economics.client_counts(office, MONTH)
    assert (counts.care_light, counts.care_heavy, counts.support) == (3, 2, 3)
    assert counts.on == dt.date(2026, 10, 31)


# --------------------------------------------------------------------------- the page


def _kyotaku(client, **typed):
    values = {"k-month": "2026-10", "k-care_heavy": "0", "k-support": "0", "k-fte": "1.0", "k-used_exchange": True}
    values.update({f"k-{k}": v for k, v in typed.items()})
    return submit(client, reverse("billing:economics"), values, form="#kyotaku", button="計算する")


def _savings(client, **typed):
    return submit(
        client,
        reverse("billing:economics"),
        {f"s-{k}": str(v) for k, v in typed.items()},
        form="#savings",
        button="シミュレーションする",
    )


def test_economics_page_for_the_care_management_admin(office, owner, owner_client):
    MembershipFactory(office=office, role=Role.CLERK)
    response = _kyotaku(owner_client, care_light="50")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="caseload">50.0件' in page
    assert 'data-testid="applicable">居宅介護支援費（Ⅱ）' in page  # clerk found automatically, exchange ticked
    assert "（Ⅱ）を算定できます" in page and "＋2,693単位" in page
    assert "（Ⅱ）に移ると" not in page  # (Ⅱ) already applies
    assert "介護支援専門員1人あたり44件から49件に増えます" in page
    assert "令和6年度介護報酬改定" in page  # the source of the unit table


def test_when_tier_two_already_applies_and_changes_nothing_the_page_says_so(office, owner, owner_client):
    MembershipFactory(office=office, role=Role.CLERK)
    page = _kyotaku(owner_client, care_light="30").content.decode()
    assert 'data-testid="applicable">居宅介護支援費（Ⅱ）' in page
    assert "＋0単位" not in page and "（Ⅱ）に移ると" not in page
    assert "この件数では（Ⅰ）と（Ⅱ）の単位数は同じです" in page


def test_without_tier_two_the_page_shows_what_moving_would_bring(office, owner, owner_client):
    page = _kyotaku(owner_client, care_light="50").content.decode()  # no clerk: (Ⅰ)
    assert 'data-testid="applicable">居宅介護支援費（Ⅰ）' in page
    assert "（Ⅱ）に移ると（1か月）" in page and "＋2,693単位" in page


def test_several_care_managers_are_shown_as_office_totals_and_decimals(office, owner, owner_client):
    MembershipFactory(office=office, role=Role.CLERK)
    page = _kyotaku(owner_client, care_light="113", fte="2.5").content.decode()
    assert 'data-testid="caseload">45.2件' in page
    assert "を 2.5人で割った数" in page and "5/2" not in page
    assert "事業所全体（介護支援専門員 常勤換算2.5人）で111件から124件に増えます" in page
    assert "1人あたり111件" not in page


def test_negative_counts_are_refused_in_japanese_and_nothing_is_lost(office, owner, owner_client):
    page = _kyotaku(owner_client, care_light="-3", care_heavy="5", fte="0.5").content.decode()
    assert "要介護1・2の利用者数に負の数は入力できません。0以上の数を入力してください。" in page
    assert "介護支援専門員の数（常勤換算）は1.0以上で入力してください" in page
    assert 'value="5"' in page and 'value="-3"' in page  # what was typed is kept
    assert 'data-testid="kyotaku-result"' not in page
    page = _savings(
        owner_client,
        partners=3,
        clients=-1,
        sheets_per_month=10,
        minutes_per_sheet=5,
        cost_per_sheet=10,
        hourly_wage=1200,
    ).content.decode()
    assert "利用者数に負の数は入力できません。" in page
    assert 'value="1200"' in page
    assert 'data-testid="savings-result"' not in page


def test_savings_result_on_the_page(office, owner, owner_client):
    page = _savings(
        owner_client,
        partners=12,
        clients=60,
        sheets_per_month=180,
        minutes_per_sheet=6,
        cost_per_sheet=15,
        hourly_wage=1500,
    ).content.decode()
    assert 'data-testid="total-saved">248,400円' in page
    assert "816,000円" in page and "72,000円" in page and "21,000円" in page


def test_savings_figures_are_cut_not_rounded(office, owner, owner_client):
    # 10 sheets × 20 min × 12 = 2,400 min on paper, 800 min as data: 1,600 min = 26.666… h → 26.6 (not 26.7)
    # saved 1,600 min × ¥30 / 60 = ¥800 a year: the licence (¥21,000) takes 21,000 × 12 / 800 = 315.0 months
    page = _savings(
        owner_client,
        partners=2,
        clients=10,
        sheets_per_month=10,
        minutes_per_sheet=20,
        cost_per_sheet=0,
        hourly_wage=30,
    ).content.decode()
    assert "26.6時間" in page and "26.7時間" not in page
    assert "約315.0か月分の削減で回収（1年間の削減では回収できません）" in page


def test_economics_is_for_the_admin_only(office, member_client, clerk_client):
    assert member_client.get(reverse("billing:economics")).status_code == 403
    assert clerk_client.get(reverse("billing:economics")).status_code == 403


def test_a_provider_office_cannot_open_the_economics_page(db):
    """経営分析 is a care-office page (issue 13 item 10): a provider gets 403 with the reason."""
    provider = OfficeFactory(kinds=["11"])
    admin = MembershipFactory(office=provider, role=Role.ADMIN)
    response = login_client(admin).get(reverse("billing:economics"))
    assert response.status_code == 403
    assert "居宅介護支援事業所の画面です" in response.content.decode()
