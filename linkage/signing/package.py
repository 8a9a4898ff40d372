"""Signed packages: one send unit's standard CSV files + a signed manifest, as a ZIP.

Pure Python (no Django). The portal's workers build and open it; on the way through the hub it
travels encrypted inside a sealed package (linkage.signing.sealing), so the hub never opens it.

ZIP members::

    manifest.json   UTF-8 JSON, see :func:`make_manifest`
    manifest.sig    signature over the exact bytes of manifest.json with the sender's private key
    cert.pem        the sender's certificate (subject serialNumber = sender 事業所番号)
    <file>.CSV      the send unit's files, named by the standard (§a-7)

The manifest lists every file with its SHA-256 and size, the ファイル連番, the sender and
recipient office numbers and kinds, the unit kind, the service month and the creation time.
Verification (:func:`open_package`) checks the signature with ``certificate.public_key()``,
the certificate chain against the trusted CA store at the given time, that the certificate
belongs to the sending office, every file's hash and size, and that the files' standard
names agree with the manifest. Anything else in the ZIP is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass

from cryptography import x509

from linkage.signing import pki
from linkage.standard import FileName, FileNameError

FORMAT = "renkei-package/1"
MANIFEST, SIGNATURE, CERTIFICATE = "manifest.json", "manifest.sig", "cert.pem"
MAX_PACKAGE_BYTES = 8 * 1024 * 1024  # a package (compressed); settings.RENKEI_PACKAGE_MAX_BYTES
MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # all its files unpacked; settings.RENKEI_PACKAGE_MAX_UNPACKED_BYTES
MAX_FILES = 64  # standard CSVs in one package; settings.RENKEI_PACKAGE_MAX_FILES
_CHUNK = 256 * 1024
UNIT_KINDS = {"plan", "schedule", "plan_delete", "schedule_delete", "actual", "actual_delete"}
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_OFFICE_RE = re.compile(r"^\d{10}$")
_KIND_RE = re.compile(r"^[0-9A-Z]{2}$")
_SEQ_RE = re.compile(r"^\d{14}$")
_MONTH_RE = re.compile(r"^\d{6}$")


class PackageError(ValueError):
    """A package that is refused. ``str(error)`` is Japanese; ``code`` is machine-readable."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass
class VerifiedPackage:
    manifest: dict
    files: list[tuple[str, bytes]]
    certificate: x509.Certificate
    sha256: str  # of the whole ZIP

    @property
    def package_id(self) -> str:
        return self.manifest["package_id"]

    @property
    def sender_office(self) -> str:
        return self.manifest["sender"]["office_number"]

    @property
    def recipient_office(self) -> str:
        return self.manifest["recipient"]["office_number"]


def new_package_id() -> str:
    return str(uuid.uuid4())


