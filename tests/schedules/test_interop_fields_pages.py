"""Where a care manager sets and sees 割引, サテライト枝番 and the 短期入所 days: the 利用者's services
(edit page), the 第6表 page (前月までの利用日数 typed when Renkei has no previous month) with its 第7表,
and the printed 提供票."""

import datetime as dt

import pytest
from django.urls import reverse

from portal.clients.models import ClientService
from portal.documents.sheets import schedule_sheet
from portal.offices.tenancy import office_scope
from portal.schedules.models import ServiceSchedule
from portal.schedules.selectors import load_schedule
from tests.factories import OfficeFactory
from tests.forms import read_form, submit

from .helpers import MONTH, days, make_client, make_schedule, weekdays_in

pytestmark = pytest.mark.django_db

MONDAYS = weekdays_in(MONTH, 0)  # 4, 11, 18, 25
VISIT, STAY = "1370000011", "1370000021"


def edit_url(schedule):
    return reverse("schedules:edit", kwargs={"schedule_id": schedule.pk})


@pytest.fixture
def month(office):
    OfficeFactory(office_number=VISIT, name="ひまわり訪問介護", kinds=["11"], regional_grade="1")
    OfficeFactory(office_number=STAY, name="さくらショートステイ", kinds=["21"], regional_grade="7")
    client = make_client(office, services=((VISIT, "ひまわり訪問介護", "11"), (STAY, "さくらショートステイ", "21")))
    return make_schedule(
        office,
        client,
        [
            (VISIT, "111211", "0900", "1000", days(*MONDAYS)),
            (STAY, "211111", "9999", "9999", days(*range(12, 22))),  # 10 days at the short stay (要介護1)
        ],
    )


def test_discount_and_satellite_are_set_on_the_clients_services(owner_client, office, month):
    client = month.client
    url = reverse("clients:edit", kwargs={"client_id": client.pk})
    page = read_form(owner_client, url, button="保存する")
    assert page.value("svc-0-discount_rate") == "" and page.value("svc-1-satellite_branch") == ""
    bad = submit(owner_client, url, {"svc-0-discount_rate": "120"}, button="保存する")
    assert bad.status_code == 200 and "割引後率は1〜99の整数（%）で入力してください" in bad.content.decode()
    response = submit(
        owner_client, url, {"svc-0-discount_rate": "95", "svc-1-satellite_branch": "2"}, button="保存する"
    )
    assert response.status_code == 302
    with office_scope(office):
        services = {s.service_type_code: s for s in ClientService.objects.filter(client=client)}
    assert (services["11"].discount_rate, services["21"].satellite_branch) == (95, "2")
    detail = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert "95%" in detail
    # the edit page shows what is saved, so saving again keeps it
    again = read_form(owner_client, url, button="保存する")
    assert (again.value("svc-0-discount_rate"), again.value("svc-1-satellite_branch")) == ("95", "2")

    text = owner_client.get(edit_url(month)).content.decode()
    # 第7表 on the page: 387 units, 割引後 95% → 368 units × 4 = 1,472
    assert '<td class="num">95</td>' in text and '<td class="num">368</td>' in text and "1,472" in text


def test_days_before_are_typed_on_the_sheet_when_renkei_has_no_previous_month(owner_client, office, month):
    page = owner_client.get(edit_url(month)).content.decode()
    # the certification began in April; Renkei has no April sheet: 0 assumed and said so
    assert "Renkeiに前月の利用票がないため、前月までの利用日数を0日としています" in page
    assert read_form(owner_client, edit_url(month), form="sheet").value("short_stay_before") == ""

    bad = submit(owner_client, edit_url(month), {"short_stay_before": "１２日"}, button="保存する", form="sheet")
    assert (
        "前月までの短期入所利用日数は0〜99999の半角数字で入力してください（入力値「１２日」）" in bad.content.decode()
    )
    with office_scope(office):
        assert ServiceSchedule.objects.get(pk=month.pk).short_stay_days_before is None

    assert (
        submit(
            owner_client, edit_url(month), {"short_stay_before": "１２"}, button="保存する", form="sheet"
        ).status_code
        == 302
    )
    with office_scope(office):
        assert ServiceSchedule.objects.get(pk=month.pk).short_stay_days_before == 12
    text = owner_client.get(edit_url(month)).content.decode()
    assert 'data-testid="short-stay-before">12日' in text and 'data-testid="short-stay-total">22日' in text
    assert "0日としています" not in text

    # more than half of the period (2026-04-01..2027-03-31 = 365 days → 182): warned on the page
    submit(owner_client, edit_url(month), {"short_stay_before": "175"}, button="保存する", form="sheet")
    text = owner_client.get(edit_url(month)).content.decode()
    assert "短期入所の累積利用日数（185日）が認定有効期間（365日）の半数（182日）を超えています。" in text

    # June is computed from May (175 + 10) without typing
    june = make_schedule(
        office, month.client, [(STAY, "211111", "9999", "9999", days(1, 2))], month=dt.date(2026, 6, 1)
    )
    text = owner_client.get(edit_url(june)).content.decode()
    assert 'data-testid="short-stay-before">185日' in text and 'data-testid="short-stay-total">187日' in text


def test_the_provision_pdf_sheet_carries_discount_and_short_stay_days(office, month):
    with office_scope(office):
        ClientService.objects.filter(client=month.client, service_type_code="11").update(discount_rate=95)
        ServiceSchedule.objects.filter(pk=month.pk).update(short_stay_days_before=3)
        sheet = schedule_sheet(load_schedule(month.pk), kind="provision")
    visit = next(r for r in sheet.annex.rows if r.service_code == "111211")
    assert (visit.units, visit.discount_rate, visit.discounted_units, visit.service_units) == (387, 95, 368, 1472)
    assert sheet.short_stay_days_before == 3
    assert (sheet.annex.short_stay_before, sheet.annex.short_stay_this_month, sheet.annex.short_stay_total) == (
        3,
        10,
        13,
    )
