"""住所２ (建物名・部屋番号): entered on the 利用者 form, shown on the detail page, and written to the
standard files where the layouts have 利用者住所２ (利用者補足情報 No.11, 居宅サービス計画1表 No.7)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linkage.standard import LAYOUTS, write_records
from portal.clients.models import Client
from portal.offices.tenancy import office_scope
from portal.schedules.standard import hosoku_rows
from tests.forms import submit

pytestmark = pytest.mark.django_db


def test_address2_is_entered_shown_and_written(owner_client, office):
    today = timezone.localdate()
    response = submit(
        owner_client,
        reverse("clients:create"),
        {
            "client-family_name": "佐藤",
            "client-given_name": "はな",
            "client-family_name_kana": "サトウ",
            "client-given_name_kana": "ハナ",
            "client-sex": "2",
            "client-birth_date": "1938-07-15",
            "client-address": "東京都新宿区西新宿1-1-1",
            "client-address2": "西新宿ハイツ101号室",
            "client-insurer_number": "131011",
            "client-insured_number": "0000123456",
            "client-copay_ratio": "1",
            "cert-status": "2",
            "cert-care_level": "22",
            "cert-valid_from": str(today.replace(day=1)),
            "cert-valid_to": str(today.replace(day=1) + dt.timedelta(days=364)),
        },
        button="登録する",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = owner_client.get(response["Location"]).content.decode()
    assert "西新宿ハイツ101号室" in page, page[page.find("<dt>住所") : page.find("<dt>住所") + 200]
    with office_scope(office):
        client = Client.objects.get(insured_number="0000123456")
        (rec,) = hosoku_rows(client, month=today.replace(day=1), office_number=office.office_number)
    assert (rec[10], rec[11]) == ("東京都新宿区西新宿1-1-1", "西新宿ハイツ101号室")
    data, _ = write_records(LAYOUTS["UPHOSOKU"], [rec])
    assert '"西新宿ハイツ101号室"'.encode("cp932") in data
