"""What the documents app asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from portal.core.ports import Port


class ScheduleSender(NamedTuple):
    office_number: str  # the 居宅介護支援事業所 that sent the month
    planner: str  # the 担当者 it named ("" if none)


class ReceivedSchedules(Protocol):
    def sender_of(self, schedule) -> ScheduleSender | None:
        """Who sent ``schedule`` (a provider's received month), latest receipt first; None if not received."""


received_schedules: Port[ReceivedSchedules] = Port("documents.received_schedules")
