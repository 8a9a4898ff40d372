"""The hub's HTTP API (JSON; sealed package bodies as application/octet-stream). See openapi.json beside this file.

The hub reads only the outside of a sealed package (linkage.signing.sealing): routing data and the
sender's signature. The signed standard CSVs inside are encrypted to the recipient office.

Size: kept as one module (over ~400 lines) because every endpoint of the hub API in one module, so that it can
be read against openapi.json endpoint by endpoint.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import logging
import random
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from linkage.hub import protocol
from linkage.hub.models import STATUS_ORDER, HubCertificate, HubPackage, Nonce, PackageStatus
from linkage.signing import pki, sealing

log = logging.getLogger(__name__)
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_OFFICE_RE = re.compile(r"^\d{10}$")
_FPR_RE = re.compile(r"^[0-9a-f]{64}$")


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False})


_roots_cache: dict = {}


def trusted_roots():
    paths = (settings.RENKEI_TRUSTED_CA_FILE, getattr(settings, "RENKEI_ISSUING_CA_CERT_FILE", ""))
    key = []
    for path in paths:
        try:
            key.append((path, Path(path).stat().st_mtime if path else None))
        except OSError:
            key.append((path, None))
    key = tuple(key)
    if key not in _roots_cache:
        _roots_cache.clear()
        _roots_cache[key] = pki.load_trusted_roots(*paths)
    return _roots_cache[key]


REVOKED_MESSAGE = (
    "この電子証明書は失効しています（失効させた証明書・新しい証明書に置き換えた証明書は使えません）。"
    "新しい証明書を登録してください。"
)


def max_package_bytes() -> int:
    return int(getattr(settings, "HUB_MAX_PACKAGE_BYTES", 8 * 1024 * 1024))


class AuthError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _authenticate(request, *, certificate=None):
    """Check the signed-request headers; return (office_number, certificate). Raises AuthError."""
    h = request.headers
    office, fpr = h.get(protocol.H_OFFICE, ""), h.get(protocol.H_CERT, "").lower()
    timestamp, nonce, signature = (
        h.get(protocol.H_TIMESTAMP, ""),
        h.get(protocol.H_NONCE, ""),
        h.get(protocol.H_SIGNATURE, ""),
    )
    if not (
        _OFFICE_RE.match(office) and _FPR_RE.match(fpr) and timestamp.isdigit() and _NONCE_RE.match(nonce) and signature
    ):
        raise AuthError("unauthenticated", "署名付きリクエストのヘッダーがありません。")
    if abs(timezone.now().timestamp() - int(timestamp)) > protocol.CLOCK_SKEW_SECONDS:
        raise AuthError("clock_skew", "リクエストの時刻がずれています（許容 ±300 秒）。")
    if certificate is None:
        record = HubCertificate.objects.filter(fingerprint=fpr).first()
        if record is None:
            raise AuthError("unknown_certificate", "この証明書は連携基盤に登録されていません。")
        certificate = pki.load_pem_certificate(record.certificate_pem)
    elif pki.fingerprint(certificate) != fpr:
        raise AuthError("unauthenticated", "証明書のフィンガープリントが一致しません。")
    else:
        record = HubCertificate.objects.filter(fingerprint=fpr).first()
    if record is not None and record.is_revoked(timezone.now()):
        raise AuthError("revoked_certificate", REVOKED_MESSAGE)
    if pki.office_number_of(certificate) != office:
        raise AuthError("wrong_office", "証明書が名乗った事業所のものではありません。")
    if certificate.not_valid_after_utc <= timezone.now():
        raise AuthError("expired_certificate", "証明書の有効期限が切れています。")
    try:
        raw = base64.b64decode(signature, validate=True)
        pki.verify_signature(
            certificate,
            raw,
            protocol.canonical(request.method, request.get_full_path(), timestamp, nonce, request.body),
        )
    except (binascii.Error, ValueError, pki.SignatureError):
        raise AuthError("bad_signature", "リクエストの署名を確認できません。") from None
    try:
        with transaction.atomic():
            Nonce.objects.create(fingerprint=fpr, nonce=nonce)
    except IntegrityError:
        raise AuthError("replay", "同じリクエストが再送されました（nonce の再利用）。") from None
    if random.random() < 0.02:
        cutoff = timezone.now() - dt.timedelta(seconds=2 * protocol.CLOCK_SKEW_SECONDS + 60)
        Nonce.objects.filter(created_at__lt=cutoff).delete()
    return office, certificate


def _drain(request, length: int) -> None:
    if length > 16 * max_package_bytes():
        return
    try:
        while request.read(64 * 1024):
            pass
    except OSError:
        pass


def signed(view):
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_package_bytes():  # refused unread: drained in chunks (bounded memory), then answered
            _drain(request, length)
            return error(413, "too_large", f"パッケージが大きすぎます（上限 {max_package_bytes() / 2**20:.1f} MB）。")
        try:
            office, _cert = _authenticate(request)
        except AuthError as exc:
            return error(401, exc.code, str(exc))
        request.hub_office = office
        return view(request, *args, **kwargs)

    return wrapper


def _iso(value):
    return value.isoformat() if value else None


def retention_days() -> int:
    return int(getattr(settings, "HUB_RETENTION_DAYS", 30))


def package_json(p: HubPackage) -> dict:
    delete_after = p.acknowledged_at + dt.timedelta(days=retention_days()) if p.acknowledged_at else None
    return {
        "package_id": str(p.package_id),
        "sender_office": p.sender_office,
        "sender_kind": p.sender_kind,
        "recipient_office": p.recipient_office,
        "recipient_kind": p.recipient_kind,
        "unit_kind": p.unit_kind,
        "sequence": p.sequence,
        "month": p.month or None,
        "sha256": p.sha256,
        "size": p.size,
        "status": p.status,
        "status_detail": p.status_detail,
        "submitted_at": _iso(p.submitted_at),
        "received_at": _iso(p.received_at),
        "imported_at": _iso(p.imported_at),
        "updated_at": _iso(p.updated_at),
        "acknowledged_at": _iso(p.acknowledged_at),
        "delete_after": _iso(delete_after),
        "deleted_at": _iso(p.deleted_at),
    }


# --------------------------------------------------------------------------- endpoints


@require_GET
def health(request):
    HubPackage.objects.exists()
    return JsonResponse({"status": "ok"})


@require_GET
def openapi(request):
    return HttpResponse((Path(__file__).with_name("openapi.json")).read_bytes(), content_type="application/json")


@csrf_exempt
@require_POST
def certificate_register(request):
    """Register the caller's certificate (PEM body), proving possession by signing this request."""
    try:
        cert = pki.load_pem_certificate(request.body)
    except pki.CertificateError:
        return error(400, "bad_certificate", "証明書（PEM）を読み取れません。")
    try:
        pki.verify_chain(cert, trusted_roots())
    except pki.CertificateError as exc:
        return error(422, "untrusted_certificate", str(exc))
    if pki.office_number_of(cert) is None:
        return error(422, "certificate_office", "証明書に事業所番号（serialNumber）がありません。")
    try:
        office, _ = _authenticate(request, certificate=cert)
    except AuthError as exc:
        return error(401, exc.code, str(exc))
    with transaction.atomic():
        record, created = HubCertificate.objects.get_or_create(
            fingerprint=pki.fingerprint(cert),
            defaults={
                "office_number": office,
                "certificate_pem": pki.certificate_pem(cert),
                "not_after": cert.not_valid_after_utc,
            },
        )
        if created:  # a new certificate replaces the office's previous ones after the overlap
            overlap = dt.timedelta(hours=float(getattr(settings, "HUB_CERTIFICATE_OVERLAP_HOURS", 24)))
            HubCertificate.objects.filter(office_number=office, revoked_at__isnull=True).exclude(pk=record.pk).update(
                revoked_at=timezone.now() + overlap, revocation_reason="superseded"
            )
    log.info("hub certificate %s registered for an office (created=%s)", record.fingerprint[:16], created)
    return JsonResponse(certificate_json(record), status=201 if created else 200)


