"""サービス提供票・利用票 (第6表) and 別表 (第7表) as PDFs, read back with poppler."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.schedules.selectors import saved_sheet_state
from tests.documents.conftest import DAY_CARE, HOME_HELP, MONTH, make_client, make_schedule
from tests.documents.pdfcheck import assert_only_japanese_font_embedded, page_count, page_texts, squash, text_of

pytestmark = pytest.mark.django_db


def get_pdf(client, name, schedule, **params):
    url = reverse(f"documents:{name}", kwargs={"schedule_id": schedule.pk})
    response = client.get(url, params)
    return response


def after(pdf: bytes, label: str, page: int = 0) -> list[list[str]]:
    """For each printed row of the grid labelled ``label`` (曜日, 日付, 予定, 実績), the cells after the label."""
    rows = []
    for line in page_texts(pdf, layout=True)[page].splitlines():
        tokens = line.split()
        if label in tokens:
            rows.append(tokens[tokens.index(label) + 1 :])
    return rows


def n(value: int) -> str:
    return f"{value:,}"


def test_provision_ticket_has_the_official_header_and_the_providers_lines(member_client, schedule, member):
    response = get_pdf(member_client, "provision_pdf", schedule, provider=HOME_HELP[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    assert page_count(pdf) == 2  # 第6表 + 第7表
    ticket, annex = (squash(t) for t in page_texts(pdf))
    for expected in (
        "第6表",
        "令和8年11月分",
        "サービス提供票",
        "居宅介護支援事業者→サービス事業者",
        "保険者番号",
        "131011",
        "被保険者番号",
        "0000012345",
        "ヤマダタロウ",
        "山田太郎",
        "生年月日",
        "昭和15年3月2日",
        "要介護2",
        "区分支給限度",
        n(19705),
        "単位/月",
        "令和8年4月から",
        "令和9年3月まで",
        "作成年月日",
        "令和8年10月25日",
        "さくら居宅介護支援事業所",
        member.name.replace(" ", ""),
        HOME_HELP[1],
        "月間サービス計画及び実績の記録",
        "予定",
        "実績",
        "合計回数",
    ):
        assert expected in ticket, expected
    # The day grid: 1..30 with the 曜日 of 令和8年11月 (1 is a Sunday), nothing for day 31.
    weekdays = ["月火水木金土日"[dt.date(2026, 11, d).weekday()] for d in range(1, 31)]
    assert after(pdf, "曜日") == [weekdays]
    assert [row[:30] for row in after(pdf, "日付")] == [[str(d) for d in range(1, 31)]]
    # Only this provider's lines: the day-care lines are on another provider's ticket.
    assert DAY_CARE[1] not in ticket and DAY_CARE[1] not in annex
    assert "身体介護２" in ticket and "生活援助２" in ticket
    assert "第7表" in annex and "サービス提供票別表" in annex


def test_grid_counts_and_totals_are_the_saved_ones(member_client, schedule):
    pdf = get_pdf(member_client, "provision_pdf", schedule, provider=HOME_HELP[0]).content
    line = schedule.lines.get(service_item_code="1211")
    planned = [str(n) for n in line.planned_days if n]
    actual = [str(n) for n in line.actual_days if n]
    assert line.planned_total == len(planned) and line.actual_total == len(actual) < line.planned_total
    # The first line (身体介護２) prints one mark per planned day and its 合計回数; its 実績 row likewise.
    assert after(pdf, "予定")[0] == planned + [str(line.planned_total)]
    assert after(pdf, "実績")[0] == actual + [str(line.actual_total)]


def test_annex_prints_exactly_what_the_table7_calculator_computed(member_client, schedule):
    """The 別表 of the 利用票 (all providers) shows the calculator's numbers, row by row and in total."""
    annex = saved_sheet_state(schedule).annex
    pdf = get_pdf(member_client, "usage_pdf", schedule).content
    ticket, sheet = page_texts(pdf)
    assert "サービス利用票（兼居宅サービス計画）" in squash(ticket) and "居宅介護支援事業者→利用者" in squash(ticket)
    text = squash(sheet)
    assert "サービス利用票別表" in text
    assert annex.cost_total > 0 and annex.insurance_claim > 0 and annex.copay_insured > 0
    for group in annex.groups:
        for row in group.rows:
            assert row.name.replace(" ", "") in text
            assert n(row.service_units) in text
        assert f"{group.unit_price:.2f}" in text
        for amount in (group.cost_total, group.insurance_claim, group.copay_insured):
            assert n(amount) in text, (group.provider_office_number, amount)
    total_row = [ln.split() for ln in page_texts(pdf, layout=True)[1].splitlines() if "合計" in ln]
    numbers = [token for row in total_row for token in row]
    for amount in (annex.service_units, annex.cost_total, annex.insurance_claim, annex.copay_insured):
        assert n(amount) in numbers, amount
    assert n(annex.benefit_limit_units) in text  # 区分支給限度基準額（単位）


