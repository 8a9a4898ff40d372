"""居宅介護支援費 page: add-ons entered on the page, totals that tie out, the 711 file read back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from linkage import kokuho
from portal.claims import services
from portal.claims.models import TransmissionFile
from portal.offices.tenancy import office_scope
from tests.claims.conftest import OCT, days, make_client, make_month, received
from tests.forms import submit

PAGE = reverse("claims:kyotaku") + "?month=2026-10"


@pytest.fixture
def confirmed_month(office, owner, care_manager):
    with office_scope(office):
        light = make_client(office, care_manager=owner, insured="0000011111")
        heavy = make_client(
            office,
            care_manager=owner,
            insured="0000022222",
            family="田中",
            kana="タナカ",
            certs=(("24", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),),
        )
        for client in (light, heavy):
            make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
            received(office, client)
            received(office, client, provider="1370000022", kind="15")
            services.confirmation_create(office=office, client=client, month=OCT, membership=owner, base_version=0)
    return light, heavy


def test_add_ons_entered_on_the_page_and_the_claim_file(owner_client, office, owner, confirmed_month):
    light, heavy = confirmed_month
    page = owner_client.get(PAGE).content.decode()
    assert "居宅介護支援費（Ⅰ）" in page and "2.0" in page  # 取扱件数
    response = submit(owner_client, PAGE, {f"addon-{light.pk}": ["first"]}, form="kyotaku-form", follow=True)
    page = response.content.decode()
    assert "加算・減算を保存しました" in page
    # (1086 + 300) × 11.40 = 15,800.4 → 15,800; 1411 × 11.40 = 16,085.4 → 16,085
    assert "31,885円" in page and "2,797" in page
    assert "サービスコード表に" not in page  # the 令和6年 codes of the base and the add-ons are bundled
    # 運営基準減算 makes a composite code (not bundled): the page and the file say which is missing
    response = submit(owner_client, PAGE, {f"reduction-{heavy.pk}": ["standards"]}, form="kyotaku-form", follow=True)
    assert "サービスコード表に「居宅介護支援Ⅰⅰ２・運」（居宅介護支援・43）がありません" in response.content.decode()
    with office_scope(office):
        with pytest.raises(services.CloseError, match="居宅介護支援Ⅰⅰ２・運"):
            services.claim_file_make(office=office, month=OCT, membership=owner)
    submit(owner_client, PAGE, {f"reduction-{heavy.pk}": []}, form="kyotaku-form", follow=True)
    response = submit(owner_client, PAGE, {}, button="請求のファイルを作る", follow=True)
    assert "介護給付費請求書・明細書のファイル d0811a.csv（2人）を作りました" in response.content.decode()
    with office_scope(office):
        file = TransmissionFile.objects.get(data_type="711")
    parsed = kokuho.read(bytes(file.content))
    [bill] = parsed.of("7111")
    assert (bill.int("count"), bill.int("units"), bill.int("cost_total"), bill.int("copay")) == (2, 2797, 31885, 0)
    assert [(r["insured"], r["line_no"], r["service_code"], r["service_units"]) for r in parsed.of("8124")] == [
        ("0000011111", "01", "432111", "1086"),
        ("0000011111", "99", "434001", "300"),
        ("0000022222", "99", "432211", "1411"),
    ]
    assert {r["unit_price"] for r in parsed.of("8124")} == {"1140"}


def test_bad_fte_is_told_and_nothing_is_saved(owner_client, office, confirmed_month):
    light, _ = confirmed_month
    response = submit(
        owner_client, PAGE, {"fte": "0.5", f"addon-{light.pk}": ["first"]}, form="kyotaku-form", follow=True
    )
    assert "常勤換算の介護支援専門員数は1以上で入力してください" in response.content.decode()
    from portal.claims.models import KyotakuEntry

    with office_scope(office):
        assert not KyotakuEntry.objects.exists()


def test_a_month_is_claimed_once_and_a_returned_statement_again(office, owner, confirmed_month):
    light, heavy = confirmed_month
    with office_scope(office):
        services.claim_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 5))
        with pytest.raises(services.CloseError, match="d0811a.csv で請求済みです"):
            services.claim_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 6))
        services.rejection_record(
            office=office,
            client=heavy,
            month=OCT,
            kind="returned",
            target="claim",
            note="要介護度の誤り",
            membership=owner,
        )
        again = services.claim_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 12, 3))
    parsed = kokuho.read(bytes(again.content))
    assert again.name == "d0812a.csv"
    assert [r["insured"] for r in parsed.of("8124")] == ["0000022222"]
    assert parsed.of("7111")[0].int("count") == 1 and parsed.of("7111")[0].int("cost_total") == 16085