def certificate_json(record: HubCertificate, *, with_pem: bool = False) -> dict:
    now = timezone.now()
    data = {
        "fingerprint": record.fingerprint,
        "office_number": record.office_number,
        "not_after": _iso(record.not_after),
        "registered_at": _iso(record.registered_at),
        "revokes_at": _iso(record.revoked_at) if record.revoked_at and record.revoked_at > now else None,
        "revoked_at": _iso(record.revoked_at) if record.is_revoked(now) else None,
        "revocation_reason": record.revocation_reason,
    }
    if with_pem:
        data["certificate_pem"] = record.certificate_pem
    return data


@signed
@require_GET
def office_certificates(request, office_number):
    """The current (unrevoked, unexpired) certificates of an office: senders encrypt packages to them."""
    now = timezone.now()
    if not _OFFICE_RE.match(str(office_number)):
        return error(400, "bad_request", "事業所番号は10桁の数字です。")
    rows = (
        HubCertificate.objects.filter(office_number=office_number, not_after__gt=now)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        .order_by("-registered_at", "-id")[:8]
    )
    return JsonResponse(
        {"office_number": office_number, "certificates": [certificate_json(r, with_pem=True) for r in rows]}
    )


@signed
@require_POST
def certificate_revoke(request, fingerprint):
    """An office revokes one of its own certificates (at once; it cannot be registered again)."""
    record = HubCertificate.objects.filter(
        fingerprint=str(fingerprint).lower(), office_number=request.hub_office
    ).first()
    if record is None:
        return error(404, "not_found", "この事業所の証明書が見つかりません。")
    try:
        data = json.loads(request.body or b"{}")
        reason = str(data.get("reason", "") if isinstance(data, dict) else "")[:200]
    except (ValueError, RecursionError):
        return error(400, "bad_request", '本文は JSON（{"reason": "…"}）です。')
    revoke_certificate(record, reason or "revoked_by_office")
    return JsonResponse(certificate_json(record), json_dumps_params={"ensure_ascii": False})


