"""What the data export asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from portal.core.ports import Port

Put = Callable[[str, bytes], None]  # adds one file to the ZIP


class ExchangeExport(Protocol):
    def standard_files(self, office, put: Put, problems: list[str]) -> None:
        """The office's plans and months as the standard CSVs, one send unit per recipient, under standard/."""

    def received_files(self, put: Put, problems: list[str]) -> None:
        """Every send unit received, as received, under received/."""

    def sent_schedule_months(self) -> list[dt.date]:
        """The months whose 提供票 were sent (queued or failed sends left out), oldest first."""


exchange_export: Port[ExchangeExport] = Port("exports.exchange_export")
