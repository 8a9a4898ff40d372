"""The issue's bad input, through the pages: each is told in Japanese, with the 利用者, and nothing is lost."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from portal.claims import services
from portal.claims.models import ActualConfirmation, TransmissionFile
from portal.offices.tenancy import office_scope
from tests.claims.conftest import DAY_CARE, OCT, days, make_client, make_month, received
from tests.forms import read_form, submit

CLOSE = reverse("claims:close") + "?month=2026-10"


def test_two_people_confirm_from_pages_loaded_at_the_same_time(owner_client, office, owner, care_manager):
    with office_scope(office):
        client = make_client(office, care_manager=owner)
        make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
        received(office, client)
        received(office, client, provider=DAY_CARE[0], kind="15")
    # both read the page (版 0) before either confirms
    first = read_form(owner_client, CLOSE, form=f"confirm-{client.pk}")
    second = read_form(owner_client, CLOSE, form=f"confirm-{client.pk}")
    assert first.value("base_version") == second.value("base_version") == "0"
    response = owner_client.post(first.action, first.data(), follow=True)
    assert "山田　花子さんの実績を確定しました（第1版・新規）" in response.content.decode()
    response = owner_client.post(second.action, second.data(), follow=True)
    page = response.content.decode()
    assert (
        "山田　花子さんの実績は他の方が先に確定しました（第1版）。画面を読み込み直して内容を確かめてください。" in page
    )
    with office_scope(office):
        assert list(ActualConfirmation.objects.values_list("version", flat=True)) == [1]


def test_a_lapsed_certification_is_named_with_its_days_and_nothing_is_confirmed(
    owner_client, office, owner, care_manager
):
    with office_scope(office):
        # the 認定 ends on 15 October; the day care's 実績 run to the 28th
        client = make_client(
            office,
            care_manager=owner,
            family="田中",
            kana="タナカ",
            certs=(("22", dt.date(2025, 10, 16), dt.date(2026, 10, 15)),),
        )
        make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
        received(office, client)
        received(office, client, provider=DAY_CARE[0], kind="15")
    page = owner_client.get(CLOSE).content.decode()
    assert "認定の有効期間外の日に実績があります（16日、17日、20日、21日、22日ほか）。" in page
    response = submit(owner_client, CLOSE, {}, form=f"confirm-{client.pk}", follow=True)
    assert "確定できません: 認定の有効期間外の日に実績があります" in response.content.decode()
    with office_scope(office):
        assert not ActualConfirmation.objects.exists()
    # nothing to file either: the check names the 利用者
    assert "田中　花子さん: 実績が確定されていません（給付管理票がありません）。" in response.content.decode()


def test_no_certification_in_the_month_is_told(owner_client, office, owner, care_manager):
    with office_scope(office):
        client = make_client(office, care_manager=owner, certs=(("22", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),))
        make_month(client)
        received(office, client)
    page = owner_client.get(CLOSE).content.decode()
    assert "この月に有効な認定がありません。" in page


def test_missing_actuals_reasons_per_client_on_the_file_summary(owner_client, office, owner, care_manager):
    clients = []
    with office_scope(office):
        for n, (family, kana) in enumerate((("山田", "ヤマダ"), ("田中", "タナカ"))):
            client = make_client(office, care_manager=owner, family=family, kana=kana, insured=f"00000{n + 1}2345")
            make_month(client)  # the day care's 実績 never arrive
            received(office, client)
            clients.append(client)
    yamada, tanaka = clients
    response = submit(owner_client, CLOSE, {"differences_ok": True}, form=f"confirm-{tanaka.pk}", follow=True)
    assert (
        "実績が届いていない事業所があります（デイサービスひまわり）。確定するには理由を入力してください。"
        in response.content.decode()
    )
    for client, reason in ((yamada, "10月は入院のため利用なし"), (tanaka, "事業所に電話で確認、送付待ち")):
        submit(owner_client, CLOSE, {"differences_ok": True, "missing_reason": reason}, form=f"confirm-{client.pk}")
    response = submit(owner_client, CLOSE, {}, button="提出用ファイルを作る", follow=True)
    page = response.content.decode()
    assert "給付管理票のファイル d08" in page
    # 利用者 in 50音 order, each with the reason given
    assert (
        "実績未着のまま確定: 田中　花子（事業所に電話で確認、送付待ち）、山田　花子（10月は入院のため利用なし）" in page
    )
    with office_scope(office):
        summary = TransmissionFile.objects.get().summary
    # the kept summary carries ids and reasons, never names or 被保険者番号
    assert set(summary["missing"]) == {str(yamada.pk), str(tanaka.pk)}
    assert "山田" not in str(summary) and "000012345" not in str(summary)


def test_a_month_already_sent_is_not_sent_twice_and_a_correction_goes_as_such(
    owner_client, office, owner, care_manager
):
    with office_scope(office):
        client = make_client(office, care_manager=owner)
        make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
        received(office, client)
        received(office, client, provider=DAY_CARE[0], kind="15")
    submit(owner_client, CLOSE, {}, form=f"confirm-{client.pk}")
    submit(owner_client, CLOSE, {}, button="提出用ファイルを作る")
    page = owner_client.get(CLOSE).content.decode()
    assert "確定済みの給付管理票はすべてファイルにしました。" in page and "提出用ファイルを作る" not in page
    with office_scope(office):  # a forged second post: refused with the reason, no second file
        try:
            services.benefit_file_make(office=office, month=OCT, membership=owner)
        except services.CloseError as exc:
            assert "ファイルに載せる給付管理票がありません" in str(exc)
        else:
            raise AssertionError("a month already sent was sent again")
        assert TransmissionFile.objects.count() == 1
        # the provider corrects its 実績 after the file: the page says so and the next file carries a 修正
        from portal.schedules.models import ServiceScheduleLine

        ServiceScheduleLine.objects.filter(service_type_code="15").update(actual_days=days(2, 7, 9, 14, 16, 21, 23))
    page = owner_client.get(CLOSE).content.decode()
    assert "山田　花子さん: 確定後に実績が変わりました。もう一度確定すると修正の給付管理票になります。" in page
    response = submit(owner_client, CLOSE, {"differences_ok": True}, form=f"confirm-{client.pk}", follow=True)
    assert "（第2版・修正）" in response.content.decode()
    response = submit(owner_client, CLOSE, {}, button="提出用ファイルを作る", follow=True)
    assert "（1人）を作りました" in response.content.decode()
    with office_scope(office):
        assert [f.summary["kinds"] for f in TransmissionFile.objects.order_by("pk")] == [
            {str(client.pk): "1"},
            {str(client.pk): "2"},
        ]
