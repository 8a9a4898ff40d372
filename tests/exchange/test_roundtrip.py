"""Service-level round trip through a real hub process: 予定 → provider, 実績 → care manager."""

import pytest

from linkage.exchange import importer, services
from linkage.exchange.models import InboxStatus, Package, PackageStatus, ReceivedPackage, ReceivedSchedule
from portal.offices.tenancy import office_scope
from tests.exchange.world import MONTH, make_world

pytestmark = pytest.mark.slow


def deliver_all(office):
    with office_scope(office):
        for pk in Package.objects.filter(office=office, status=PackageStatus.QUEUED).values_list("pk", flat=True):
            assert services.package_deliver(package_pk=pk).outcome == "sent"


def sync(office):
    with office_scope(office):
        return services.office_sync(office=office)


def test_month_goes_to_each_provider_and_actuals_come_back(exchange_env, hub_ca, django_assert_max_num_queries):
    cm, providers = make_world(hub_ca, clients=2)
    with office_scope(cm.office):
        units = services.month_send_plan(office=cm.office, month=MONTH)
        assert [(u.recipient_office_number, u.recipient_kind, len(u.clients)) for u in units] == sorted(
            (p.office.office_number, p.code[:2], 2) for p in providers
        )
        batch = services.units_send(office=cm.office, actor=cm.admin, units=units, label="4月分")
        assert batch.packages.count() == 2
    deliver_all(cm.office)

    provider = providers[0]
    result = sync(provider.office)
    assert result["received"] == 1 and result["imported"] == 1
    with office_scope(provider.office):
        received = ReceivedPackage.objects.get()
        assert received.status == InboxStatus.IMPORTED and received.client_count == 2
        rs = ReceivedSchedule.objects.get(client=provider.clients[0])
        lines = list(rs.schedule.lines.order_by("provider_office_number"))
        # the 6表 sent to one provider carries every linked service of the 利用者 (§d-3)
        assert {line.provider_office_number for line in lines} == {p.office.office_number for p in providers}
        own = next(line for line in lines if line.provider_office_number == provider.office.office_number)
        assert own.planned_total == 4 and own.actual_total == 0
        assert any(row[8] == "999999" for row in rs.annex)  # the 7表 total row came along
        # 実績: copy the plan, drop one day, add an unplanned visit
        days = list(own.planned_days)
        days[21] = 0
        days[24] = 1
        own.actual_days = days
        own.save()
        schedule = rs.schedule
        units = services.actual_send_plan(office=provider.office, schedule=schedule)
        assert [(u.recipient_office_number, u.sender_kind) for u in units] == [
            (cm.office.office_number, provider.code[:2])
        ]
        services.units_send(office=provider.office, actor=provider.admin, units=units, label="実績")
    deliver_all(provider.office)
    assert sync(cm.office)["imported"] == 1
    with office_scope(cm.office):
        from portal.schedules.models import ServiceScheduleLine

        line = ServiceScheduleLine.objects.get(
            schedule__client=cm.clients[0], provider_office_number=provider.office.office_number
        )
        assert line.actual_days[:31] == days
        other = ServiceScheduleLine.objects.get(
            schedule__client=cm.clients[1], provider_office_number=provider.office.office_number
        )
        assert other.actual_total == 0  # the provider sent 実績 of one 利用者 only
    # statuses flow back to the senders
    sync(provider.office)
    sync(cm.office)
    with office_scope(cm.office):
        statuses = dict(Package.objects.values_list("recipient_office_number", "status"))
        assert statuses[provider.office.office_number] == PackageStatus.IMPORTED
        assert statuses[providers[1].office.office_number] == PackageStatus.SENT


def test_delivered_twice_imported_once_and_resend_replaces(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    provider = providers[0]
    with office_scope(cm.office):
        services.units_send(
            office=cm.office, actor=cm.admin, units=services.month_send_plan(office=cm.office, month=MONTH)
        )
        package = Package.objects.get()
    deliver_all(cm.office)
    with office_scope(cm.office):
        Package.objects.filter(pk=package.pk).update(status=PackageStatus.QUEUED)
        assert services.package_deliver(package_pk=package.pk).outcome == "sent"  # hub: duplicate
    sync(provider.office)
    with office_scope(provider.office):
        received = ReceivedPackage.objects.get()
        # storing the same package again gives the existing row; import runs once
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            ReceivedPackage.objects.create(office=provider.office, package_id=received.package_id, content=b"")
        again = importer.received_package_store(
            office=provider.office, data=bytes(received.content), package_id=str(received.package_id)
        )
        assert again.pk == received.pk
    with office_scope(provider.office):
        assert importer.package_import(office=provider.office, received_pk=received.pk) is None
        assert ReceivedSchedule.objects.count() == 1


def test_every_step_is_audited_and_the_recipient_is_notified(
    exchange_env, hub_ca, django_capture_on_commit_callbacks, mailoutbox
):
    from portal.partners.models import AuditEvent, AuditEventClient

    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    provider = providers[0]
    with office_scope(cm.office):
        services.units_send(
            office=cm.office, actor=cm.admin, units=services.month_send_plan(office=cm.office, month=MONTH)
        )
    deliver_all(cm.office)
    with django_capture_on_commit_callbacks(execute=True):
        sync(provider.office)
    assert len(mailoutbox) == 1 and "1件受信しました" in mailoutbox[0].subject
    assert provider.admin.user.email in mailoutbox[0].to
    assert "山田" not in mailoutbox[0].body  # no personal data in the mail
    with office_scope(cm.office):
        assert list(AuditEvent.objects.filter(office=cm.office).values_list("action", flat=True)) == ["package_sent"]
    with office_scope(provider.office):
        actions = set(AuditEvent.objects.filter(office=provider.office).values_list("action", flat=True))
        imported = AuditEvent.objects.get(office=provider.office, action="package_imported")
        concerned = list(AuditEventClient.objects.filter(event=imported).values_list("client_id", flat=True))
        received = AuditEvent.objects.get(office=provider.office, action="package_received")
        on_receipt = list(AuditEventClient.objects.filter(event=received).values_list("client_id", flat=True))
    assert {"package_received", "package_imported"} <= actions
    assert concerned == [provider.clients[0].pk]  # the import names the provider's own 利用者, as a relation
    assert on_receipt == [provider.clients[0].pk]  # so does the receipt, for a 利用者 already registered
    with office_scope(cm.office):
        sent = AuditEvent.objects.get(office=cm.office, action="package_sent")
        assert list(AuditEventClient.objects.filter(event=sent).values_list("client_id", flat=True)) == [
            cm.clients[0].pk
        ]
