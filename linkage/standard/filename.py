"""File names of the standard (§a-7).

4.1: ``PREFIX[_YYYYMM]_送信元事業所番号(10)_種類(2)_送信先事業所番号(10)_種類(2)_YYYYMMDDHHMMSS.CSV``
3.2: ``PREFIX[_YYYYMM]_送信元事業所番号(10)_送信先事業所番号(10)_YYYYMMDDHHMMSS.CSV``

The 14-digit timestamp is the ファイル連番: every file of one send unit carries the same value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from .layouts import MONTH_PREFIXES, PREFIXES

SEQUENCE_FORMAT = "%Y%m%d%H%M%S"

_PREFIX_RE = "|".join(PREFIXES)  # longest first
_OFFICE = r"[0-9]{9,10}"  # 9 digits only to parse the ministry's own wrong 3.2 examples; validator flags them
_KIND = r"[0-9A-Za-z]{2}"
_NAME_RE = re.compile(
    rf"^(?P<prefix>{_PREFIX_RE})"
    r"(?:_(?P<month>[0-9]{6}))?"
    rf"_(?P<sender>{_OFFICE})(?:_(?P<skind>{_KIND}))?"
    rf"_(?P<recipient>{_OFFICE})(?:_(?P<rkind>{_KIND}))?"
    r"_(?P<seq>[0-9]{14})\.(?P<ext>csv)$",
    re.IGNORECASE,
)


class FileNameError(ValueError):
    """The name does not follow the standard. ``args[0]`` is a Japanese message."""


@dataclass(frozen=True)
class FileName:
    prefix: str
    month: str | None  # None (no month segment), 'YYYYMM', or '000000' exactly as given
    sender_office: str
    sender_kind: str | None  # None in 3.2 names
    recipient_office: str
    recipient_kind: str | None
    created: datetime  # the ファイル連番 (second resolution)
    version: int = 4  # 4 = 4.1 form (with kinds), 3 = 3.2 form
    extension: str = "CSV"

    @property
    def sequence(self) -> str:
        """The ファイル連番 as the 14 digits used in the name."""
        return self.created.strftime(SEQUENCE_FORMAT)

    @property
    def route(self) -> tuple[str, str | None, str, str | None]:
        """(sender office, sender kind, recipient office, recipient kind)."""
        return (self.sender_office, self.sender_kind, self.recipient_office, self.recipient_kind)

    @property
    def unit_key(self) -> tuple:
        """Files with the same key belong to one send unit."""
        return (*self.route, self.sequence)

    @classmethod
    def parse(cls, name: str) -> FileName:
        """Parse a 4.1 or 3.2 file name (a path is accepted; only the last component is used)."""
        base = re.split(r"[\\/]", str(name))[-1]
        m = _NAME_RE.match(base)
        if not m:
            raise FileNameError(_explain(base))
        prefix = m["prefix"].upper()
        month = m["month"]
        if (prefix in MONTH_PREFIXES) != (month is not None):
            if prefix in MONTH_PREFIXES:
                raise FileNameError(f"ファイル名「{base}」: {prefix} には年月（YYYYMM）が必要です。")
            raise FileNameError(f"ファイル名「{base}」: {prefix} には年月を付けません。")
        skind, rkind = m["skind"], m["rkind"]
        if (skind is None) != (rkind is None):
            raise FileNameError(
                f"ファイル名「{base}」: 送信元と送信先のサービス種類コードは両方とも付けるか（4.1形式）、"
                "両方とも付けない（3.2形式）必要があります。"
            )
        try:
            created = datetime.strptime(m["seq"], SEQUENCE_FORMAT)
        except ValueError:
            raise FileNameError(
                f"ファイル名「{base}」: ファイル連番「{m['seq']}」は実在する日時（YYYYMMDDHHMMSS）ではありません。"
            ) from None
        return cls(
            prefix=prefix,
            month=month,
            sender_office=m["sender"],
            sender_kind=skind.upper() if skind else None,
            recipient_office=m["recipient"],
            recipient_kind=rkind.upper() if rkind else None,
            created=created,
            version=4 if skind else 3,
            extension=m["ext"],
        )

    def build(self) -> str:
        parts = [self.prefix]
        if self.month is not None:
            parts.append(self.month)
        parts.append(self.sender_office)
        if self.version >= 4:
            parts.append(self.sender_kind or "")
        parts.append(self.recipient_office)
        if self.version >= 4:
            parts.append(self.recipient_kind or "")
        parts.append(self.sequence)
        return "_".join(parts) + "." + self.extension

    def __str__(self) -> str:
        return self.build()

    def with_(self, **changes) -> FileName:
        return replace(self, **changes)

    def to_json(self) -> dict:
        return {
            "prefix": self.prefix,
            "month": self.month,
            "sender_office": self.sender_office,
            "sender_kind": self.sender_kind,
            "recipient_office": self.recipient_office,
            "recipient_kind": self.recipient_kind,
            "created": self.sequence,
            "version": self.version,
            "extension": self.extension,
        }

    @classmethod
    def from_json(cls, d: dict) -> FileName:
        created = d["created"]
        if not isinstance(created, datetime):
            created = datetime.strptime(str(created), SEQUENCE_FORMAT)
        return cls(
            prefix=d["prefix"],
            month=d.get("month"),
            sender_office=d["sender_office"],
            sender_kind=d.get("sender_kind"),
            recipient_office=d["recipient_office"],
            recipient_kind=d.get("recipient_kind"),
            created=created,
            version=int(d.get("version", 4)),
            extension=d.get("extension", "CSV"),
        )


def guess_prefix(name: str) -> str | None:
    """Prefix of a name that may otherwise be malformed (None when unknown)."""
    base = re.split(r"[\\/]", str(name))[-1].upper()
    for p in PREFIXES:
        if base.startswith(p + "_"):
            return p
    return None


def _explain(base: str) -> str:
    prefix = guess_prefix(base)
    if prefix is None:
        return f"ファイル名「{base}」: 接頭辞が標準仕様のファイル種別（{', '.join(sorted(PREFIXES))}）ではありません。"
    if not re.search(r"\.csv$", base, re.IGNORECASE):
        return f"ファイル名「{base}」: 拡張子は .CSV にしてください。"
    return (
        f"ファイル名「{base}」: 標準仕様の形式ではありません。"
        f"{prefix}{'_YYYYMM' if prefix in MONTH_PREFIXES else ''}_送信元事業所番号(10桁)_サービス種類コード(2桁)"
        "_送信先事業所番号(10桁)_サービス種類コード(2桁)_YYYYMMDDHHMMSS.CSV の形にしてください。"
    )


def next_sequence(previous: datetime | None, now: datetime | None = None) -> datetime:
    """A ファイル連番 strictly greater than ``previous`` (second resolution).

    The caller stores the last value used per (sender, recipient) route and passes it here,
    so that two send units on one route never share a 連番.
    """
    now = (now or datetime.now()).replace(microsecond=0)
    if previous is None:
        return now
    from datetime import timedelta

    floor = previous.replace(microsecond=0) + timedelta(seconds=1)
    return max(now, floor)
