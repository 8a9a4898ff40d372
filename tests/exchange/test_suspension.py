"""The operator suspends and resumes an office (a reason is required): sending and receiving stop
with a clear banner, the data stays; a licence registered with a past start date is confirmed first
and, when it lapses, says the right reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from linkage.exchange import services as exchange
from linkage.exchange.models import Package, PackageStatus
from portal.billing import services
from portal.billing.licensing import licence_status
from portal.offices.models import Office
from portal.offices.services import OfficeSuspended
from portal.offices.tenancy import office_scope
from tests.billing.conftest import operator, operator_client  # noqa: F401 — the operator fixtures
from tests.conftest import login_client
from tests.exchange.world import MONTH, make_world
from tests.forms import submit

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
BANNER = "この事業所は利用停止中です。"


def test_suspending_needs_a_reason_and_stops_sending_and_receiving_until_resumed(trusted_ca, operator_client):
    cm, providers = make_world(trusted_ca, clients=1)
    office_url = reverse("billing:operator_office", kwargs={"office_id": cm.office.pk})
    web = login_client(cm.admin)

    # no reason: nothing happens, and the operator is told what is missing
    response = submit(operator_client, office_url, {"reason": ""}, button="利用停止にする", follow=True)
    assert "理由を入力してください" in response.content.decode()
    assert not Office.objects.get(pk=cm.office.pk).is_suspended

    response = submit(
        operator_client, office_url, {"reason": "ご利用料金の確認のため"}, button="利用停止にする", follow=True
    )
    page = response.content.decode()
    assert "利用停止にしました" in page and "利用停止中" in page and "ご利用料金の確認のため" in page

    # the office sees why on every page; its data is still there
    home = web.get(reverse("clients:list")).content.decode()
    assert BANNER in home and "理由：ご利用料金の確認のため" in home and "送信と受信は止まっています" in home
    # sending is refused with the same words; receiving stops
    with office_scope(cm.office):
        units = exchange.month_send_plan(office=cm.office, month=MONTH)
        with pytest.raises(services.SendingBlocked, match="利用停止中です（理由：ご利用料金の確認のため）"):
            exchange.units_send(office=cm.office, actor=cm.admin, units=units, label="テスト")
        with pytest.raises(OfficeSuspended):
            exchange.office_sync(office=cm.office)

    response = submit(
        operator_client, office_url, {"reason": "入金を確認しました"}, button="利用を再開する", follow=True
    )
    assert "利用を再開しました" in response.content.decode()
    assert BANNER not in web.get(reverse("clients:list")).content.decode()
    history = operator_client.get(office_url).content.decode()
    assert "ご利用料金の確認のため" in history and "入金を確認しました" in history  # who/when/why is kept
    with office_scope(cm.office):
        batch = exchange.units_send(
            office=cm.office,
            actor=cm.admin,
            units=exchange.month_send_plan(office=cm.office, month=MONTH),
            label="テスト",
        )
        assert Package.objects.filter(batch=batch, status=PackageStatus.QUEUED).count() == len(providers)


def test_packages_waiting_when_the_office_is_suspended_are_not_delivered(trusted_ca):
    cm, providers = make_world(trusted_ca, clients=1)
    with office_scope(cm.office):
        batch = exchange.units_send(
            office=cm.office,
            actor=cm.admin,
            units=exchange.month_send_plan(office=cm.office, month=MONTH),
            label="テスト",
        )
    from portal.offices.services import office_suspend

    office_suspend(office=cm.office, reason="確認中")
    with office_scope(cm.office):
        package = Package.objects.filter(batch=batch).first()
        assert exchange.package_deliver(package_pk=package.pk).outcome == "skipped"
        package.refresh_from_db()
        assert package.status == PackageStatus.QUEUED and package.attempts == 0  # waits for 再開, not lost


def test_a_licence_registered_in_the_past_lapses_with_the_right_reason(office):
    with office_scope(office):
        services.licence_apply(office=office, start=TODAY - dt.timedelta(days=800))
        status = licence_status(office)
    assert status.state == "lapsed"
    assert "登録されたライセンスの期間（" in status.message and "がすでに終わっているため" in status.message
    assert "お支払いが期限を過ぎても" not in status.message  # nothing was ever invoiced, so nothing is overdue


def test_a_past_start_date_in_the_form_states_what_will_happen(office, operator_client):
    url = reverse("billing:operator_licence_apply", kwargs={"office_id": office.pk})
    response = submit(operator_client, url, {"start": (TODAY - dt.timedelta(days=800)).isoformat()}, button="登録する")
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "すぐに「失効」となり" in page
        and "今日より前の利用開始日で登録することを確認しました" in page
    )
