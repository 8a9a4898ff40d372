"""What paper links ask of the apps above them (see ``portal.core.ports``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from portal.core.ports import Port


class SendGate(Protocol):
    def blocker_messages(self, office) -> list[str]:
        """Why ``office`` may not send now (本人確認, licence, …), the hub-only reasons left out; [] if it may."""

    def schedule_sent_by_hub(self, office_id: int, month: dt.date, partner_office_number: str) -> bool:
        """Has the office sent ``month``'s 提供票 to that partner through the Renkei hub (not failed)?"""


class FilesRejected(Exception):
    """The standard files were refused before import (nothing was stored)."""


class ActualsImported(NamedTuple):
    received_ids: list[int]
    all_imported: bool


class ActualImport(Protocol):
    def last_sequence(self, office_id: int, client_id: int, month: dt.date, provider_office_number: str) -> str:
        """The latest ファイル連番 (YYYYMMDDhhmmss) of the 実績 already imported from that provider; "" if none."""

    def files_import(self, office, files: Sequence) -> ActualsImported:
        """Store standard files as received and import them, as files from the national system are.
        Raises :class:`FilesRejected` when they are refused."""


send_gate: Port[SendGate] = Port("paperlinks.send_gate")
actual_import: Port[ActualImport] = Port("paperlinks.actual_import")
