"""月次の締め: what is missing, confirming (versioned), the 給付管理票 and the 国保連 file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from linkage import kokuho
from portal.claims import services
from portal.claims.models import ActualConfirmation, FileDownload, TransmissionFile
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceScheduleLine
from tests.claims.conftest import DAY_CARE, HOME_HELP, OCT, days, make_client, make_month, received
from tests.forms import read_form, submit

CLOSE = reverse("claims:close") + "?month=2026-10"


@pytest.fixture
def month(office, care_manager):
    with office_scope(office):
        client = make_client(office, care_manager=care_manager)
        make_month(client)
        received(office, client)
    return client


def test_the_page_shows_what_arrived_what_is_missing_and_the_differences(owner_client, month):
    page = owner_client.get(CLOSE).content.decode()
    assert "山田　花子" in page
    assert "未着" in page and "受信" in page
    assert "予定と実績が違う行が1行あります" in page
    assert "予定8回 → 実績0回" in page


def test_confirming_with_missing_actuals_needs_a_reason_and_loses_nothing(owner_client, office, month):
    url = reverse("claims:confirm", args=[month.pk])
    response = submit(owner_client, CLOSE, {"differences_ok": True}, form=f"confirm-{month.pk}", follow=True)
    page = response.content.decode()
    assert "実績が届いていない事業所があります（デイサービスひまわり）。確定するには理由を入力してください。" in page
    with office_scope(office):
        assert not ActualConfirmation.objects.exists()

    response = submit(
        owner_client,
        CLOSE,
        {"missing_reason": "デイサービスが10月は休業（電話で確認）"},
        form=f"confirm-{month.pk}",
        follow=True,
    )
    assert "予実の違いを確認しました" in response.content.decode()
    with office_scope(office):
        assert not ActualConfirmation.objects.exists()

    response = submit(
        owner_client,
        CLOSE,
        {"missing_reason": "デイサービスが10月は休業（電話で確認）", "differences_ok": True},
        form=f"confirm-{month.pk}",
        follow=True,
    )
    assert "山田　花子さんの実績を確定しました（第1版・新規）" in response.content.decode()
    with office_scope(office):
        confirmation = ActualConfirmation.objects.get()
    assert confirmation.version == 1 and confirmation.missing == [f"{DAY_CARE[0]}-15"]
    assert confirmation.statement["lines"] == [
        {"provider": HOME_HELP[0], "name": HOME_HELP[1], "kind": "11", "class": "1", "units": 387 * 12, "over": 0}
    ]
    assert read_form(owner_client, CLOSE, form=f"confirm-{month.pk}").action.endswith(url)


def test_two_confirmations_at_once_one_wins_and_the_other_is_told(office, owner, month):
    with office_scope(office):
        make = dict(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="休業",
            differences_ok=True,
        )
        services.confirmation_create(**make)
        with pytest.raises(services.ConfirmationConflict, match="他の方が先に確定しました（第1版）"):
            services.confirmation_create(**make)
        assert ActualConfirmation.objects.count() == 1


def test_the_statement_page_and_its_pdf(owner_client, office, owner, month):
    with office_scope(office):
        c = services.confirmation_create(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="休業",
            differences_ok=True,
        )
    page = owner_client.get(reverse("claims:statement", args=[c.pk])).content.decode()
    for text in (
        "給付管理票（令和8年10月分・第1版）",
        "00131011",
        "4,644",
        "19,705",
        "令和8年4月 〜 令和10年3月",
        "13000123",
        "訪問介護さくら",
    ):
        assert text in page, text
    pdf = owner_client.get(reverse("claims:statement_pdf", args=[c.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "0000012345" not in pdf["Content-Disposition"]


def test_the_file_is_made_checked_by_the_reader_kept_and_its_download_recorded(owner_client, office, owner, month):
    with office_scope(office):
        services.confirmation_create(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="休業",
            differences_ok=True,
        )
    response = submit(owner_client, CLOSE, {}, button="提出用ファイルを作る", follow=True)
    assert "給付管理票のファイル d0811a.csv（1人）を作りました" in response.content.decode()
    with office_scope(office):
        file = TransmissionFile.objects.get()
    download = owner_client.get(reverse("claims:file_download", args=[file.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="d0811a.csv"'
    parsed = kokuho.read(download.content)
    assert parsed.control["data_type"] == "821" and parsed.control["office_number"] == office.office_number
    [detail, total] = parsed.records
    assert (detail["provider"], detail["plan_units"], detail["kind"]) == (HOME_HELP[0], "4644", "1")
    assert (total["total_units"], total["care_manager_no"]) == ("4644", "13000123")
    with office_scope(office):
        assert FileDownload.objects.get().by == owner
    page = owner_client.get(CLOSE).content.decode()
    assert "d0811a.csv" in page and "実績未着のまま確定: 山田　花子（休業）" in page


def test_checks_before_the_file_name_the_client_and_what_is_wrong(owner_client, office, owner):
    with office_scope(office):
        client = make_client(office, care_manager=owner, family="田中", kana="タナカ")
        make_month(client, day_actual=days(2, 7))
    page = owner_client.get(CLOSE).content.decode()
    assert "田中　花子さん: 実績が確定されていません（給付管理票がありません）。" in page
    with office_scope(office):
        services.confirmation_create(
            office=office, client=client, month=OCT, membership=owner, base_version=0, differences_ok=True
        )
    page = owner_client.get(CLOSE).content.decode()
    assert "田中　花子さん: 担当介護支援専門員の介護支援専門員番号が登録されていません" in page
    with office_scope(office):
        with pytest.raises(services.CloseError):
            services.benefit_file_make(office=office, month=OCT, membership=owner)
        assert not TransmissionFile.objects.exists()


def test_a_late_actual_after_the_file_makes_a_correction(owner_client, office, owner, month):
    with office_scope(office):
        services.confirmation_create(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="未着",
            differences_ok=True,
        )
        services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 5))
        # the day-care 実績 arrive late: 8 days of 673
        ServiceScheduleLine.objects.filter(service_type_code="15").update(actual_days=days(2, 7, 9, 14, 16, 21, 23, 28))
        received(office, month, provider=DAY_CARE[0], kind="15")
    page = owner_client.get(CLOSE).content.decode()
    assert "確定後に実績が変更されました" in page
    response = submit(owner_client, CLOSE, {}, form=f"confirm-{month.pk}", follow=True)
    assert "（第2版・修正）" in response.content.decode()
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 8))
    parsed = kokuho.read(bytes(file.content))
    assert file.name == "d0811b.csv"
    assert {r["kind"] for r in parsed.records} == {"2"}
    [total] = [r for r in parsed.records if r.is_total]
    assert total["total_units"] == str(387 * 12 + 673 * 8)


def test_a_filed_statement_can_be_cancelled_only_when_ticked(owner_client, office, owner, month):
    with office_scope(office):
        services.confirmation_create(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="未着",
            differences_ok=True,
        )
        services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 5))
    response = submit(owner_client, CLOSE, {}, button="取消の給付管理票を作る", follow=True)
    assert "チェックを入れたときだけ" in response.content.decode()
    response = submit(owner_client, CLOSE, {"really": True}, button="取消の給付管理票を作る", follow=True)
    assert "取消の給付管理票を作りました" in response.content.decode()
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 6))
    assert {r["kind"] for r in kokuho.read(bytes(file.content)).records} == {"3"}


def test_over_the_limit_the_care_manager_moves_the_excess(owner_client, office, owner, care_manager):
    with office_scope(office):
        client = make_client(office, care_manager=owner, certs=(("21", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),))
        schedule = make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
        # 訪問介護 20 days: 387 × 20 = 7,740; 通所介護 673 × 15 = 10,095 (要介護2 code kept) → 17,835 > 16,765
        ServiceScheduleLine.objects.filter(schedule=schedule, service_type_code="11").update(
            planned_days=days(*range(1, 21)), actual_days=days(*range(1, 21))
        )
        ServiceScheduleLine.objects.filter(schedule=schedule, service_type_code="15").update(
            planned_days=days(*range(1, 16)), actual_days=days(*range(1, 16))
        )
        received(office, client)
        received(office, client, provider=DAY_CARE[0], kind="15")
    page = owner_client.get(CLOSE).content.decode()
    assert "区分支給限度基準額を1,070単位超えています" in page
    response = submit(
        owner_client,
        CLOSE,
        {f"over-{HOME_HELP[0]}-11": "1070", f"over-{DAY_CARE[0]}-15": "0"},
        form=f"confirm-{client.pk}",
        follow=True,
    )
    assert "実績を確定しました" in response.content.decode()
    with office_scope(office):
        c = ActualConfirmation.objects.get()
    assert [(ln["kind"], ln["units"], ln["over"]) for ln in c.statement["lines"]] == [
        ("11", 6670, 1070),
        ("15", 10095, 0),
    ]
    assert "確定後に実績が変更" not in owner_client.get(CLOSE).content.decode()


def test_a_provider_office_cannot_open_the_close_page(client, db):
    from tests.conftest import login_client
    from tests.factories import MembershipFactory, OfficeFactory

    provider = MembershipFactory(office=OfficeFactory(name="訪問介護", kinds=["11"]), role="admin")
    assert login_client(provider).get(CLOSE).status_code == 404


def test_a_returned_statement_is_filed_again_as_new(owner_client, office, owner, month):
    with office_scope(office):
        services.confirmation_create(
            office=office,
            client=month,
            month=OCT,
            membership=owner,
            base_version=0,
            missing_reason="未着",
            differences_ok=True,
        )
        services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 11, 5))
    response = submit(owner_client, CLOSE, {"note": ""}, form=f"reject-{month.pk}", follow=True)
    assert "返戻・査定の理由（国保連からの通知の内容）を入力してください" in response.content.decode()
    response = submit(
        owner_client, CLOSE, {"note": "被保険者番号の誤り（国保連 返戻一覧）"}, form=f"reject-{month.pk}", follow=True
    )
    page = response.content.decode()
    assert "給付管理票の返戻を記録しました" in page and "返戻（もう一度確定してください）" in page
    assert "給付管理票が返戻されました" in page
    response = submit(
        owner_client, CLOSE, {"missing_reason": "未着", "differences_ok": True}, form=f"confirm-{month.pk}", follow=True
    )
    assert "（第2版・新規）" in response.content.decode()
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner, today=dt.date(2026, 12, 2))
    assert file.process_month == dt.date(2026, 12, 1) and file.name == "d0812a.csv"  # 月遅れ: this month's file
    assert {r["kind"] for r in kokuho.read(bytes(file.content)).records} == {"1"}


def test_registered_kind_skips_returned_files():
    from types import SimpleNamespace as NS

    t = [dt.datetime(2026, 11, d, 9, tzinfo=dt.UTC) for d in range(1, 10)]
    v1 = NS(file_id=1, file=NS(created_at=t[0]), kind="1")
    v2 = NS(file_id=2, file=NS(created_at=t[2]), kind="2")
    returned_v2 = [NS(kind="returned", target="benefit", recorded_at=t[4])]
    assert services.registered_kind([v2, v1], []) == "2"
    assert services.registered_kind([v2, v1], returned_v2) == "1"  # the 修正 was returned: v1 stands → next is 修正
    assert services.registered_kind([v1], [NS(kind="returned", target="benefit", recorded_at=t[1])]) is None
    assert services.registered_kind([], []) is None