def test_over_the_limit_is_printed_with_the_over_units(member_client, in_office, member):
    """要支援1 (5,032 units) is exceeded by the same month: the 別表 says by how much, as calculated."""
    client = make_client(in_office, care_manager=member, care_level="12", insured="0000099999", copay_ratio=2)
    schedule = make_schedule(client)
    annex = saved_sheet_state(schedule).annex
    assert annex.over_units > 0
    text = squash(page_texts(get_pdf(member_client, "usage_pdf", schedule).content)[1])
    assert f"区分支給限度基準額を{n(annex.over_units)}単位超えています" in text
    assert n(annex.copay_full) in text
    assert "負担割合2割（給付率80%）" in text


def test_usage_ticket_lists_every_provider(member_client, schedule):
    ticket = squash(page_texts(get_pdf(member_client, "usage_pdf", schedule).content)[0])
    assert HOME_HELP[1] in ticket and DAY_CARE[1] in ticket
    assert "利用者確認" in ticket


def test_font_is_embedded_and_nothing_is_tofu(member_client, schedule):
    pdf = get_pdf(member_client, "usage_pdf", schedule).content
    assert_only_japanese_font_embedded(pdf)
    assert "山田太郎" in text_of(pdf)


def test_a_month_without_lines_gets_a_clear_message_and_no_pdf(member_client, care_client):
    schedule = make_schedule(care_client, lines=False)
    response = get_pdf(member_client, "provision_pdf", schedule)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "山田　太郎さんの令和8年11月のサービス利用票" in body and "サービスの行がない" in body
    assert "サービス利用票（第6表）でサービスを入力してから" in body


def test_a_provider_not_on_the_month_gets_a_clear_message(member_client, schedule):
    response = get_pdf(member_client, "provision_pdf", schedule, provider="1399999999")
    assert response.status_code == 422
    assert "事業所番号 1399999999" in response.content.decode()


def test_a_client_without_certification_gets_a_clear_message_and_no_pdf(member_client, in_office, member):
    client = make_client(in_office, care_manager=member, certified=False, insured="0000055555")
    schedule = make_schedule(client)
    response = get_pdf(member_client, "usage_pdf", schedule)
    assert response.status_code == 422
    body = response.content.decode()
    assert "令和8年11月に有効な認定" in body and "利用者の画面で認定を登録してから" in body
    assert b"%PDF" not in response.content


def test_another_office_cannot_print_the_schedule(outsider_client, schedule):
    assert get_pdf(outsider_client, "provision_pdf", schedule).status_code == 404
    assert get_pdf(outsider_client, "usage_pdf", schedule).status_code == 404


