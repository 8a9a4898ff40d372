"""The one send gate (``units_send``): licence and consent checks before anything is built, signed or
stored; what would stop a send; the ZIP downloads for the national system."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linkage.exchange import certificates
from linkage.exchange.models import Channel, Package, PackageStatus, RouteSequence, SendBatch
from linkage.exchange.services.base import SEQUENCE_FORMAT, SendError
from linkage.exchange.services.units import UnitPlan, _ym, month_send_plan, plan_send_plan
from linkage.signing import pki
from linkage.signing.package import build_package, new_package_id
from linkage.standard import next_sequence

log = logging.getLogger("linkage.exchange.services")  # the name log settings know


# --------------------------------------------------------------------------- what would stop a send


@dataclass
class SendBlocker:
    """A reason the whole send would be refused, with where to fix it (shown on the preview)."""

    message: str
    url: str
    link_label: str
    hub_only: bool = False  # only the hub needs it (the CSV download for the national system does not)


def send_blockers(*, office, on: dt.date | None = None) -> list[SendBlocker]:
    """Every office-level reason :func:`units_send` would refuse: 本人確認, licence, certificate."""
    from django.urls import reverse

    from portal.billing.services import SendingBlocked, assert_can_send
    from portal.offices.services import NOT_VERIFIED_MESSAGE

    blockers = []
    if not office.is_verified:
        blockers.append(SendBlocker(NOT_VERIFIED_MESSAGE, reverse("offices:verification"), "事業所の本人確認へ"))
    try:
        assert_can_send(office, on)
    except SendingBlocked as exc:
        blockers.append(SendBlocker(str(exc), reverse("billing:office"), "ライセンス・請求書へ"))
    try:
        certificates.signing_identity(office)
    except certificates.NoCertificate as exc:
        blockers.append(
            SendBlocker(
                f"{exc}（連携基盤で送るときに必要です。CSVファイルの作成はできます）",
                reverse("exchange:certificates"),
                "電子証明書へ",
                hub_only=True,
            )
        )
    return blockers


# --------------------------------------------------------------------------- the one send gate


def _take_sequence(office, recipient_office_number: str, recipient_kind: str) -> dt.datetime:
    """A ファイル連番 strictly after the last one used on this route (row lock on the route)."""
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    row, created = RouteSequence.objects.select_for_update().get_or_create(
        office=office,
        recipient_office_number=recipient_office_number,
        recipient_kind=recipient_kind,
        defaults={"last": now.strftime(SEQUENCE_FORMAT)},
    )
    if created:
        return now
    value = next_sequence(dt.datetime.strptime(row.last, SEQUENCE_FORMAT), now)
    row.last = value.strftime(SEQUENCE_FORMAT)
    row.save(update_fields=["last"])
    return value


def _plain_zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buffer.getvalue()


def units_send(
    *, office, actor, units: list[UnitPlan], channel: str = Channel.HUB, label: str = "", on: dt.date | None = None
) -> SendBatch:
    """THE send gate. Checks the licence (assert_can_send) and, for every 利用者 of every unit,
    the partnership and consent (assert_can_share); then builds, validates, signs (hub) and
    stores every unit in one transaction, and queues delivery after commit.

    Raises ``SendingBlocked`` / ``SharingNotAllowed`` / :class:`SendError` (Japanese); nothing
    is stored when any unit fails.
    """
    from portal.billing.services import assert_can_send
    from portal.core.tasks import enqueue
    from portal.partners.models import AuditAction
    from portal.partners.services import assert_can_share, audit_record

    if not office.is_verified:
        from portal.offices.services import NOT_VERIFIED_MESSAGE

        raise SendError(NOT_VERIFIED_MESSAGE)
    assert_can_send(office, on)
    refusals = [why for u in units for _, why in u.refused]
    units = [u for u in units if u.clients]
    if not units:
        reasons = " ".join(refusals[:3])
        raise SendError(f"送信できる利用者がいません。{reasons or '同意・連携先を確認してください。'}")
    for unit in units:
        for client in unit.clients:
            assert_can_share(
                office=office,
                client=client,
                recipient_office_number=unit.recipient_office_number,
                scope=unit.scope,
                on=on,
                service_type_code=unit.share_kind,
            )
    identity = certificates.signing_identity(office) if channel == Channel.HUB else None
    membership = actor if getattr(actor, "office_id", None) == office.pk else None
    with transaction.atomic():
        batch = SendBatch.objects.create(
            office=office,
            label=label or units[0].kind_label,
            channel=channel,
            created_by=membership,
            created_by_name=membership.name if membership else "",
        )
        packages = []
        for unit in units:
            sequence = _take_sequence(office, unit.recipient_office_number, unit.recipient_kind)
            built = unit.build(sequence, unit.clients)
            errors = [f for f in built.findings if f.is_error]
            if errors:
                raise SendError(
                    "送信するファイルに誤りがあるため送信できません: " + " / ".join(f.message for f in errors[:5])
                )
            package_id = new_package_id()
            seq = sequence.strftime(SEQUENCE_FORMAT)
            if channel == Channel.HUB:
                content = build_package(
                    files=built.files,
                    key=identity.key,
                    certificate=identity.certificate,
                    package_id=package_id,
                    sender_office=office.office_number,
                    sender_kind=unit.sender_kind,
                    recipient_office=unit.recipient_office_number,
                    recipient_kind=unit.recipient_kind,
                    sequence=seq,
                    unit_kind=str(unit.unit_kind),
                    month=_ym(unit.month) if unit.month else None,
                    created_at=timezone.now(),
                )
                status = PackageStatus.QUEUED
                limit = getattr(settings, "RENKEI_PACKAGE_MAX_BYTES", 8 * 1024 * 1024)
                if len(content) > limit:
                    raise SendError(
                        f"{unit.recipient_name or unit.recipient_office_number}あての送信単位が大きすぎます"
                        f"（{len(content) / 2**20:.1f} MB。上限 {limit / 2**20:.1f} MB）。利用者を分けて送ってください。"
                    )
            else:
                content = _plain_zip(built.files)
                status = PackageStatus.DOWNLOADED
            packages.append(
                Package.objects.create(
                    office=office,
                    batch=batch,
                    package_id=package_id,
                    channel=channel,
                    unit_kind=unit.unit_kind,
                    month=unit.month,
                    sender_kind=unit.sender_kind,
                    recipient_office_number=unit.recipient_office_number,
                    recipient_kind=unit.recipient_kind,
                    recipient_name=unit.recipient_name[:100],
                    sequence=seq,
                    file_names=[n for n, _ in built.files],
                    client_ids=[c.pk for c in unit.clients],
                    client_count=len(unit.clients),
                    plan_id=unit.plan_id,
                    content=content,
                    size=len(content),
                    sha256=pki.sha256_hex(content),
                    status=status,
                    created_by=membership,
                )
            )
            audit_record(
                office=office,
                actor=actor,
                action=AuditAction.PACKAGE_SENT if channel == Channel.HUB else AuditAction.CSV_DOWNLOADED,
                clients=unit.clients,
                partner_office_number=unit.recipient_office_number,
                detail={
                    "package_id": str(package_id),
                    "unit_kind": str(unit.unit_kind),
                    "client_count": len(unit.clients),
                    "sequence": seq,
                },
            )
        if channel == Channel.HUB:
            from linkage.exchange.tasks import deliver_package

            for p in packages:
                enqueue(deliver_package, office.pk, p.pk)
    log.info("office %s: batch %s with %s packages (%s)", office.pk, batch.pk, len(packages), channel)
    return batch


def batch_zip(batch: SendBatch) -> tuple[str, bytes]:
    """The standard CSVs of every package of a file-channel batch, as one ZIP (for the national system)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for package in batch.packages.order_by("pk"):
            with zipfile.ZipFile(io.BytesIO(bytes(package.content))) as zf:
                for name in zf.namelist():
                    if name.upper().endswith(".CSV"):
                        out.writestr(name, zf.read(name))
    return f"renkei-csv-{batch.pk}.zip", buffer.getvalue()


# --------------------------------------------------------------------------- downloads for other apps


def units_download(*, office, actor, units: list[UnitPlan], label: str = "") -> tuple[str, bytes]:
    """The national-system download of any units: goes through :func:`units_send` (file channel)."""
    batch = units_send(office=office, actor=actor, units=units, channel=Channel.FILE, label=label)
    return batch_zip(batch)


def plan_download(*, office, actor, plan) -> tuple[str, bytes]:
    """ZIP of a plan's standard CSVs for every provider it names (for portal.careplans)."""
    return units_download(
        office=office,
        actor=actor,
        units=plan_send_plan(office=office, plan=plan),
        label="居宅サービス計画書（ファイル）",
    )


def schedule_download(*, office, actor, schedule) -> tuple[str, bytes]:
    """ZIP of one 利用者's month (利用票) for every provider (for portal.schedules)."""
    units = month_send_plan(office=office, month=schedule.month, client_ids=[schedule.client_id])
    return units_download(office=office, actor=actor, units=units, label="サービス利用票（ファイル）")
