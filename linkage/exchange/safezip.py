"""Safe unzipping of ZIP files that people upload (the national client's download, Renkei's own).

Pure Python (no Django). :func:`unzip` returns the members as ``[(name, bytes)]`` or raises
:class:`UnsafeZip` with a Japanese message, before anything is kept, when the archive is not
what a send unit's ZIP looks like:

- more than ``max_members`` files, a member larger than ``max_member_bytes``, more than
  ``max_total_bytes`` in all, or a member that expands more than ``max_ratio`` times (a
  "ZIP bomb"). Sizes are checked on the declared sizes *and* while reading, so an archive that
  lies about its sizes is stopped after at most the limit;
- a member with a path (folders, ``..``, absolute or drive names), a link, an encrypted member,
  a nested ZIP or two members with the same name.

Limits are arguments so that other callers can pass their own.
"""

from __future__ import annotations

import io
import stat
import zipfile

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, checked for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024


class UnsafeZip(ValueError):
    """The archive is refused as a whole; ``str(error)`` says why in Japanese."""


def looks_like_zip(name: str, data: bytes) -> bool:
    return name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: Japanese Windows writes MS932 names
        try:
            name = name.encode("cp437").decode("cp932")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def unzip(
    data: bytes,
    *,
    zip_name: str = "ZIP",
    max_members: int = MAX_MEMBERS,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> list[tuple[str, bytes]]:
    """The members of ``data`` as ``[(name, bytes)]`` in archive order; raises :class:`UnsafeZip`."""
    label = f"ZIPファイル「{zip_name}」"
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise UnsafeZip(f"{label}はZIPファイルとして読めません（壊れているか、ZIP以外のファイルです）。") from None
    if not infos:
        raise UnsafeZip(f"{label}にファイルが入っていません。")
    if len(infos) > max_members:
        raise UnsafeZip(f"{label}に{len(infos)}個のファイルがあります。1つのZIPは{max_members}ファイルまでです。")
    names: set[str] = set()
    declared = 0
    for info in infos:
        name = _member_name(info)
        mode = info.external_attr >> 16
        if "/" in name or "\\" in name or ":" in name or name in (".", "..") or not name.strip():
            raise UnsafeZip(
                f"{label}の「{name}」はフォルダ付きの名前です。フォルダを使わず、CSVファイルだけを直接ZIPにしてください。"
            )
        if stat.S_ISLNK(mode):
            raise UnsafeZip(f"{label}の「{name}」はリンク（シンボリックリンク）です。リンクは取り込めません。")
        if info.flag_bits & 0x1:
            raise UnsafeZip(f"{label}の「{name}」はパスワード付き（暗号化）です。パスワードなしのZIPにしてください。")
        if name.lower().endswith(".zip"):
            raise UnsafeZip(f"{label}の中にZIPファイル「{name}」があります。ZIPの中のZIPは取り込めません。")
        if name in names:
            raise UnsafeZip(f"{label}に同じ名前のファイル「{name}」が2つあります。")
        names.add(name)
        if info.file_size > max_member_bytes:
            raise UnsafeZip(
                f"{label}の「{name}」は展開すると大きすぎます（1ファイル{max_member_bytes // (1024 * 1024)}MBまで）。"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnsafeZip(f"{label}の「{name}」は圧縮率が異常に高いため（ZIP爆弾の疑い）、取り込みません。")
        declared += info.file_size
        if declared > max_total_bytes:
            raise UnsafeZip(f"{label}は展開すると大きすぎます（合計{max_total_bytes // (1024 * 1024)}MBまで）。")
    out: list[tuple[str, bytes]] = []
    total = 0
    for info in infos:
        name = _member_name(info)
        limit = min(max_member_bytes, max_total_bytes - total, max(info.file_size, 0))
        buffer = bytearray()
        try:
            with zf.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    buffer += chunk
                    if len(buffer) > limit:
                        raise UnsafeZip(
                            f"{label}の「{name}」は申告された大きさより大きく展開されます。取り込みません。"
                        )
        except UnsafeZip:
            raise
        except (zipfile.BadZipFile, RuntimeError, ValueError, EOFError, NotImplementedError, OSError) as exc:
            raise UnsafeZip(f"{label}の「{name}」を展開できません（{type(exc).__name__}）。") from None
        total += len(buffer)
        out.append((name, bytes(buffer)))
    return out