def test_export_is_recorded_in_the_audit_trail(member_client, schedule, member):
    from portal.partners.models import AuditEvent

    get_pdf(member_client, "provision_pdf", schedule, provider=HOME_HELP[0])
    event = AuditEvent.objects.get(action="pdf_exported")
    assert event.client_id == schedule.client_id
    assert event.partner_office_number == HOME_HELP[0]
    assert event.detail["kind"] == "provision" and event.detail["schedule_id"] == schedule.pk


def test_query_count_does_not_grow_with_lines(member_client, schedule, django_assert_max_num_queries):
    from portal.masters.selectors import clear_cache

    clear_cache()  # both requests load the month's masters (they are cached per process)
    with django_assert_max_num_queries(40) as small:
        get_pdf(member_client, "usage_pdf", schedule)
    few = len(small.captured_queries)
    for i in range(12):
        schedule.lines.create(
            provider_office_number=f"13700001{i:02d}",
            provider_name=f"事業所{i}",
            service_type_code="13",
            service_item_code="1311",
            start_time="1000",
            end_time="1100",
            planned_days=[1] * 31,
            sort_order=10 + i,
        )
    clear_cache()
    with django_assert_max_num_queries(few) as many:
        get_pdf(member_client, "usage_pdf", schedule)
    assert len(many.captured_queries) <= few


def test_a_care_level_change_within_the_month_is_printed_as_the_change(member_client, in_office, member):
    from portal.clients.models import Certification

    client = make_client(in_office, care_manager=member, care_level="21", insured="0000044444")
    Certification.objects.filter(client=client).update(valid_to=dt.date(2026, 11, 15))
    Certification.objects.create(
        client=client, care_level="23", valid_from=dt.date(2026, 11, 16), valid_to=dt.date(2027, 11, 30)
    )
    schedule = make_schedule(client)
    ticket = squash(page_texts(get_pdf(member_client, "usage_pdf", schedule).content)[0])
    assert "要介護1" in ticket and "要介護3令和8年11月16日" in ticket
    assert "認定済・申請中" in ticket


def test_a_provider_prints_a_received_month_with_the_senders_care_office(db):
    """In a provider office the 居宅介護支援事業者 is the office that sent the month, not the provider itself."""
    from linkage.exchange.models import ReceivedSchedule
    from portal.offices.models import Role
    from portal.offices.tenancy import office_scope
    from tests.conftest import login_client
    from tests.factories import MembershipFactory, OfficeFactory

    OfficeFactory(office_number="1310000001", name="さくら居宅介護支援事業所", kinds=["43"])
    provider = OfficeFactory(office_number=HOME_HELP[0], name=HOME_HELP[1], kinds=["11"])
    staff = MembershipFactory(office=provider, role=Role.SERVICE_STAFF)
    with office_scope(provider):
        schedule = make_schedule(make_client(provider))
        ReceivedSchedule.objects.create(
            office=provider,
            client=schedule.client,
            month=MONTH,
            sender_office_number="1310000001",
            sequence="00000000000001",
            schedule=schedule,
            hosoku={"planner": "鈴木　一郎"},
        )
    response = get_pdf(login_client(staff), "provision_pdf", schedule, provider=HOME_HELP[0])
    ticket = squash(page_texts(response.content)[0])
    assert "さくら居宅介護支援事業所（1310000001）" in ticket and "担当：鈴木一郎" in ticket


@pytest.mark.parametrize("name,params", [("provision_pdf", {"provider": HOME_HELP[0]}), ("usage_pdf", {})])
def test_insurer_name_and_notified_date_are_printed(member_client, schedule, name, params):
    from portal.clients.models import Client
    from portal.offices.tenancy import office_scope

    with office_scope(schedule.client.office):
        Client.objects.filter(pk=schedule.client_id).update(
            insurer_name="東京都千代田区", plan_notified_on=dt.date(2026, 4, 3)
        )
    ticket = squash(page_texts(get_pdf(member_client, name, schedule, **params).content)[0])
    assert "保険者名東京都千代田区" in ticket
    assert "届出年月日" in ticket and "令和8年4月3日" in ticket
