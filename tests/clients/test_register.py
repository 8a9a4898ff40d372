"""利用者 register: list/search/filters, create/edit with certification and services, bad input."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.clients.models import Certification, Client, ClientService, KindLimit
from portal.offices.tenancy import office_scope
from tests.factories import OfficeFactory, make_consent, make_partnership
from tests.forms import read_form, submit

pytestmark = pytest.mark.django_db


def make_client(
    office,
    *,
    insured="0000000001",
    family="山田",
    given="太郎",
    kana=("ヤマダ", "タロウ"),
    level="21",
    valid_from=None,
    valid_to=None,
    **kw,
):
    today = timezone.localdate()
    with office_scope(office):
        client = Client.objects.create(
            office=office,
            family_name=family,
            given_name=given,
            family_name_kana=kana[0],
            given_name_kana=kana[1],
            sex="1",
            birth_date=dt.date(1940, 4, 1),
            insurer_number="131011",
            insured_number=insured,
            **kw,
        )
        if level:
            Certification.objects.create(
                client=client,
                care_level=level,
                status="2",
                valid_from=valid_from or today - dt.timedelta(days=100),
                valid_to=valid_to or today + dt.timedelta(days=200),
                benefit_limit_units=16765,
            )
    return client


CREATE = "clients:create"


def typed(**overrides):
    """What a clerk types into the registration page (everything else is what the page renders)."""
    today = timezone.localdate()
    values = {
        "client-family_name": "佐藤",
        "client-given_name": "はな",
        "client-family_name_kana": "さとう",
        "client-given_name_kana": "ハナ",
        "client-sex": "2",
        "client-birth_date": "昭和13年7月15日",
        "client-postal_code": "1600023",
        "client-address": "東京都新宿区西新宿1-1-1",
        "client-phone": "03-1234-5678",
        "client-insurer_number": "１３１０１１",
        "client-insured_number": "0000123456",
        "client-copay_ratio": "2",
        "cert-status": "2",
        "cert-care_level": "22",
        "cert-valid_from": str(today.replace(day=1)),
        "cert-valid_to": str(today.replace(day=1) + dt.timedelta(days=364)),
        "svc-0-provider_office_number": "1370000011",
        "svc-0-provider_name": "ひまわり訪問介護",
        "svc-0-service_type_code": "11",
    }
    values.update(overrides)
    return values


def register(client, **overrides):
    return submit(client, reverse(CREATE), typed(**overrides), button="登録する")


def test_create_client_with_certification_and_services(owner_client, office):
    response = register(owner_client)
    assert response.status_code == 302
    with office_scope(office):
        client = Client.objects.get(insured_number="0000123456")
        assert client.insurer_number == "131011"  # full-width digits were accepted
        assert client.family_name_kana == "サトウ"  # hiragana became katakana
        assert client.birth_date == dt.date(1938, 7, 15)  # typed in 和暦
        assert client.postal_code == "160-0023"
        assert client.benefit_rate == 80
        cert = client.certifications.get()
        assert cert.care_level == "22" and cert.benefit_limit_units == 19705  # filled from the master
        assert list(client.services.values_list("provider_office_number", "service_type_code")) == [
            ("1370000011", "11")
        ]
    page = owner_client.get(response["Location"])
    text = page.content.decode()
    assert "佐藤　はな" in text and "要介護2" in text and "19,705単位" in text and "ひまわり訪問介護" in text


def test_a_client_registered_through_the_page_is_active(owner_client, office):
    """The create page shows 利用中 (ticked): a new 利用者 appears in 利用者一覧 and on the dashboard."""
    page = read_form(owner_client, reverse(CREATE), button="登録する")
    assert page.value("client-is_active") == "on"
    assert register(owner_client).status_code == 302
    with office_scope(office):
        assert Client.objects.get().is_active
    assert "<strong>佐藤　はな</strong>" in owner_client.get(reverse("clients:list")).content.decode()
    assert "利用中 1人" in owner_client.get(reverse("dashboard")).content.decode()


def test_a_client_can_be_registered_as_ended(owner_client, office):
    assert register(owner_client, **{"client-is_active": False}).status_code == 302
    with office_scope(office):
        assert not Client.objects.get().is_active
    assert "<strong>佐藤　はな</strong>" not in owner_client.get(reverse("clients:list")).content.decode()


@pytest.mark.parametrize(
    "birth,expected",
    [
        ("S13.7.15", dt.date(1938, 7, 15)),
        ("昭和13年7月15日", dt.date(1938, 7, 15)),
        ("ｓ１３．７．１５", dt.date(1938, 7, 15)),
        ("T15.12.1", dt.date(1926, 12, 1)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("1938/7/15", dt.date(1938, 7, 15)),
    ],
)
def test_birth_date_is_typed_as_on_the_insurance_card(owner_client, office, birth, expected):
    assert register(owner_client, **{"client-birth_date": birth}).status_code == 302
    with office_scope(office):
        assert Client.objects.get().birth_date == expected


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("client-insured_number", "12345", "被保険者番号は半角数字10桁で入力してください"),
        ("client-insured_number", "X123456789", "被保険者番号は半角数字10桁で入力してください"),
        ("client-insurer_number", "13101", "保険者番号は半角数字6桁で入力してください"),
        ("client-family_name_kana", "Sato", "フリガナは全角カタカナで入力してください"),
        ("client-birth_date", "2999-01-01", "生年月日が未来の日付になっています"),
        (
            "client-birth_date",
            "平成32年1月1日",
            "生年月日: 「平成32年1月1日」の平成32年は存在しません（平成は平成31年4月30日まで）",
        ),
        ("client-birth_date", "S15.2.30", "生年月日: 「S15.2.30」の2月30日は存在しない日付です（2月は29日まで）"),
        (
            "client-birth_date",
            "きのう",
            "和暦（例: 令和8年4月1日、R8.4.1、S15.5.10）または西暦（例: 2026-04-01）で入力してください",
        ),
        ("cert-valid_from", "令和元年4月1日", "「令和元年4月1日」は令和の始まり（令和元年5月1日）より前の日付です"),
        ("client-postal_code", "16-0023", "郵便番号は「123-4567」の形で入力してください"),
        ("svc-0-provider_office_number", "137000001", "事業所番号は半角数字10桁で入力してください"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_lost(owner_client, office, field, value, message):
    response = register(owner_client, **{field: value})
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "東京都新宿区西新宿1-1-1" in text  # what was typed is still there
    assert f'value="{value}"' in text or field == "client-insured_number"
    with office_scope(office):
        assert not Client.objects.exists()


def test_h_number_for_public_assistance_only_is_accepted(owner_client, office):
    response = register(owner_client, **{"client-insured_number": "h123456789"})
    assert response.status_code == 302
    with office_scope(office):
        assert Client.objects.get().insured_number == "H123456789"


def test_certification_ending_before_it_starts_is_refused(owner_client, office):
    response = register(owner_client, **{"cert-valid_from": "R8.4.1", "cert-valid_to": "2026-03-31"})
    assert "認定有効期間の終了日が開始日より前になっています" in response.content.decode()
    with office_scope(office):
        assert not Client.objects.exists()


def test_duplicate_insured_number_in_the_office_is_refused(owner_client, office):
    make_client(office, insured="0000123456", family="既存", given="一郎")
    response = register(owner_client)
    text = response.content.decode()
    assert "この保険者番号・被保険者番号の利用者はすでに登録されています（既存　一郎）" in text
    with office_scope(office):
        assert Client.objects.count() == 1


def test_same_insured_number_in_another_office_is_fine(owner_client, office, outsider_office):
    make_client(outsider_office, insured="0000123456")
    assert register(owner_client).status_code == 302


def test_unknown_provider_needs_a_name(owner_client, office):
    response = register(owner_client, **{"svc-0-provider_office_number": "2799999999", "svc-0-provider_name": ""})
    assert (
        "事業所番号 2799999999 は Renkei に登録されていない事業所です。事業所名を入力してください。"
        in response.content.decode()
    )


def test_provider_name_is_filled_from_renkei_offices(owner_client, office):
    OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    register(owner_client, **{"svc-0-provider_name": ""})
    with office_scope(office):
        assert ClientService.objects.get().provider_name == "ひまわり訪問介護ステーション"


def test_list_search_and_filters(owner_client, office):
    today = timezone.localdate()
    make_client(office, insured="0000000001", family="山田", given="太郎", kana=("ヤマダ", "タロウ"), level="21")
    make_client(
        office,
        insured="0000000002",
        family="鈴木",
        given="花子",
        kana=("スズキ", "ハナコ"),
        level="23",
        valid_to=today + dt.timedelta(days=30),
    )
    make_client(office, insured="1111111111", family="田中", given="一", kana=("タナカ", "ハジメ"), level="21")
    url = reverse("clients:list")

    def names(**params):
        text = owner_client.get(url, params).content.decode()
        return [n for n in ("山田　太郎", "鈴木　花子", "田中　一") if n in text]

    assert names() == ["山田　太郎", "鈴木　花子", "田中　一"]
    assert names(q="やまだ") == ["山田　太郎"]  # kana search accepts hiragana
    assert names(q="鈴木") == ["鈴木　花子"]
    assert names(q="1111") == ["田中　一"]
    assert names(care_level="23") == ["鈴木　花子"]
    assert names(expiring="on") == ["鈴木　花子"]
    text = owner_client.get(url).content.decode()
    assert 'class="expiring"' in text and "あと30日で終了" in text


def test_list_query_count_is_flat(owner_client, office, django_assert_max_num_queries):
    for i in range(30):
        make_client(office, insured=f"{i:010d}")
    with django_assert_max_num_queries(12):
        assert owner_client.get(reverse("clients:list")).status_code == 200


def test_edit_replaces_services_and_kind_limits(owner_client, office):
    client = make_client(office)
    with office_scope(office):
        ClientService.objects.create(
            client=client, provider_office_number="1370000011", provider_name="ひまわり", service_type_code="11"
        )
        KindLimit.objects.create(client=client, service_type_code="11", units=5000)
    url = reverse("clients:edit", kwargs={"client_id": client.pk})
    page = read_form(owner_client, url, button="保存する")
    assert page.value("client-birth_date") == "昭和15年4月1日"  # the page shows 和暦
    assert page.value("client-is_active") == "on"
    response = submit(
        owner_client,
        url,
        {
            "client-copay_ratio": "3",
            "svc-0-provider_office_number": "1370000012",
            "svc-0-provider_name": "あおぞらデイ",
            "svc-0-service_type_code": "15",
            "limit-0-service_type_code": "15",
            "limit-0-units": "8000",
        },
        button="保存する",
    )
    assert response.status_code == 302
    with office_scope(office):
        client.refresh_from_db()
        assert client.copay_ratio == 3 and client.benefit_rate == 70
        assert client.birth_date == dt.date(1940, 4, 1) and client.is_active
        assert list(client.services.values_list("service_type_code", flat=True)) == ["15"]
        assert list(client.kind_limits.values_list("service_type_code", "units")) == [("15", 8000)]


def test_ending_a_client_through_the_edit_page(owner_client, office):
    client = make_client(office)
    url = reverse("clients:edit", kwargs={"client_id": client.pk})
    assert submit(owner_client, url, {"client-is_active": False}, button="保存する").status_code == 302
    with office_scope(office):
        client.refresh_from_db()
        assert not client.is_active


def test_overlapping_certification_is_refused(owner_client, office):
    today = timezone.localdate()
    client = make_client(office)
    response = submit(
        owner_client,
        reverse("clients:certification_create", kwargs={"client_id": client.pk}),
        {
            "status": "2",
            "care_level": "22",
            "valid_from": str(today),
            "valid_to": str(today + dt.timedelta(days=365)),
        },
    )
    assert "認定有効期間が登録済みの認定（要介護1" in response.content.decode()
    with office_scope(office):
        assert client.certifications.count() == 1


@pytest.mark.parametrize(
    "value,message",
    [
        ("平成32年4月1日", "認定有効期間（開始）: 「平成32年4月1日」の平成32年は存在しません"),
        ("R8.2.30", "「R8.2.30」の2月30日は存在しない日付です（2月は28日まで）"),
    ],
)
def test_certification_with_a_date_that_does_not_exist_is_refused(owner_client, office, value, message):
    client = make_client(office, level=None)
    response = submit(
        owner_client,
        reverse("clients:certification_create", kwargs={"client_id": client.pk}),
        {"status": "2", "care_level": "22", "valid_from": value, "valid_to": "R9.3.31"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with office_scope(office):
        assert not client.certifications.exists()


def test_certification_history_and_edit(owner_client, office):
    client = make_client(office)
    with office_scope(office):
        cert = client.certifications.get()
    url = reverse("clients:certification_edit", kwargs={"certification_id": cert.pk})
    response = submit(owner_client, url, {"care_level": "24", "benefit_limit_units": "", "valid_to": "R9.3.31"})
    assert response.status_code == 302
    with office_scope(office):
        cert.refresh_from_db()
        assert cert.care_level == "24" and cert.benefit_limit_units == 30938
        assert cert.valid_to == dt.date(2027, 3, 31)


def test_detail_links_to_schedules_and_plans_when_available(owner_client, office):
    client = make_client(office)
    text = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert reverse("schedules:open", kwargs={"client_id": client.pk}) in text
    from django.urls import NoReverseMatch

    try:
        plans = reverse("careplans:client_plans", kwargs={"client_id": client.pk})
    except NoReverseMatch:
        assert "居宅サービス計画書（第1表〜第3表）" not in text
    else:
        assert plans in text


def test_detail_shows_per_partner_whether_sharing_is_allowed_today(owner_client, office):
    client = make_client(office)
    provider = OfficeFactory(office_number="1370055511", name="はなみずき訪問介護", kinds=["11"])
    other = OfficeFactory(office_number="1370055512", name="つばきデイ", kinds=["15"])
    with_consent, _ = make_partnership(office, provider, ["11"])
    make_partnership(office, other, ["15"])
    make_consent(office, client, with_consent)
    text = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert "連携先との情報共有（同意）" in text
    rows = text.split('data-testid="sharing-row"')[1:]
    by_partner = {
        number: row for row in rows for number in ("1370055511", "1370055512") if number in row.split("</tr>")[0]
    }
    assert "共有可" in by_partner["1370055511"].split("</tr>")[0]
    assert "共有不可" in by_partner["1370055512"].split("</tr>")[0]


def test_half_filled_registration_is_kept_as_a_draft(owner_client, office):
    # the page's script posts the whole form (FormData) to the draft endpoint while the clerk types
    half = read_form(owner_client, reverse(CREATE), button="登録する").data(
        {
            "client-family_name": "途中",
            "client-insured_number": "0000999999",
            "svc-0-provider_office_number": "1370000011",
        }
    )
    response = owner_client.post(reverse("clients:draft"), half)
    assert response.status_code == 200 and "saved_at" in response.json()
    # the clerk leaves and comes back: the form is restored
    text = owner_client.get(reverse("clients:create")).content.decode()
    assert "入力途中の下書き" in text
    assert 'value="途中"' in text and 'value="0000999999"' in text and 'value="1370000011"' in text
    with office_scope(office):
        assert not Client.objects.exists()
    submit(owner_client, reverse(CREATE), button="下書きを破棄")
    assert 'value="途中"' not in owner_client.get(reverse("clients:create")).content.decode()


def test_draft_is_cleared_after_registration(owner_client, office):
    owner_client.post(
        reverse("clients:draft"),
        read_form(owner_client, reverse(CREATE), button="登録する").data({"client-family_name": "佐藤"}),
    )
    assert register(owner_client).status_code == 302
    assert "入力途中の下書き" not in owner_client.get(reverse("clients:create")).content.decode()


def test_dashboard_cards(owner_client, office):
    today = timezone.localdate()
    make_client(office, insured="0000000001", valid_to=today + dt.timedelta(days=20))
    make_client(office, insured="0000000002")
    text = owner_client.get(reverse("dashboard")).content.decode()
    assert "利用中 2人 ／ 認定有効期間が60日以内に終了 1人" in text
    assert f"サービス利用票（{today.month}月分）" in text and "2人中 0人 作成済み" in text
