"""保険者番号: the check digit (保険者番号設定要領) and the 保険者名 taken from it; 届出年月日 on the record."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.clients.insurers import insurer_check_digit, insurer_name_for, insurer_number_is_valid
from portal.clients.models import Client
from portal.offices.tenancy import office_scope
from tests.forms import submit


@pytest.mark.parametrize(
    "number,valid",
    [
        ("131011", True),  # 千代田区: 2+3+2+0+2 = 9 → 1
        ("131016", False),  # the 地方公共団体コード's check digit, not the 保険者番号's
        ("131045", True),  # 新宿区
        ("271007", True),  # 大阪市
        ("131144", True),  # 中野区
        ("131148", False),
    ],
)
def test_check_digit(number, valid):
    assert insurer_number_is_valid(number) is valid


def test_two_digit_products_count_as_the_sum_of_their_digits():
    # 9×2 = 18 counts as 1+8 = 9: 01990 → 0+1+18→9+9+0 = 19 → 10−9 = 1
    assert insurer_check_digit("01990") == 1
    assert insurer_number_is_valid("019901")


def test_bundled_list_names_the_insurer():
    assert insurer_name_for("131011") == "東京都千代田区"
    assert insurer_name_for("999992") == ""


def _typed(**overrides):
    today = timezone.localdate()
    values = {
        "client-family_name": "佐藤",
        "client-given_name": "はな",
        "client-family_name_kana": "サトウ",
        "client-given_name_kana": "ハナ",
        "client-sex": "2",
        "client-birth_date": "1938-07-15",
        "client-insurer_number": "131011",
        "client-insured_number": "0000123456",
        "cert-status": "2",
        "cert-care_level": "22",
        "cert-valid_from": str(today.replace(day=1)),
        "cert-valid_to": str(today.replace(day=1) + dt.timedelta(days=364)),
    }
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_invalid_check_digit_is_refused_on_the_form(owner_client, office):
    response = submit(
        owner_client, reverse("clients:create"), _typed(**{"client-insurer_number": "131016"}), button="登録する"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "保険者番号「131016」の6桁目（検証番号）が合いません（先頭5桁が 13101 なら6桁目は 1 です）" in html
    assert 'value="佐藤"' in html  # nothing typed is lost
    with office_scope(office):
        assert not Client.objects.exists()


@pytest.mark.django_db
def test_insurer_name_filled_and_notified_date_kept(owner_client, office):
    response = submit(
        owner_client, reverse("clients:create"), _typed(**{"client-plan_notified_on": "2026-04-10"}), button="登録する"
    )
    assert response.status_code == 302
    with office_scope(office):
        client = Client.objects.get()
        assert client.insurer_name == "東京都千代田区"
        assert client.plan_notified_on == dt.date(2026, 4, 10)
    detail = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert "東京都千代田区" in detail and "令和8年4月10日" in detail


@pytest.mark.django_db
def test_office_keeps_names_the_list_does_not_have(owner_client, office):
    # 019901 is not in the bundled list: the name typed once is offered for the next 利用者 of that 保険者
    submit(
        owner_client,
        reverse("clients:create"),
        _typed(**{"client-insurer_number": "019901", "client-insurer_name": "テスト町"}),
        button="登録する",
    )
    response = submit(
        owner_client,
        reverse("clients:create"),
        _typed(**{"client-insurer_number": "019901", "client-insured_number": "0000999999"}),
        button="登録する",
    )
    assert response.status_code == 302
    with office_scope(office):
        assert Client.objects.get(insured_number="0000999999").insurer_name == "テスト町"
