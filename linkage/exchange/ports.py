"""The exchange's answers to what the portal apps below it ask (``portal/*/ports.py``).

Each class implements one port declared by the app that needs it; :func:`provide_all` is called from
``ExchangeConfig.ready``. The portal apps never import this module (issue 15: forms do not know how
they are sent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from portal.documents.ports import ScheduleSender
from portal.paperlinks.ports import ActualsImported, FilesRejected


class ExchangeUse:
    """``billing.exchange_use``: whether the office used the exchange in a month."""

    def office_used_exchange(self, office, month: dt.date) -> bool:
        from linkage.exchange.services import office_used_exchange

        return bool(office_used_exchange(office, month))


class ReceivedActuals:
    """``claims.received_actuals``: the 実績 received and the 予実 differences for 月次の締め."""

    def month_differences(self, office, month: dt.date, client_ids: Iterable[int]) -> list[dict]:
        from linkage.exchange.comparison import month_differences

        return month_differences(office, month, client_ids=client_ids)

    def received_keys(self, office, month: dt.date, client_ids: Iterable[int]) -> set[tuple[int, str, str]]:
        from linkage.exchange.models import ActualSource

        return {
            (a.client_id, a.provider_office_number, a.service_type_code)
            for a in ActualSource.objects.filter(office=office, month=month, client_id__in=client_ids)
        }


class ReceivedSchedules:
    """``documents.received_schedules``: who sent a provider's received month (for the 提供票)."""

    def sender_of(self, schedule) -> ScheduleSender | None:
        from linkage.exchange.models import ReceivedSchedule

        received = ReceivedSchedule.objects.filter(schedule=schedule).order_by("-received_at").first()
        if received is None:
            return None
        return ScheduleSender(received.sender_office_number, (received.hosoku or {}).get("planner") or "")


class AuditValueLabels:
    """``partners.exchange_labels``: Japanese labels of the codes the exchange writes into the audit trail."""

    def label(self, key: str, value: str) -> str | None:
        from linkage.exchange.models import Channel, InboxStatus, PackageStatus, UnitKind

        enums = {"unit_kind": (UnitKind,), "channel": (Channel,), "status": (InboxStatus, PackageStatus)}
        for enum in enums.get(key, ()):
            if value in enum.values:
                return enum(value).label
        return None


class SendGate:
    """``paperlinks.send_gate``: the office-level reasons not to send (本人確認, licence), hub-only ones left out."""

    def blocker_messages(self, office) -> list[str]:
        from linkage.exchange.services import send_blockers

        return [b.message for b in send_blockers(office=office) if not b.hub_only]

    def schedule_sent_by_hub(self, office_id: int, month: dt.date, partner_office_number: str) -> bool:
        from linkage.exchange.models import Channel, Package, PackageStatus, UnitKind

        return (
            Package.objects.filter(
                office_id=office_id,
                channel=Channel.HUB,
                unit_kind=UnitKind.SCHEDULE,
                month=month,
                recipient_office_number=partner_office_number,
            )
            .exclude(status=PackageStatus.ERROR)
            .exists()
        )


class ActualImport:
    """``paperlinks.actual_import``: a paper link's answer enters as files from the national system do."""

    def last_sequence(self, office_id: int, client_id: int, month: dt.date, provider_office_number: str) -> str:
        from linkage.exchange.models import ActualSource

        return max(
            ActualSource.objects.filter(
                office_id=office_id, client_id=client_id, month=month, provider_office_number=provider_office_number
            ).values_list("sequence", flat=True),
            default="",
        )

    def files_import(self, office, files: Sequence) -> ActualsImported:
        from linkage.exchange.importer import UploadRejected, package_import, upload_store
        from linkage.exchange.models import InboxStatus

        try:
            upload = upload_store(office=office, actor=None, files=list(files))
        except UploadRejected as error:
            raise FilesRejected(str(error)) from error
        statuses = [package_import(office=office, received_pk=record.pk) for record in upload.records]
        return ActualsImported(
            [record.pk for record in upload.records], all(status == InboxStatus.IMPORTED for status in statuses)
        )


class Certificates:
    """``offices.certificates``: the office's signing certificates, kept by the exchange."""

    def issue_if_needed(self, office):
        from linkage.exchange.certificates import certificate_issue_if_needed

        return certificate_issue_if_needed(office=office)

    def deactivate(self, office) -> int:
        from linkage.exchange.certificates import certificates_deactivate

        return certificates_deactivate(office=office)

    def has_active(self, office) -> bool:
        from linkage.exchange.certificates import active_certificate

        return active_certificate(office) is not None


class PackageEvents:
    """``casework.package_events``: sends and receipts naming a 利用者, for the timeline."""

    def client_package_events(self, client, kinds=("send", "receipt")) -> list[dict]:
        from linkage.exchange.client_events import package_events

        return package_events(client=client, kinds=kinds)


def provide_all() -> None:
    from linkage.exchange import export
    from portal.billing.ports import exchange_use
    from portal.casework.ports import package_events
    from portal.claims.ports import received_actuals
    from portal.documents.ports import received_schedules
    from portal.exports.ports import exchange_export
    from portal.offices.ports import certificates
    from portal.paperlinks.ports import actual_import, send_gate
    from portal.partners.ports import exchange_labels

    exchange_use.provide(ExchangeUse())
    received_actuals.provide(ReceivedActuals())
    received_schedules.provide(ReceivedSchedules())
    exchange_export.provide(export)
    exchange_labels.provide(AuditValueLabels())
    send_gate.provide(SendGate())
    actual_import.provide(ActualImport())
    certificates.provide(Certificates())
    package_events.provide(PackageEvents())