def make_manifest(
    *,
    package_id: str,
    files: list[tuple[str, bytes]],
    sender_office: str,
    sender_kind: str,
    recipient_office: str,
    recipient_kind: str,
    sequence: str,
    unit_kind: str,
    month: str | None,
    created_at: dt.datetime,
) -> bytes:
    manifest = {
        "format": FORMAT,
        "package_id": package_id,
        "unit_kind": unit_kind,
        "sequence": sequence,
        "month": month,
        "sender": {"office_number": sender_office, "kind": sender_kind},
        "recipient": {"office_number": recipient_office, "kind": recipient_kind},
        "created_at": created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": [{"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in files],
    }
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def build_package(
    *,
    files: list[tuple[str, bytes]],
    key,
    certificate: x509.Certificate,
    package_id: str,
    sender_office: str,
    sender_kind: str,
    recipient_office: str,
    recipient_kind: str,
    sequence: str,
    unit_kind: str,
    month: str | None,
    created_at: dt.datetime,
) -> bytes:
    """Sign and pack one send unit. Returns the ZIP bytes."""
    manifest = make_manifest(
        package_id=package_id,
        files=files,
        sender_office=sender_office,
        sender_kind=sender_kind,
        recipient_office=recipient_office,
        recipient_kind=recipient_kind,
        sequence=sequence,
        unit_kind=unit_kind,
        month=month,
        created_at=created_at,
    )
    signature = pki.sign(key, manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(MANIFEST, manifest)
        zf.writestr(SIGNATURE, signature)
        zf.writestr(CERTIFICATE, pki.certificate_pem(certificate))
        for name, data in files:
            zf.writestr(name, data)
    return buffer.getvalue()


def _refuse(message: str, code: str):
    raise PackageError(message, code)


def _read_zip(
    data: bytes,
    *,
    max_bytes: int = MAX_PACKAGE_BYTES,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    max_files: int = MAX_FILES,
) -> dict[str, bytes]:
    """The members of a package ZIP, refusing (before reading further) a package that is too big,
    has too many files, or unpacks to more than ``max_unpacked`` bytes — counted while unzipping
    in chunks, whatever the ZIP's directory claims, so memory stays bounded by the limit."""
    if not data:
        _refuse("パッケージが空です。", "empty")
    if len(data) > max_bytes:
        _refuse(
            f"パッケージが大きすぎます（{len(data) / 2**20:.1f} MB。上限 {max_bytes / 2**20:.1f} MB）。", "too_large"
        )
    too_big = (
        f"パッケージを展開すると大きすぎるため開きません（上限 {max_unpacked / 2**20:.0f} MB）。"
        "圧縮爆弾の可能性があります。"
    )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        if len(infos) > max_files + 3:
            _refuse(f"パッケージのファイル数が多すぎます（{len(infos)}個。上限 {max_files}個）。", "too_many_files")
        if sum(i.file_size for i in infos) > max_unpacked:
            _refuse(too_big, "too_large_unpacked")
        members: dict[str, bytes] = {}
        total = 0
        for info in infos:
            name = info.filename
            if name in members or "/" in name or "\\" in name or name.startswith(".") or info.is_dir():
                _refuse(f"パッケージに不正なファイル名「{name[:80]}」があります。", "bad_member")
            chunks = []
            with zf.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > max_unpacked:
                        _refuse(too_big, "too_large_unpacked")
                    chunks.append(chunk)
            members[name] = b"".join(chunks)
        return members
    except PackageError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ):
        _refuse("パッケージ（ZIP）が壊れているため読めません。", "bad_zip")
    except Exception:  # noqa: BLE001 - zlib.error and friends: still a broken ZIP
        _refuse("パッケージ（ZIP）が壊れているため読めません。", "bad_zip")


def _check_manifest(raw: bytes) -> dict:
    try:
        m = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        _refuse("マニフェスト（manifest.json）を読めません。", "bad_manifest")
    ok = (
        isinstance(m, dict)
        and m.get("format") == FORMAT
        and isinstance(m.get("package_id"), str)
        and _UUID_RE.match(m["package_id"])
        and m.get("unit_kind") in UNIT_KINDS
        and isinstance(m.get("sequence"), str)
        and _SEQ_RE.match(m["sequence"])
        and (m.get("month") is None or (isinstance(m["month"], str) and _MONTH_RE.match(m["month"])))
        and isinstance(m.get("created_at"), str)
        and all(
            isinstance(m.get(side), dict)
            and isinstance(m[side].get("office_number"), str)
            and _OFFICE_RE.match(m[side]["office_number"])
            and isinstance(m[side].get("kind"), str)
            and _KIND_RE.match(m[side]["kind"])
            for side in ("sender", "recipient")
        )
        and isinstance(m.get("files"), list)
        and 0 < len(m["files"]) <= MAX_FILES
        and all(
            isinstance(f, dict)
            and isinstance(f.get("name"), str)
            and isinstance(f.get("sha256"), str)
            and isinstance(f.get("size"), int)
            for f in m["files"]
        )
    )
    if not ok:
        _refuse("マニフェスト（manifest.json）の形式が正しくありません。", "bad_manifest")
    return m


