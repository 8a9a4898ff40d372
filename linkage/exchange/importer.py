"""Receiving side: keep what arrived, validate it with linkage.standard, import all-or-nothing.

A received send unit (from the hub, or CSV files uploaded from the national system) is stored
first as a ``ReceivedPackage`` — whatever it contains. Import then runs per package, in
ファイル連番 order per sender, inside one transaction:

- verification/validation errors → ``rejected`` with the findings in Japanese, nothing imported;
- a 利用者 the office does not know → ``pending_client``, nothing imported, the 利用者 listed
  for matching by 被保険者番号 (then the import runs again);
- otherwise the data is applied: same-key data replaced, deletions with their cascades
  (1表削除 → 2表/3表; 6表削除 → 7表; 実績削除 per 事業者 + 種類).

A package is claimed with a conditional UPDATE, so a package delivered twice is imported once.

Over 400 lines, on purpose for now: storing, opening, importing and applying are one all-or-nothing
flow, and tests patch names on this module (``importer.open_package``); a split into applying per
unit kind (``_apply_*``) is the next step (issue 15).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from linkage.exchange import certificates
from linkage.exchange.models import (
    ActualSource,
    Channel,
    ClientAlias,
    InboxStatus,
    ReceivedPackage,
    ReceivedPlan,
    ReceivedSchedule,
    UnitKind,
)
from linkage.exchange.safezip import UnsafeZip, looks_like_zip, unzip
from linkage.signing import package as package_module
from linkage.signing import sealing
from linkage.signing.package import PackageError, open_package
from linkage.standard import ZERO_MONTH, FileName, FileNameError, read_file
from linkage.standard.validate import unit_kind_of, validate_parsed

log = logging.getLogger(__name__)

PROVIDER_RECEIVES = {UnitKind.PLAN, UnitKind.SCHEDULE, UnitKind.PLAN_DELETE, UnitKind.SCHEDULE_DELETE}
CARE_MANAGEMENT_RECEIVES = {UnitKind.ACTUAL, UnitKind.ACTUAL_DELETE}
UPLOAD_NAMESPACE = uuid.UUID("4c0b2a34-7a8e-4d55-9d6e-2b1b3c6f5e01")


class ImportRejected(Exception):
    def __init__(self, message: str, findings: list | None = None):
        super().__init__(message)
        self.findings = findings or []


class UploadRejected(Exception):
    """An upload refused as a whole before anything is stored; ``files`` names every file read."""

    def __init__(self, message: str, *, files: list[dict] | None = None, findings: list | None = None):
        super().__init__(message)
        self.files = files or []
        self.findings = findings or []


class NeedsClients(Exception):
    def __init__(self, unknown: list[dict]):
        super().__init__("unknown clients")
        self.unknown = unknown


def service_codes_known(month: str, codes: set[str]) -> set[str]:
    """The codes of ``codes`` that the service code master has for ``month`` ('YYYYMM')."""
    from django.db.models import Q

    from portal.masters.models import ServiceCode

    first = _month_date(month)
    if first is None or not codes:
        return set()
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    rows = (
        ServiceCode.objects.filter(
            service_type_code__in={c[:2] for c in codes},
            service_item_code__in={c[2:] for c in codes},
            valid_from__lte=last,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .values_list("service_type_code", "service_item_code")
    )
    return {k + i for k, i in rows} & set(codes)


def read_unit(members: list[tuple[str, bytes]]) -> tuple[list, list]:
    """Tolerant reading and checking of received files: (parsed files, findings)."""
    parsed = [read_file(n, d, lenient=True) for n, d in members]
    return parsed, validate_parsed(parsed, lenient=True, service_codes=service_codes_known)


def finding_json(f) -> dict:
    return {
        "severity": f.severity,
        "file": f.file,
        "record": f.record,
        "field_no": f.field_no,
        "field_name": f.field_name,
        "detail": f.detail,
        "message": f.message,
    }


def _month_date(value: str | None) -> dt.date | None:
    if value and value != ZERO_MONTH and len(value) == 6 and value.isdigit():
        try:
            return dt.date(int(value[:4]), int(value[4:]), 1)
        except ValueError:
            return None
    return None


# The files of a send unit that name its 利用者 (保険者番号, 被保険者番号 in columns 2 and 3).
_CLIENT_FILES = ("UP1KYO", "UPPLAN", "UPJSK", "DLT1KYO", "DLTPLAN", "DLTJSK")


def _known_client_ids(office, files: list[tuple[str, bytes]]) -> list[int]:
    """The office's 利用者 a received unit names (those already registered or matched), for the audit trail.

    Nothing is imported here; a file that cannot be read is reported when the unit is imported.
    """
    from portal.clients.models import Client

    keys: list[tuple[str, str]] = []
    for name, data in files:
        try:
            if FileName.parse(name).prefix not in _CLIENT_FILES:
                continue
            keys += _keys(read_file(name, data).rows)
        except Exception:  # noqa: BLE001 - the importer reports unreadable files with their reasons
            continue
    if not keys:
        return []
    insured = {k[1] for k in keys}
    found = {
        (c.insurer_number, c.insured_number): c.pk
        for c in Client.objects.filter(office=office, insured_number__in=insured)
    }
    for alias in ClientAlias.objects.filter(office=office, insured_number__in=insured):
        found.setdefault((alias.insurer_number, alias.insured_number), alias.client_id)
    return list(dict.fromkeys(found[k] for k in keys if k in found))


def _audit_received(office, record: ReceivedPackage, files=()) -> None:
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    audit_record(
        office=office,
        actor=None,
        action=AuditAction.PACKAGE_RECEIVED,
        clients=_known_client_ids(office, list(files)),
        partner_office_number=record.sender_office_number,
        detail={
            "received_id": record.pk,
            "package_id": str(record.package_id),
            "channel": record.channel,
            "status": record.status,
        },
    )


# --------------------------------------------------------------------------- storing


def package_limits() -> dict:
    from django.conf import settings

    return {
        "max_bytes": getattr(settings, "RENKEI_PACKAGE_MAX_BYTES", package_module.MAX_PACKAGE_BYTES),
        "max_unpacked": getattr(settings, "RENKEI_PACKAGE_MAX_UNPACKED_BYTES", package_module.MAX_UNPACKED_BYTES),
        "max_files": getattr(settings, "RENKEI_PACKAGE_MAX_FILES", package_module.MAX_FILES),
    }


def _month_of(value) -> dt.date | None:
    return _month_date(value if isinstance(value, str) else None)


def received_package_store(*, office, data: bytes, package_id: str) -> ReceivedPackage:
    """Keep one package fetched from the hub. In this order, each step refusing before the next:
    the outside of the sealed package (routing only, size limit), that it is for this office,
    that the sender is a partner (nothing from a stranger is decrypted or parsed), decryption
    with the office's keys, then the signed package inside (signature, chain, hashes, and the
    unpacked size / file count while unzipping). A refused package is kept as rejected."""
    existing = ReceivedPackage.objects.filter(office=office, package_id=package_id).first()
    if existing is not None:
        return existing
    values: dict = {"channel": Channel.HUB, "content": data}
    limits = package_limits()
    files: list = []
    try:
        if len(data) > limits["max_bytes"]:
            raise PackageError(f"パッケージが大きすぎます（上限 {limits['max_bytes'] / 2**20:.1f} MB）。", "too_large")
        envelope = sealing.read_envelope(data)
    except (sealing.SealError, PackageError) as exc:
        values.update(status=InboxStatus.REJECTED, error=f"パッケージの検証に失敗したため取り込んでいません: {exc}")
        log.warning("office %s: package %s refused before opening (%s)", office.pk, package_id, exc.code)
    else:
        h = envelope.header
        values.update(
            sender_office_number=envelope.sender_office,
            sender_kind=h["sender"]["kind"],
            recipient_kind=h["recipient"]["kind"],
            unit_kind=h["unit_kind"] if h["unit_kind"] in UnitKind.values else "",
            month=_month_of(h.get("month")),
            sequence=h["sequence"],
        )
        if envelope.recipient_office != office.office_number or envelope.package_id != str(package_id):
            values.update(
                status=InboxStatus.REJECTED, error="このパッケージはあなたの事業所宛てではないため取り込んでいません。"
            )
        elif not _is_partner(office, envelope.sender_office):
            values.update(status=InboxStatus.REJECTED, error=_not_partner_message(envelope.sender_office))
            log.info("office %s: package %s from a non-partner kept unopened", office.pk, package_id)
        else:
            opened = _opened(office, envelope, package_id)
            files = opened.pop("_files", [])
            values.update(opened)
    values["sender_name"] = _sender_name(office, values.get("sender_office_number", ""))
    try:
        with transaction.atomic():
            record = ReceivedPackage.objects.create(office=office, package_id=package_id, **values)
    except IntegrityError:
        return ReceivedPackage.objects.get(office=office, package_id=package_id)
    _audit_received(office, record, files)
    return record


def _is_partner(office, number: str) -> bool:
    from portal.partners.services import partnership_for

    return partnership_for(office=office, sender_office_number=number) is not None


def _not_partner_message(number: str) -> str:
    return (
        f"送信元の事業所（{number}）は連携先に登録されていないため、パッケージを開かずに保管しています（取り込んでいません）。"
        "「連携先」で登録してから「もう一度取り込む」を押してください。"
    )


def _opened(office, envelope, package_id) -> dict:
    """Decrypt and verify a sealed package: the values of its ReceivedPackage (content = the signed ZIP)."""
    try:
        inner = sealing.unseal(envelope, certificates.office_private_keys(office))
        verified = open_package(inner, roots=certificates.trusted_roots(), limits=package_limits())
    except (sealing.SealError, PackageError) as exc:
        log.warning("office %s: package %s refused at verification (%s)", office.pk, package_id, exc.code)
        return {"status": InboxStatus.REJECTED, "error": f"パッケージの検証に失敗したため取り込んでいません: {exc}"}
    m = verified.manifest
    h = envelope.header
    if (
        verified.package_id != envelope.package_id
        or verified.sender_office != envelope.sender_office
        or verified.recipient_office != envelope.recipient_office
        or m["sequence"] != h["sequence"]
    ):
        return {
            "status": InboxStatus.REJECTED,
            "error": "パッケージの検証に失敗したため取り込んでいません: 暗号化の外側と中身の宛先・送信元が一致しません。",
        }
    return {
        "content": inner,
        "sender_kind": m["sender"]["kind"],
        "recipient_kind": m["recipient"]["kind"],
        "unit_kind": m["unit_kind"],
        "month": _month_date(m.get("month")),
        "sequence": m["sequence"],
        "files": [{"name": n, "size": len(d)} for n, d in verified.files],
        "status": InboxStatus.RECEIVED,
        "error": "",
        "_files": list(verified.files),
    }


def _sender_name(office, number: str) -> str:
    if not number:
        return ""
    from portal.partners.services import partnership_for

    p = partnership_for(office=office, sender_office_number=number)
    return p.display_name[:100] if p is not None else ""


def _expand(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    """Loose files and the members of uploaded ZIPs as (name, content, ZIP name or "")."""
    out = []
    for name, data in files:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if looks_like_zip(base, data):
            try:
                members = unzip(data, zip_name=base)
            except UnsafeZip as exc:
                raise UploadRejected(
                    f"{exc} 何も取り込んでいません。",
                    files=[
                        {"name": base, "source": "", "kind": "ZIPファイル", "records": None, "errors": 1, "warnings": 0}
                    ],
                ) from None
            out += [(n, d, base) for n, d in members]
        else:
            out.append((base, data, ""))
    return out


def upload_check(*, office, files: list[tuple[str, bytes]]) -> tuple[dict, list[dict], list]:
    """Read and check uploaded files (loose CSVs and ZIPs) before anything is stored.

    Returns ``(groups, file summaries, warnings)`` with groups keyed by send unit; raises
    :class:`UploadRejected` — the whole upload, with every file named — when a ZIP is unsafe, a
    name is not a standard one, a send unit is incomplete or has an error, or a file is addressed
    to another office."""
    from linkage.exchange.checking import PREFIX_NAMES

    expanded = _expand(files)
    summaries: list[dict] = []
    bad_names: list[str] = []
    groups: dict[tuple, list[tuple[str, bytes]]] = defaultdict(list)
    seen: dict[str, bytes] = {}
    for name, data, source in expanded:
        entry = {"name": name, "source": source, "kind": "", "records": None, "errors": 0, "warnings": 0}
        summaries.append(entry)
        if name in seen:
            if seen[name] != data:
                bad_names.append(f"同じ名前で内容の違うファイル「{name}」が2つあります。")
                entry["errors"] = 1
            else:
                summaries.pop()  # the same file twice (loose and in a ZIP): read once
            continue
        seen[name] = data
        try:
            fn = FileName.parse(name)
        except FileNameError as exc:
            bad_names.append(str(exc))
            entry.update(kind="標準仕様のファイルではありません", errors=1)
            continue
        entry["kind"] = PREFIX_NAMES.get(fn.prefix, fn.prefix)
        groups[fn.unit_key].append((name, data))
    findings: list = []
    for key, members in groups.items():
        members.sort()
        parsed, unit_findings = read_unit(members)
        findings += unit_findings
        recipient = key[2]
        if recipient != office.office_number:
            from linkage.standard import ERROR, Finding

            findings.append(
                Finding(
                    ERROR,
                    members[0][0],
                    None,
                    None,
                    None,
                    f"送信先事業所番号（{recipient}）があなたの事業所（{office.office_number}）と違います。",
                    "recipient",
                )
            )
        for pf in parsed:
            entry = next(e for e in summaries if e["name"] == pf.name)
            entry["records"] = len(pf.rows)
    for entry in summaries:
        mine = [f for f in findings if f.file == entry["name"]]
        entry["errors"] += sum(1 for f in mine if f.is_error)
        entry["warnings"] += sum(1 for f in mine if not f.is_error)
    errors = [f for f in findings if f.is_error]
    if bad_names or errors:
        parts = []
        if bad_names:
            parts.append("標準仕様のファイル名ではないファイルがあります（" + " ".join(bad_names[:5]) + "）")
        if errors:
            parts.append(f"標準仕様のチェックでエラーが{len(errors)}件見つかりました")
        raise UploadRejected(
            "。".join(parts) + "。アップロードしたファイルは何も取り込んでいません（受信箱にも残しません）。",
            files=summaries,
            findings=findings,
        )
    return groups, summaries, [f for f in findings if not f.is_error]


@dataclass
class Upload:
    records: list  # ReceivedPackage per send unit, in ファイル連番 order
    files: list[dict]  # every file read: name, source (ZIP name or ""), kind, records, errors, warnings


def upload_store(*, office, actor, files: list[tuple[str, bytes]]) -> Upload:
    """CSV files (loose, or in ZIPs) received through the national system, grouped into send units by name.

    Everything is checked first (:func:`upload_check`); an upload with any error raises
    :class:`UploadRejected` and stores nothing. The package id of an uploaded unit is derived
    from its contents, so uploading the same files twice imports them once.
    """
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    groups, summaries, _warnings = upload_check(office=office, files=files)
    records = []
    for key, members in sorted(groups.items(), key=lambda kv: kv[0][4]):
        members.sort()
        sender, sender_kind, recipient, recipient_kind, sequence = key
        digest = hashlib.sha256(b"".join(n.encode() + d for n, d in members)).hexdigest()
        package_id = uuid.uuid5(UPLOAD_NAMESPACE, f"{office.office_number}:{'|'.join(map(str, key))}:{digest}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for n, d in members:
                zf.writestr(n, d)
        prefixes = {FileName.parse(n).prefix for n, _ in members}
        hosoku = [FileName.parse(n).month for n, _ in members if n.upper().startswith("UPHOSOKU")]
        kind = unit_kind_of(prefixes, hosoku[0] if hosoku else None) or ""
        months = [FileName.parse(n).month for n, _ in members]
        values = {
            "channel": Channel.FILE,
            "content": buffer.getvalue(),
            "sender_office_number": sender,
            "sender_kind": sender_kind or "",
            "recipient_kind": recipient_kind or "",
            "unit_kind": kind if kind in UnitKind.values else "",
            "sequence": sequence,
            "month": next((_month_date(m) for m in months if _month_date(m)), None),
            "files": [{"name": n, "size": len(d)} for n, d in members],
            "sender_name": _sender_name(office, sender),
        }
        try:
            with transaction.atomic():
                record = ReceivedPackage.objects.create(office=office, package_id=package_id, **values)
        except IntegrityError:
            records.append(ReceivedPackage.objects.get(office=office, package_id=package_id))
            continue
        audit_record(
            office=office,
            actor=actor,
            action=AuditAction.PACKAGE_RECEIVED,
            partner_office_number=sender,
            clients=_known_client_ids(office, members),
            detail={"received_id": record.pk, "channel": "file", "files": len(members)},
        )
        records.append(record)
    return Upload(records, summaries)


# --------------------------------------------------------------------------- importing


def imports_run(*, office) -> int:
    """Import every received package of the office, oldest ファイル連番 first per sender."""
    pending = list(
        ReceivedPackage.objects.filter(office=office, status=InboxStatus.RECEIVED)
        .order_by("sender_office_number", "sequence", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pending:
        if package_import(office=office, received_pk=pk) == InboxStatus.IMPORTED:
            done += 1
    return done


def package_import(*, office, received_pk: int) -> str | None:
    """Claim and import one received package; returns its new status (None if not claimed)."""
    claimed = ReceivedPackage.objects.filter(pk=received_pk, office=office, status=InboxStatus.RECEIVED).update(
        status=InboxStatus.IMPORTING
    )
    if not claimed:
        return None
    record = ReceivedPackage.objects.get(pk=received_pk)
    try:
        with transaction.atomic():
            client_ids = _import(office, record)
            record.status = InboxStatus.IMPORTED
            record.imported_at = timezone.now()
            record.client_ids = client_ids
            record.client_count = len(client_ids)
            record.error = ""
            record.findings = getattr(record, "warnings", [])[:500]
            record.unknown_clients = []
            record.save(
                update_fields=[
                    "status",
                    "imported_at",
                    "client_ids",
                    "client_count",
                    "error",
                    "findings",
                    "unknown_clients",
                ]
            )
            from portal.partners.models import AuditAction
            from portal.partners.services import audit_record

            audit_record(
                office=office,
                actor=None,
                action=AuditAction.PACKAGE_IMPORTED,
                clients=client_ids,
                partner_office_number=record.sender_office_number,
                detail={"received_id": record.pk, "unit_kind": record.unit_kind, "client_count": len(client_ids)},
            )
    except ImportRejected as exc:
        ReceivedPackage.objects.filter(pk=record.pk).update(
            status=InboxStatus.REJECTED, error=str(exc), findings=exc.findings[:500]
        )
        log.info("office %s: received %s rejected", office.pk, record.pk)
        return InboxStatus.REJECTED
    except NeedsClients as exc:
        ReceivedPackage.objects.filter(pk=record.pk).update(
            status=InboxStatus.PENDING_CLIENT,
            unknown_clients=exc.unknown,
            error="登録されていない利用者がいるため、まだ取り込んでいません。利用者を確認してください。",
        )
        return InboxStatus.PENDING_CLIENT
    except Exception:
        log.exception("office %s: import of received %s failed", office.pk, record.pk)
        ReceivedPackage.objects.filter(pk=record.pk).update(
            status=InboxStatus.REJECTED,
            error="取込中に予期しないエラーが発生したため、取り込んでいません（何も変更していません）。",
        )
        return InboxStatus.REJECTED
    return InboxStatus.IMPORTED


def package_retry(*, office, received: ReceivedPackage) -> str | None:
    """Run the import of a pending or rejected package again (after matching 利用者 or partnering)."""
    if received.status not in (InboxStatus.PENDING_CLIENT, InboxStatus.REJECTED) or not received.content:
        return None
    if received.channel == Channel.HUB and received.error.startswith("パッケージの検証に失敗"):
        return None
    content = bytes(received.content)
    if sealing.is_sealed(content):  # kept unopened (the sender was not a partner then)
        try:
            envelope = sealing.read_envelope(content)
        except sealing.SealError:
            return None
        if not _is_partner(office, envelope.sender_office):
            return None
        values = _opened(office, envelope, str(received.package_id))
        values.pop("_files", None)
        if values["status"] == InboxStatus.REJECTED:
            ReceivedPackage.objects.filter(pk=received.pk).update(**values)
            return InboxStatus.REJECTED
        ReceivedPackage.objects.filter(pk=received.pk, status=received.status).update(**values)
        return package_import(office=office, received_pk=received.pk)
    ReceivedPackage.objects.filter(pk=received.pk, status=received.status).update(status=InboxStatus.RECEIVED)
    return package_import(office=office, received_pk=received.pk)


def _members(record: ReceivedPackage) -> list[tuple[str, bytes]]:
    """The standard files of a stored package (Renkei's own ZIP of an upload, or a verified hub package)."""
    with zipfile.ZipFile(io.BytesIO(bytes(record.content))) as zf:
        return [(n, zf.read(n)) for n in zf.namelist() if n.upper().endswith(".CSV")]


def _import(office, record: ReceivedPackage) -> list[int]:
    from portal.partners.services import partnership_for

    if record.status != InboxStatus.IMPORTING:
        raise ImportRejected("取り込めない状態です。")
    members = _members(record)
    if not members:
        raise ImportRejected("パッケージに標準仕様のCSVファイルがありません。")
    parsed, findings = read_unit(members)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise ImportRejected(
            f"標準仕様のチェックでエラーが{len(errors)}件見つかったため、取り込んでいません（何も変更していません）。",
            [finding_json(f) for f in findings],
        )
    names = [pf.file_name for pf in parsed]
    if len({n.unit_key for n in names}) != 1:
        raise ImportRejected("1つの送信単位（同じファイル連番）ではないファイルが含まれています。")
    by_prefix = {pf.file_name.prefix: pf for pf in parsed}
    hosoku = by_prefix.get("UPHOSOKU")
    kind = unit_kind_of(by_prefix, hosoku.file_name.month if hosoku else None)
    fn = names[0]
    if kind not in UnitKind.values:
        raise ImportRejected("この送信単位の種類（介護予防の計画など）は取り込みに対応していません。")
    allowed = CARE_MANAGEMENT_RECEIVES if office.is_care_management else PROVIDER_RECEIVES
    if kind not in allowed:
        who = (
            "サービス事業所から居宅介護支援事業所"
            if kind in CARE_MANAGEMENT_RECEIVES
            else "居宅介護支援事業所からサービス事業所"
        )
        raise ImportRejected(f"「{UnitKind(kind).label}」は{who}へ送るデータのため、この事業所では取り込めません。")
    if fn.recipient_office != office.office_number:
        raise ImportRejected(f"送信先事業所番号（{fn.recipient_office}）がこの事業所と違います。")
    if partnership_for(office=office, sender_office_number=fn.sender_office) is None:
        raise ImportRejected(
            f"送信元の事業所（{fn.sender_office}）は連携先に登録されていないため、取り込んでいません。"
            "「連携先」で登録してから「もう一度取り込む」を押してください。"
        )
    if record.unit_kind != kind or record.sequence != fn.sequence:
        ReceivedPackage.objects.filter(pk=record.pk).update(unit_kind=kind, sequence=fn.sequence)
    rows = {p: pf.rows for p, pf in by_prefix.items()}
    record.warnings = [finding_json(f) for f in findings]  # kept on the record when the import succeeds
    return APPLY[kind](office=office, fn=fn, rows=rows, record=record)


# --------------------------------------------------------------------------- 利用者


def _resolve(office, keys: list[tuple[str, str]], rows: dict) -> dict[tuple[str, str], object]:
    from portal.clients.models import Client

    wanted = set(keys)
    found = {
        (c.insurer_number, c.insured_number): c
        for c in Client.objects.filter(office=office, insured_number__in={k[1] for k in wanted})
    }
    found = {k: v for k, v in found.items() if k in wanted}
    missing = wanted - set(found)
    if missing:
        for alias in ClientAlias.objects.filter(
            office=office, insured_number__in={k[1] for k in missing}
        ).select_related("client"):
            key = (alias.insurer_number, alias.insured_number)
            if key in missing:
                found[key] = alias.client
    unknown = [k for k in keys if k not in found]
    if unknown:
        names = {}
        for row in rows.get("UPHOSOKU", []):
            names[(row[1], row[2])] = {"kana": row[4], "name": row[5], "sex": row[6], "birth_date": row[7]}
        seen, out = set(), []
        for k in unknown:
            if k in seen:
                continue
            seen.add(k)
            out.append({"insurer_number": k[0], "insured_number": k[1], **names.get(k, {})})
        raise NeedsClients(out)
    return found


def _keys(rows: list[list[str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for r in rows:
        k = (r[1], r[2])
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def _date(value: str) -> dt.date:
    return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))


# --------------------------------------------------------------------------- applying


def _apply_plan(*, office, fn, rows, record) -> list[int]:
    table1 = rows["UP1KYO"]
    clients = _resolve(office, _keys(table1), rows)
    ids = []
    for r in table1:
        client = clients[(r[1], r[2])]
        plan_date = r[13]
        existing = ReceivedPlan.objects.filter(
            office=office, client=client, sender_office_number=fn.sender_office, plan_date=_date(plan_date)
        ).first()
        if existing is not None and existing.sequence > fn.sequence:
            continue  # a newer version was already imported
        key = (r[1], r[2], plan_date)
        values = {
            "sequence": fn.sequence,
            "package": record,
            "table1": r,
            "table2": [x for x in rows.get("UP2KYO", []) if (x[1], x[2], x[4]) == key],
            "table3": [x for x in rows.get("UP3KYO", []) if (x[1], x[2], x[4]) == key],
            "hosoku": next(({"row": x} for x in rows.get("UPHOSOKU", []) if (x[1], x[2], x[3]) == key), {}),
        }
        ReceivedPlan.objects.update_or_create(
            office=office,
            client=client,
            sender_office_number=fn.sender_office,
            plan_date=_date(plan_date),
            defaults=values,
        )
        ids.append(client.pk)
    return sorted(set(ids))


def _apply_plan_delete(*, office, fn, rows, record) -> list[int]:
    ids = []
    for r in rows["DLT1KYO"]:
        from portal.clients.models import Client

        client = Client.objects.filter(office=office, insurer_number=r[1], insured_number=r[2]).first()
        if client is None:
            alias = ClientAlias.objects.filter(office=office, insurer_number=r[1], insured_number=r[2]).first()
            client = alias.client if alias else None
        if client is None:
            continue  # nothing of this 利用者 was received: nothing to delete
        ReceivedPlan.objects.filter(
            office=office,
            client=client,
            sender_office_number=fn.sender_office,
            plan_date=_date(r[3]),
            sequence__lt=fn.sequence,
        ).delete()  # 2表/3表 go with it
        ids.append(client.pk)
    return sorted(set(ids))


def _line_key(provider, code, start, end, prorated, tais, notified, equipment) -> tuple:
    return (provider, code, start, end, prorated or "", tais or "", notified or "", equipment or "")


def _over30_flags(flags: list[str]) -> str:
    """31 characters 0/1 of the days received with ３０日超区分 1, or "" when there is none."""
    return "".join(flags) if "1" in flags else ""


def _received_discounts(annex_rows: list[list[str]]) -> dict[tuple[str, str], int]:
    """割引後率 (第7表 No.14) per (事業所番号, サービスコード) of the detail rows of a received 第7表."""
    out = {}
    for r in annex_rows:
        if r[13] and r[13].isdigit() and r[6] != "9999999999":
            out[(r[6], r[8])] = int(r[13])
    return out


def _apply_schedule(*, office, fn, rows, record) -> list[int]:
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    month = _month_date(fn.month)
    plan_rows = rows["UPPLAN"]
    clients = _resolve(office, _keys(plan_rows), rows)
    by_client: dict = defaultdict(list)
    for r in plan_rows:
        by_client[(r[1], r[2])].append(r)
    ids = []
    for key, records in by_client.items():
        client = clients[key]
        received = ReceivedSchedule.objects.filter(
            office=office, client=client, month=month, sender_office_number=fn.sender_office
        ).first()
        if received is not None and received.sequence > fn.sequence:
            continue
        schedule, created = ServiceSchedule.objects.get_or_create(
            client=client,
            month=month,
            defaults={"created_on": _date(records[0][3]), "updated_by_name": f"受信（{fn.sender_office}）"},
        )
        new: dict[tuple, dict] = {}
        annex = [r for r in rows.get("UPSIKYU", []) if (r[1], r[2]) == key]
        discounts = _received_discounts(annex)
        for r in records:
            k = _line_key(r[19], r[14], r[11], r[12], r[10], r[15], r[16], r[17])
            line = new.setdefault(
                k,
                {
                    "days": [0] * 31,
                    "name": r[20],
                    "units": None,
                    "satellite": r[21] or "",
                    "discount": discounts.get((r[19], r[14])),
                    "over30": ["0"] * 31,
                },
            )
            day = int(r[9][6:8])
            line["days"][day - 1] += int(r[13] or 0)
            if r[22] == "1":
                line["over30"][day - 1] = "1"
            if r[14][:2] in ("17", "67") and r[7]:
                line["units"] = int(r[7])
        before = next((int(r[8]) for r in records if r[8] and r[8].isdigit()), None)
        existing = (
            {}
            if created
            else {
                _line_key(
                    x.provider_office_number,
                    x.service_code,
                    x.start_time,
                    x.end_time,
                    x.prorated_days,
                    x.tais_code,
                    x.notified_code,
                    x.equipment_name,
                ): x
                for x in schedule.lines.all()
            }
        )
        to_create = []
        order = 0
        for k, v in new.items():
            order += 1
            line = existing.pop(k, None)
            if line is not None:
                line.planned_days = v["days"]
                line.provider_name = (v["name"] or line.provider_name)[:100]
                line.units_entered = v["units"] if v["units"] is not None else line.units_entered
                line.sort_order = order
                line.satellite_branch, line.discount_rate = v["satellite"][:2], v["discount"]
                line.over30_received = _over30_flags(v["over30"])
                line.save(
                    update_fields=[
                        "planned_days",
                        "provider_name",
                        "units_entered",
                        "sort_order",
                        "satellite_branch",
                        "discount_rate",
                        "over30_received",
                    ]
                )
            else:
                provider, code, start, end, prorated, tais, notified, equipment = k
                to_create.append(
                    ServiceScheduleLine(
                        schedule=schedule,
                        sort_order=order,
                        provider_office_number=provider,
                        provider_name=(v["name"] or "")[:100],
                        service_type_code=code[:2],
                        service_item_code=code[2:],
                        start_time=start,
                        end_time=end,
                        planned_days=v["days"],
                        actual_days=[0] * 31,
                        prorated_days=prorated,
                        units_entered=v["units"],
                        tais_code=tais,
                        notified_code=notified,
                        equipment_name=equipment[:100],
                        satellite_branch=v["satellite"][:2],
                        discount_rate=v["discount"],
                        over30_received=_over30_flags(v["over30"]),
                    )
                )
        ServiceScheduleLine.objects.bulk_create(to_create)
        if schedule.short_stay_days_before != before:
            ServiceSchedule.objects.filter(pk=schedule.pk).update(short_stay_days_before=before)
        for line in existing.values():  # lines no longer planned: keep those with 実績 as unplanned visits
            if line.actual_total:
                line.planned_days = [0] * 31
                line.save(update_fields=["planned_days"])
            else:
                line.delete()
        if not created:
            ServiceSchedule.objects.filter(pk=schedule.pk).update(
                version=schedule.version + 1, updated_by_name=f"受信（{fn.sender_office}）"
            )
        hosoku = next((r for r in rows.get("UPHOSOKU", []) if (r[1], r[2]) == key), None)
        ReceivedSchedule.objects.update_or_create(
            office=office,
            client=client,
            month=month,
            sender_office_number=fn.sender_office,
            defaults={
                "sequence": fn.sequence,
                "package": record,
                "schedule": schedule,
                "annex": annex,
                "hosoku": {"row": hosoku, "planner": records[0][6]},
            },
        )
        ids.append(client.pk)
    return sorted(set(ids))


def _apply_schedule_delete(*, office, fn, rows, record) -> list[int]:
    from portal.schedules.models import ServiceSchedule

    ids = []
    for r in rows["DLTPLAN"]:
        month = _month_date(r[3])
        received = (
            ReceivedSchedule.objects.filter(
                office=office,
                client__insurer_number=r[1],
                client__insured_number=r[2],
                month=month,
                sender_office_number=fn.sender_office,
            )
            .select_related("client")
            .first()
        )
        if received is None or received.sequence > fn.sequence:
            continue
        schedule = ServiceSchedule.objects.filter(client=received.client, month=month).first()
        if schedule is not None:
            for line in schedule.lines.all():
                if line.actual_total:
                    line.planned_days = [0] * 31
                    line.save(update_fields=["planned_days"])
                else:
                    line.delete()
            if not schedule.lines.exists():
                schedule.delete()
        ids.append(received.client_id)
        received.delete()  # the 7表 and 補足 with it
    return sorted(set(ids))


def _stale_actual(office, client, month, provider, kind, sequence) -> bool:
    source = ActualSource.objects.filter(
        office=office, client=client, month=month, provider_office_number=provider, service_type_code=kind
    ).first()
    if source is not None and source.sequence > sequence:
        return True
    ActualSource.objects.update_or_create(
        office=office,
        client=client,
        month=month,
        provider_office_number=provider,
        service_type_code=kind,
        defaults={"sequence": sequence},
    )
    return False


def _clear_actuals(lines: list, provider: str, kind: str) -> list:
    """Zero the 実績 of one provider + kind (a 実績 file always carries all of it); lines that were
    only 実績 (unplanned visits) are deleted. Returns the remaining lines (changed in memory)."""
    kept = []
    for line in lines:
        if line.provider_office_number == provider and line.service_type_code == kind:
            if not line.planned_total:
                line.delete()
                continue
            line.actual_days = [0] * 31
        kept.append(line)
    return kept


def _timed(start: str, end: str) -> bool:
    return any(t and t != "9999" for t in (start, end))


def _apply_actual(*, office, fn, rows, record) -> list[int]:
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    month = _month_date(fn.month)
    provider = fn.sender_office
    actual_rows = rows["UPJSK"]
    clients = _resolve(office, _keys(actual_rows), rows)
    by_client: dict = defaultdict(list)
    for r in actual_rows:
        by_client[(r[1], r[2])].append(r)
    ids = []
    for key, records in by_client.items():
        client = clients[key]
        kinds = sorted({r[14][:2] for r in records})
        if any([_stale_actual(office, client, month, provider, k, fn.sequence) for k in kinds]):
            continue
        schedule, _ = ServiceSchedule.objects.get_or_create(
            client=client,
            month=month,
            defaults={"created_on": timezone.localdate(), "updated_by_name": f"実績受信（{provider}）"},
        )
        lines = list(schedule.lines.all())
        for k in kinds:
            lines = _clear_actuals(lines, provider, k)
        new_lines: list = []
        for r in records:
            code, start, end, day, count = r[14], r[11], r[12], int(r[9][6:8]), int(r[13] or 0)
            candidates = [
                x for x in lines + new_lines if x.provider_office_number == provider and x.service_code == code
            ]
            # a visit at other times than every timed line of the code (時間変更) is a line of its own, so that
            # 予実の比較 shows the planned time missing and the actual time added; untimed rows or lines match loosely
            loose = [x for x in candidates if not (_timed(start, end) and _timed(x.start_time, x.end_time))]
            line = (
                next((x for x in candidates if x.start_time == start and x.end_time == end), None)
                or next((x for x in loose if x.planned_days[day - 1]), None)
                or (loose[0] if loose else None)
            )
            if line is None:
                line = ServiceScheduleLine(
                    schedule=schedule,
                    sort_order=900 + len(new_lines),
                    provider_office_number=provider,
                    provider_name=(r[20] or "")[:100],
                    service_type_code=code[:2],
                    service_item_code=code[2:],
                    start_time=start,
                    end_time=end,
                    planned_days=[0] * 31,
                    actual_days=[0] * 31,
                    tais_code=r[15] or "",
                    notified_code=r[16] or "",
                    equipment_name=(r[17] or "")[:100],
                    satellite_branch=(r[21] or "")[:2],
                )
                new_lines.append(line)
            elif r[21] and line.satellite_branch != r[21][:2]:
                line.satellite_branch = r[21][:2]
                if line.pk:
                    ServiceScheduleLine.objects.filter(pk=line.pk).update(satellite_branch=line.satellite_branch)
            line.actual_days = list(line.actual_days)
            line.actual_days[day - 1] += count
        for line in lines:
            if line.provider_office_number == provider and line.service_type_code in kinds:
                line.save(update_fields=["actual_days"])
        ServiceScheduleLine.objects.bulk_create(new_lines)
        ServiceSchedule.objects.filter(pk=schedule.pk).update(version=schedule.version + 1)
        ids.append(client.pk)
    return sorted(set(ids))


def _apply_actual_delete(*, office, fn, rows, record) -> list[int]:
    from portal.schedules.models import ServiceSchedule

    ids = []
    for r in rows["DLTJSK"]:
        month, provider, kind = _month_date(r[3]), r[4], r[5]
        schedule = ServiceSchedule.objects.filter(
            client__office=office, client__insurer_number=r[1], client__insured_number=r[2], month=month
        ).first()
        if schedule is None or _stale_actual(office, schedule.client, month, provider, kind, fn.sequence):
            continue
        for line in _clear_actuals(list(schedule.lines.all()), provider, kind):
            if line.provider_office_number == provider and line.service_type_code == kind:
                line.save(update_fields=["actual_days"])
        ids.append(schedule.client_id)
    return sorted(set(ids))


APPLY = {
    UnitKind.PLAN: _apply_plan,
    UnitKind.PLAN_DELETE: _apply_plan_delete,
    UnitKind.SCHEDULE: _apply_schedule,
    UnitKind.SCHEDULE_DELETE: _apply_schedule_delete,
    UnitKind.ACTUAL: _apply_actual,
    UnitKind.ACTUAL_DELETE: _apply_actual_delete,
}


# --------------------------------------------------------------------------- matching 利用者


def client_match(*, office, received: ReceivedPackage, insurer_number: str, insured_number: str, client) -> None:
    """Link a received 保険者番号 + 被保険者番号 to one of the office's 利用者, then retry the import."""
    ClientAlias.objects.update_or_create(
        office=office, insurer_number=insurer_number, insured_number=insured_number, defaults={"client": client}
    )


def client_register_from(*, office, entry: dict):
    """Register a new 利用者 from the 利用者補足情報 that came with the package."""
    from portal.clients.services import client_create

    kana = (entry.get("kana") or "").replace(" ", "\u3000").split("\u3000", 1)
    name = (entry.get("name") or "").replace(" ", "\u3000").split("\u3000", 1)
    birth = entry.get("birth_date") or ""
    data = {
        "family_name": name[0][:30] or "（氏名不明）",
        "given_name": (name[1] if len(name) > 1 else "")[:30] or "－",
        "family_name_kana": kana[0][:60] or "フメイ",
        "given_name_kana": (kana[1] if len(kana) > 1 else "")[:60] or "フメイ",
        "sex": entry.get("sex") or "1",
        "birth_date": _date(birth) if len(birth) == 8 and birth.isdigit() else dt.date(1900, 1, 1),
        "insurer_number": entry["insurer_number"],
        "insured_number": entry["insured_number"],
    }
    return client_create(office=office, data=data)
