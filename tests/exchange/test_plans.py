"""居宅サービス計画書 through the hub: send, receive (1表+2表+3表+補足), view, then 1表削除 removes it."""

import pytest

from linkage.exchange import services
from linkage.exchange.models import Package, PackageStatus, ReceivedPlan
from portal.careplans import services as plan_services
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.careplans.conftest import fill_plan, make_client
from tests.conftest import login_client
from tests.exchange.world import add_certificate, client, consent, partner
from tests.factories import MembershipFactory, OfficeFactory

pytestmark = pytest.mark.slow


def test_plan_goes_to_the_provider_and_its_deletion_follows(exchange_env, hub_ca):
    cm = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    cm_admin = MembershipFactory(office=cm, role=Role.ADMIN)
    provider = OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    provider_admin = MembershipFactory(office=provider, role=Role.ADMIN)
    for o in (cm, provider):
        add_certificate(o, hub_ca)
    pa, pb = partner(cm, provider, ["11"])
    c = make_client(cm, care_manager=cm_admin)
    consent(cm, c, pa)
    client(provider, 1, insured=c.insured_number)
    from portal.clients.models import Client

    with office_scope(provider):
        Client.objects.filter(office=provider).update(insurer_number=c.insurer_number)
    with office_scope(cm):
        plan = plan_services.plan_create(client=c, plan_date=__import__("datetime").date(2026, 4, 5), by=cm_admin)
    plan = fill_plan(plan, cm_admin)
    with office_scope(cm):
        plan = plan_services.plan_confirm(plan=plan, lock_version=plan.lock_version, by=cm_admin)
    web = login_client(cm_admin)
    page = web.get(f"/exchange/send/plans/{plan.pk}/").content.decode()
    assert "ひまわり訪問介護ステーション" in page and "居宅サービス計画書（1表・2表・3表）" in page
    assert web.post(f"/exchange/send/plans/{plan.pk}/", {"channel": "hub"}).status_code == 302

    def deliver_and_sync():
        with office_scope(cm):
            for pk in Package.objects.filter(status=PackageStatus.QUEUED).values_list("pk", flat=True):
                assert services.package_deliver(package_pk=pk).outcome == "sent"
        with office_scope(provider):
            return services.office_sync(office=provider)

    assert deliver_and_sync()["imported"] == 1
    with office_scope(provider):
        received = ReceivedPlan.objects.get()
        assert received.table2 and received.table3 and received.table1[13] == "20260405"
    page = login_client(provider_admin).get(f"/exchange/received-plans/{received.pk}/").content.decode()
    assert "一人で入浴できない" in page and "清潔に暮らせる" in page
    # withdrawal: 1表削除 (2表/3表 go with it)
    assert web.post(f"/exchange/send/plans/{plan.pk}/", {"channel": "hub", "delete": "1"}).status_code == 302
    assert deliver_and_sync()["imported"] == 1
    with office_scope(provider):
        assert not ReceivedPlan.objects.exists()
