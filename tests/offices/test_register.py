import pytest
from django.urls import reverse

from portal.offices.models import Membership, Office, Role
from tests.conftest import login_client
from tests.factories import OfficeFactory, UserFactory, give_totp
from tests.forms import submit

URL = "/offices/register/"


def typed(**overrides):
    """What the person types on the registration page."""
    data = {
        "office_number": "1310099999",
        "name": "みなと居宅介護支援事業所",
        "postal_code": "105-0011",
        "address": "東京都港区芝公園4-2-8",
        "phone": "03-5555-0000",
        "regional_grade": "1",
        "service_type_codes": ["43"],
        "display_name": "港 太郎",
    }
    data.update(overrides)
    return data


def register(client, follow=False, response=None, **overrides):
    return submit(client, URL, typed(**overrides), button="事業所を登録する", follow=follow, response=response)


@pytest.fixture
def newcomer(db):
    from django.test import Client

    user = UserFactory(email="newcomer@example.jp")
    give_totp(user)  # becomes an admin, for whom MFA is mandatory (tests/security/test_login.py)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user, client


def test_signed_up_person_without_office_is_sent_to_registration(newcomer):
    user, client = newcomer
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == URL


def test_register_office_makes_the_person_its_admin(newcomer):
    user, client = newcomer
    response = register(client, follow=True)
    office = Office.objects.get(office_number="1310099999")
    assert office.is_care_management
    membership = Membership.objects.get(office=office, user=user)
    assert membership.role == Role.ADMIN
    page = response.content.decode()
    assert "みなと居宅介護支援事業所を登録しました" in page
    assert "事業所番号 1310099999" in page  # the header shows the current office


def test_provider_with_several_service_kinds(newcomer):
    user, client = newcomer
    register(client, office_number="1370099999", service_type_codes=["15", "78"])
    office = Office.objects.get(office_number="1370099999")
    assert office.service_type_codes == ["15", "78"]
    assert not office.is_care_management


@pytest.mark.parametrize(
    "number,message",
    [
        ("131009999", "半角数字10桁"),
        ("13100999990", "半角数字10桁"),
        ("13１0099999", "半角数字10桁"),
        ("4810099999", "「48」は都道府県番号ではありません"),
        ("0010099999", "「00」は都道府県番号ではありません"),
    ],
)
def test_invalid_office_number_is_explained_next_to_the_field(newcomer, number, message):
    user, client = newcomer
    response = register(client, office_number=number)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Office.objects.filter(name="みなと居宅介護支援事業所").exists()


def test_duplicate_office_number_is_refused(newcomer):
    OfficeFactory(office_number="1310099999")
    user, client = newcomer
    response = register(client)
    assert "この事業所番号はすでに登録されています" in response.content.decode()
    assert Office.objects.filter(office_number="1310099999").count() == 1


def test_service_kind_is_required(newcomer):
    user, client = newcomer
    response = register(client, service_type_codes=[])
    assert "サービス種類を1つ以上選んでください" in response.content.decode()


def test_double_submitted_registration_creates_one_office(newcomer):
    user, client = newcomer
    page = client.get(URL)
    register(client, response=page)
    second = register(client, response=page, follow=True)  # a double click sends the same page twice
    assert Office.objects.filter(office_number="1310099999").count() == 1
    assert "二重送信" in second.content.decode()


def test_member_switches_between_offices(db):
    first = OfficeFactory(name="第一事業所")
    second = OfficeFactory(name="第二事業所")
    user = UserFactory()
    Membership.objects.create(office=first, user=user, role=Role.ADMIN)
    Membership.objects.create(office=second, user=user, role=Role.CLERK)
    give_totp(user)
    client = login_client(Membership.objects.get(office=first, user=user))
    assert "第一事業所" in client.get(reverse("dashboard")).content.decode()
    page = submit(
        client,
        reverse("dashboard"),
        {"office_id": "第二事業所（事務職員）"},
        form=reverse("offices:switch"),
        follow=True,
    ).content.decode()
    assert "第二事業所に切り替えました" in page
    assert "事務職員" in page


def test_cannot_switch_to_an_office_one_is_not_a_member_of(owner_client, outsider_office):
    # the switcher offers only one's own offices; a hand-made request for another is 404
    response = owner_client.post(reverse("offices:switch"), {"office_id": outsider_office.pk})
    assert response.status_code == 404


def test_office_settings_are_admin_only(owner_client, member_client, office):
    assert member_client.get(reverse("offices:settings")).status_code == 403
    response = submit(
        owner_client,
        reverse("offices:settings"),
        {
            "name": "さくら居宅介護支援事業所（本店）",
            "postal_code": "",
            "regional_grade": "2",
            "require_mfa": True,
        },
        button="保存する",
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.name.endswith("（本店）") and office.require_mfa and office.regional_grade == "2"