def revoke_certificate(record: HubCertificate, reason: str) -> HubCertificate:
    now = timezone.now()
    if record.revoked_at is None or record.revoked_at > now:
        record.revoked_at = now
        record.revocation_reason = reason[:200]
        record.save(update_fields=["revoked_at", "revocation_reason"])
        log.info("hub certificate %s revoked", record.fingerprint[:16])
    return record


@signed
@require_GET
def revocations(request):
    """The revocation list: every revoked certificate (fingerprint, office, since when, why)."""
    now = timezone.now()
    rows = HubCertificate.objects.filter(revoked_at__lte=now).order_by("-revoked_at", "-id")[:5000]
    return JsonResponse(
        {
            "revoked": [
                {
                    "fingerprint": r.fingerprint,
                    "office_number": r.office_number,
                    "revoked_at": _iso(r.revoked_at),
                    "reason": r.revocation_reason,
                }
                for r in rows
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@signed
@require_POST
def package_submit(request):
    """Keep a sealed package: only its outside is read (routing data, the sender's signature);
    the signed package inside is encrypted to the recipient and the hub cannot read it."""
    body = request.body
    try:
        envelope = sealing.read_envelope(body)
        sealing.verify_envelope(envelope, roots=trusted_roots())
    except sealing.SealError as exc:
        log.info("hub refused a package from %s: %s", request.hub_office, exc.code)
        return error(422, exc.code, str(exc))
    if envelope.sender_office != request.hub_office:
        return error(403, "not_sender", "送信元事業所と認証された事業所が一致しません。")
    signer = HubCertificate.objects.filter(fingerprint=pki.fingerprint(envelope.certificate)).first()
    if signer is not None and signer.is_revoked(timezone.now()):
        return error(422, "revoked_certificate", REVOKED_MESSAGE)
    h = envelope.header
    package_id = uuid.UUID(envelope.package_id)
    sha256 = pki.sha256_hex(body)
    existing = HubPackage.objects.filter(package_id=package_id).first()
    if existing is not None:
        return _duplicate(existing, sha256)
    name = f"packages/{envelope.recipient_office}/{package_id}-{sha256[:16]}.sealed"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(body))
    try:
        with transaction.atomic():
            record = HubPackage.objects.create(
                package_id=package_id,
                sender_office=envelope.sender_office,
                sender_kind=h["sender"]["kind"],
                recipient_office=envelope.recipient_office,
                recipient_kind=h["recipient"]["kind"],
                unit_kind=h["unit_kind"][:20],
                sequence=h["sequence"],
                month=h.get("month") or "",
                sha256=sha256,
                size=len(body),
                storage_name=name,
            )
    except IntegrityError:
        return _duplicate(HubPackage.objects.get(package_id=package_id), sha256)
    log.info("hub stored package %s", record.package_id)
    return JsonResponse({**package_json(record), "duplicate": False}, status=201)


def _duplicate(existing: HubPackage, sha256: str):
    if existing.sha256 != sha256:
        return error(409, "conflict", "同じパッケージIDで内容の異なるパッケージがすでに送信されています。")
    return JsonResponse({**package_json(existing), "duplicate": True}, status=200)


@signed
@require_GET
def inbox(request):
    try:
        limit = max(1, min(500, int(request.GET.get("limit", "100"))))
    except ValueError:
        limit = 100
    rows = HubPackage.objects.filter(
        recipient_office=request.hub_office, status=PackageStatus.SUBMITTED, deleted_at__isnull=True
    ).order_by("submitted_at", "id")[:limit]
    return JsonResponse({"packages": [package_json(p) for p in rows]})


def _own_package(request, package_id, *, recipient_only=False):
    try:
        pid = uuid.UUID(str(package_id))
    except ValueError:
        return None
    p = HubPackage.objects.filter(package_id=pid).first()
    if p is None:
        return None
    office = request.hub_office
    if p.recipient_office == office or (not recipient_only and p.sender_office == office):
        return p
    return None


@signed
@require_GET
def package_fetch(request, package_id):
    p = _own_package(request, package_id)
    if p is None:
        return error(404, "not_found", "パッケージが見つかりません。")
    if p.deleted_at is not None:
        if p.acknowledged_at is None:
            return error(
                410, "deleted", "このパッケージは受信の確認がないまま保存期間を過ぎたため、連携基盤から削除しました。"
            )
        return error(
            410,
            "deleted",
            f"このパッケージは受信の確認から{retention_days()}日の保存期間を過ぎたため、連携基盤から削除しました。",
        )
    with default_storage.open(p.storage_name, "rb") as f:
        data = f.read()
    if p.recipient_office == request.hub_office:
        HubPackage.objects.filter(pk=p.pk).update(fetch_count=p.fetch_count + 1)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["X-Renkei-Sha256"] = p.sha256
    return response


@signed
@require_GET
def package_status(request, package_id):
    p = _own_package(request, package_id)
    if p is None:
        return error(404, "not_found", "パッケージが見つかりません。")
    return JsonResponse(package_json(p), json_dumps_params={"ensure_ascii": False})


ACK_MAX_BYTES = 16 * 1024  # {"status": …, "detail": ≤ 4000 characters}


@signed
@require_POST
def package_ack(request, package_id):
    p = _own_package(request, package_id, recipient_only=True)
    if p is None:
        return error(404, "not_found", "パッケージが見つかりません。")
    if len(request.body) > ACK_MAX_BYTES:
        return error(400, "bad_request", "確認の本文が大きすぎます。")
    try:
        data = json.loads(request.body or b"{}")  # deep nesting raises RecursionError: a bad request
        status = PackageStatus(data.get("status"))
        detail = str(data.get("detail", ""))[:4000]
    except (ValueError, TypeError, AttributeError, RecursionError):
        return error(400, "bad_request", "status は received / imported / rejected のいずれかです。")
    if status == PackageStatus.SUBMITTED:
        return error(400, "bad_request", "status は received / imported / rejected のいずれかです。")
    with transaction.atomic():
        p = HubPackage.objects.select_for_update().get(pk=p.pk)
        if STATUS_ORDER[status] > STATUS_ORDER[p.status] or (
            status == PackageStatus.REJECTED and p.status == PackageStatus.RECEIVED
        ):
            now = timezone.now()
            p.status = status
            p.status_detail = detail
            if p.received_at is None:
                p.received_at = now
            if p.acknowledged_at is None:
                p.acknowledged_at = now
            if status == PackageStatus.IMPORTED:
                p.imported_at = now
            p.save()
    return JsonResponse(package_json(p), json_dumps_params={"ensure_ascii": False})


@signed
@require_GET
def sent(request):
    """The caller's sent packages whose status changed after ``updated_after`` (ISO 8601)."""
    qs = HubPackage.objects.filter(sender_office=request.hub_office)
    after = request.GET.get("updated_after")
    if after:
        try:
            when = dt.datetime.fromisoformat(after)
        except ValueError:
            return error(400, "bad_request", "updated_after は ISO 8601 形式の日時です。")
        qs = qs.filter(updated_at__gt=when)
    try:
        limit = max(1, min(1000, int(request.GET.get("limit", "500"))))
    except ValueError:
        limit = 500
    rows = qs.order_by("updated_at", "id")[:limit]
    return JsonResponse({"packages": [package_json(p) for p in rows]}, json_dumps_params={"ensure_ascii": False})
