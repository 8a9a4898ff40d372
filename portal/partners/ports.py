"""What the partners app asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

from typing import Protocol

from portal.core.ports import Port


class AuditValueLabels(Protocol):
    def label(self, key: str, value: str) -> str | None:
        """The Japanese label of an audit detail value the providing app recorded (``unit_kind``,
        ``channel``, ``status``), or None when ``value`` is not one of its codes."""


exchange_labels: Port[AuditValueLabels] = Port("partners.exchange_labels")