def open_package(
    data: bytes, *, roots: list[x509.Certificate], now: dt.datetime | None = None, limits: dict | None = None
) -> VerifiedPackage:
    """Verify a package completely; raise :class:`PackageError` (Japanese) at the first problem.

    ``limits``: optional ``max_bytes`` / ``max_unpacked`` / ``max_files`` (defaults above)."""
    members = _read_zip(data, **(limits or {}))
    for required in (MANIFEST, SIGNATURE, CERTIFICATE):
        if required not in members:
            _refuse(f"パッケージに{required}がありません。", "missing_member")
    try:
        cert = x509.load_pem_x509_certificate(members[CERTIFICATE])
    except ValueError:
        _refuse("パッケージの証明書（cert.pem）を読めません。", "bad_certificate")
    try:
        pki.verify_signature(cert, members[SIGNATURE], members[MANIFEST])
    except pki.SignatureError as exc:
        _refuse(f"署名の検証に失敗しました: {exc}", "bad_signature")
    except Exception:  # noqa: BLE001 - malformed signature bytes
        _refuse("署名の検証に失敗しました: 署名の形式が正しくありません。", "bad_signature")
    manifest = _check_manifest(members[MANIFEST])
    try:
        pki.verify_chain(cert, roots, now=now)
    except pki.CertificateError as exc:
        code = "expired_certificate" if exc.code in {"expired", "not_yet_valid"} else "untrusted_certificate"
        _refuse(f"送信元の証明書を確認できません: {exc}", code)
    sender = manifest["sender"]["office_number"]
    if pki.office_number_of(cert) != sender:
        _refuse(
            f"署名した証明書（事業所番号 {pki.office_number_of(cert) or '記載なし'}）が送信元事業所（{sender}）のものではありません。",
            "certificate_office",
        )
    listed = [f["name"] for f in manifest["files"]]
    if len(set(listed)) != len(listed) or set(listed) & {MANIFEST, SIGNATURE, CERTIFICATE}:
        _refuse("マニフェストのファイル一覧が正しくありません。", "bad_manifest")
    extra = set(members) - set(listed) - {MANIFEST, SIGNATURE, CERTIFICATE}
    if extra:
        _refuse("マニフェストにないファイルがパッケージに含まれています。", "extra_member")
    route = (sender, manifest["sender"]["kind"], manifest["recipient"]["office_number"], manifest["recipient"]["kind"])
    files = []
    for entry in manifest["files"]:
        name = entry["name"]
        content = members.get(name)
        if content is None:
            _refuse(f"ファイル「{name[:80]}」がパッケージにありません。", "missing_member")
        if len(content) != entry["size"] or hashlib.sha256(content).hexdigest() != entry["sha256"]:
            _refuse(f"ファイル「{name[:80]}」の内容が署名時と異なります（改ざんまたは破損）。", "tampered")
        try:
            fn = FileName.parse(name)
        except FileNameError:
            _refuse(f"ファイル名「{name[:80]}」が標準仕様の形式ではありません。", "bad_file_name")
        if fn.route != route or fn.sequence != manifest["sequence"]:
            _refuse(
                f"ファイル名「{name[:80]}」の送信元・送信先・ファイル連番がマニフェストと一致しません。",
                "file_name_mismatch",
            )
        files.append((name, content))
    return VerifiedPackage(manifest=manifest, files=files, certificate=cert, sha256=hashlib.sha256(data).hexdigest())


def peek_manifest(data: bytes) -> dict | None:
    """The manifest of a package without verifying anything (for display of refused packages)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            raw = zf.read(MANIFEST)
        m = json.loads(raw.decode("utf-8"))
        return m if isinstance(m, dict) else None
    except Exception:  # noqa: BLE001
        return None
