"""利用者 register: list/search/filters, create/edit with certification and services, bad input."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.clients.models import Certification, Client, ClientService
from portal.offices.tenancy import office_scope
from tests.factories import OfficeFactory, make_consent, make_partnership

pytestmark = pytest.mark.django_db


def make_client(office, *, insured="0000000001", family="山田", given="太郎", kana=("ヤマダ", "タロウ"), level="21",
                valid_from=None, valid_to=None, **kw):
    today = timezone.localdate()
    with office_scope(office):
        client = Client.objects.create(
            office=office, family_name=family, given_name=given, family_name_kana=kana[0], given_name_kana=kana[1],
            sex="1", birth_date=dt.date(1940, 4, 1), insurer_number="131011", insured_number=insured, **kw)
        if level:
            Certification.objects.create(client=client, care_level=level, status="2",
                                         valid_from=valid_from or today - dt.timedelta(days=100),
                                         valid_to=valid_to or today + dt.timedelta(days=200), benefit_limit_units=16765)
    return client


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "client-family_name": "佐藤", "client-given_name": "はな", "client-family_name_kana": "さとう",
        "client-given_name_kana": "ハナ", "client-sex": "2", "client-birth_date": "1938-07-15",
        "client-postal_code": "1600023", "client-address": "東京都新宿区西新宿1-1-1", "client-phone": "03-1234-5678",
        "client-insurer_number": "１３１０１１", "client-insured_number": "0000123456", "client-copay_ratio": "2",
        "client-care_manager": "", "client-is_active": "on",
        "cert-status": "2", "cert-care_level": "22", "cert-valid_from": str(today.replace(day=1)),
        "cert-valid_to": str(today.replace(day=1) + dt.timedelta(days=364)), "cert-certified_on": "",
        "cert-benefit_limit_units": "",
        "svc-TOTAL_FORMS": "2", "svc-INITIAL_FORMS": "0", "svc-MIN_NUM_FORMS": "0", "svc-MAX_NUM_FORMS": "1000",
        "svc-0-provider_office_number": "1370000011", "svc-0-provider_name": "ひまわり訪問介護",
        "svc-0-service_type_code": "11", "svc-0-note": "",
        "svc-1-provider_office_number": "", "svc-1-provider_name": "", "svc-1-service_type_code": "", "svc-1-note": "",
    }
    data.update(overrides)
    return data


def test_create_client_with_certification_and_services(owner_client, office):
    response = owner_client.post(reverse("clients:create"), form_data())
    assert response.status_code == 302
    with office_scope(office):
        client = Client.objects.get(insured_number="0000123456")
        assert client.insurer_number == "131011"  # full-width digits were accepted
        assert client.family_name_kana == "サトウ"  # hiragana became katakana
        assert client.postal_code == "160-0023"
        assert client.benefit_rate == 80
        cert = client.certifications.get()
        assert cert.care_level == "22" and cert.benefit_limit_units == 19705  # filled from the master
        assert list(client.services.values_list("provider_office_number", "service_type_code")) == [("1370000011", "11")]
    page = owner_client.get(response["Location"])
    text = page.content.decode()
    assert "佐藤　はな" in text and "要介護2" in text and "19,705単位" in text and "ひまわり訪問介護" in text


@pytest.mark.parametrize("field,value,message", [
    ("client-insured_number", "12345", "被保険者番号は半角数字10桁で入力してください"),
    ("client-insured_number", "X123456789", "被保険者番号は半角数字10桁で入力してください"),
    ("client-insurer_number", "13101", "保険者番号は半角数字6桁で入力してください"),
    ("client-family_name_kana", "Sato", "フリガナは全角カタカナで入力してください"),
    ("client-birth_date", "2999-01-01", "生年月日が未来の日付になっています"),
    ("client-postal_code", "16-0023", "郵便番号は「123-4567」の形で入力してください"),
    ("svc-0-provider_office_number", "137000001", "事業所番号は半角数字10桁で入力してください"),
])
def test_bad_input_is_explained_and_nothing_is_lost(owner_client, office, field, value, message):
    response = owner_client.post(reverse("clients:create"), form_data(**{field: value}))
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "東京都新宿区西新宿1-1-1" in text  # what was typed is still there
    with office_scope(office):
        assert not Client.objects.exists()


def test_h_number_for_public_assistance_only_is_accepted(owner_client, office):
    response = owner_client.post(reverse("clients:create"), form_data(**{"client-insured_number": "h123456789"}))
    assert response.status_code == 302
    with office_scope(office):
        assert Client.objects.get().insured_number == "H123456789"


def test_certification_ending_before_it_starts_is_refused(owner_client, office):
    response = owner_client.post(reverse("clients:create"), form_data(**{
        "cert-valid_from": "2026-04-01", "cert-valid_to": "2026-03-31"}))
    assert "認定有効期間の終了日が開始日より前になっています" in response.content.decode()
    with office_scope(office):
        assert not Client.objects.exists()


def test_duplicate_insured_number_in_the_office_is_refused(owner_client, office):
    make_client(office, insured="0000123456", family="既存", given="一郎")
    response = owner_client.post(reverse("clients:create"), form_data())
    text = response.content.decode()
    assert "この保険者番号・被保険者番号の利用者はすでに登録されています（既存　一郎）" in text
    with office_scope(office):
        assert Client.objects.count() == 1


def test_same_insured_number_in_another_office_is_fine(owner_client, office, outsider_office):
    make_client(outsider_office, insured="0000123456")
    assert owner_client.post(reverse("clients:create"), form_data()).status_code == 302


def test_unknown_provider_needs_a_name(owner_client, office):
    response = owner_client.post(reverse("clients:create"), form_data(**{
        "svc-0-provider_office_number": "2799999999", "svc-0-provider_name": ""}))
    assert "事業所番号 2799999999 は Renkei に登録されていない事業所です。事業所名を入力してください。" in response.content.decode()


def test_provider_name_is_filled_from_renkei_offices(owner_client, office):
    OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    owner_client.post(reverse("clients:create"), form_data(**{"svc-0-provider_name": ""}))
    with office_scope(office):
        assert ClientService.objects.get().provider_name == "ひまわり訪問介護ステーション"


def test_list_search_and_filters(owner_client, office):
    today = timezone.localdate()
    make_client(office, insured="0000000001", family="山田", given="太郎", kana=("ヤマダ", "タロウ"), level="21")
    make_client(office, insured="0000000002", family="鈴木", given="花子", kana=("スズキ", "ハナコ"), level="23",
                valid_to=today + dt.timedelta(days=30))
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
    data = {
        "client-family_name": "山田", "client-given_name": "太郎", "client-family_name_kana": "ヤマダ",
        "client-given_name_kana": "タロウ", "client-sex": "1", "client-birth_date": "1940-04-01",
        "client-insurer_number": "131011", "client-insured_number": "0000000001", "client-copay_ratio": "3",
        "client-is_active": "on",
        "svc-TOTAL_FORMS": "1", "svc-INITIAL_FORMS": "0", "svc-MIN_NUM_FORMS": "0", "svc-MAX_NUM_FORMS": "1000",
        "svc-0-provider_office_number": "1370000012", "svc-0-provider_name": "あおぞらデイ", "svc-0-service_type_code": "15",
        "limit-TOTAL_FORMS": "1", "limit-INITIAL_FORMS": "0", "limit-MIN_NUM_FORMS": "0", "limit-MAX_NUM_FORMS": "1000",
        "limit-0-service_type_code": "15", "limit-0-units": "8000",
    }
    response = owner_client.post(reverse("clients:edit", kwargs={"client_id": client.pk}), data)
    assert response.status_code == 302
    with office_scope(office):
        client.refresh_from_db()
        assert client.copay_ratio == 3 and client.benefit_rate == 70
        assert list(client.services.values_list("service_type_code", flat=True)) == ["15"]
        assert list(client.kind_limits.values_list("service_type_code", "units")) == [("15", 8000)]


def test_overlapping_certification_is_refused(owner_client, office):
    today = timezone.localdate()
    client = make_client(office)
    response = owner_client.post(reverse("clients:certification_create", kwargs={"client_id": client.pk}), {
        "status": "2", "care_level": "22", "valid_from": str(today), "valid_to": str(today + dt.timedelta(days=365)),
    })
    assert "認定有効期間が登録済みの認定（要介護1" in response.content.decode()
    with office_scope(office):
        assert client.certifications.count() == 1


def test_certification_history_and_edit(owner_client, office):
    client = make_client(office)
    with office_scope(office):
        cert = client.certifications.get()
    url = reverse("clients:certification_edit", kwargs={"certification_id": cert.pk})
    response = owner_client.post(url, {"status": "2", "care_level": "24", "valid_from": str(cert.valid_from),
                                       "valid_to": str(cert.valid_to), "benefit_limit_units": ""})
    assert response.status_code == 302
    with office_scope(office):
        cert.refresh_from_db()
        assert cert.care_level == "24" and cert.benefit_limit_units == 30938


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
    by_partner = {number: row for row in rows for number in ("1370055511", "1370055512") if number in row.split("</tr>")[0]}
    assert "共有可" in by_partner["1370055511"].split("</tr>")[0]
    assert "共有不可" in by_partner["1370055512"].split("</tr>")[0]


def test_half_filled_registration_is_kept_as_a_draft(owner_client, office):
    half = {"client-family_name": "途中", "client-given_name": "", "client-insured_number": "0000999999",
            "svc-TOTAL_FORMS": "1", "svc-INITIAL_FORMS": "0", "svc-0-provider_office_number": "1370000011"}
    response = owner_client.post(reverse("clients:draft"), half)
    assert response.status_code == 200 and "saved_at" in response.json()
    # the clerk leaves and comes back: the form is restored
    text = owner_client.get(reverse("clients:create")).content.decode()
    assert "入力途中の下書き" in text
    assert 'value="途中"' in text and 'value="0000999999"' in text and 'value="1370000011"' in text
    with office_scope(office):
        assert not Client.objects.exists()
    owner_client.post(reverse("clients:draft_discard"))
    assert 'value="途中"' not in owner_client.get(reverse("clients:create")).content.decode()


def test_draft_is_cleared_after_registration(owner_client, office):
    owner_client.post(reverse("clients:draft"), {"client-family_name": "佐藤"})
    assert owner_client.post(reverse("clients:create"), form_data()).status_code == 302
    assert "入力途中の下書き" not in owner_client.get(reverse("clients:create")).content.decode()


def test_dashboard_cards(owner_client, office):
    today = timezone.localdate()
    make_client(office, insured="0000000001", valid_to=today + dt.timedelta(days=20))
    make_client(office, insured="0000000002")
    text = owner_client.get(reverse("dashboard")).content.decode()
    assert "利用中 2人 ／ 認定有効期間が60日以内に終了 1人" in text
    assert f"サービス利用票（{today.month}月分）" in text and "2人中 0人 作成済み" in text
