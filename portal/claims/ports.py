"""What the claims app (月次の締め) asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from portal.core.ports import Port


class ReceivedActuals(Protocol):
    def month_differences(self, office, month: dt.date, client_ids: Iterable[int]) -> list[dict]:
        """The 予実 differences of ``month``: one dict per 第6表 line whose 実績 differs from its 予定
        (``line``, ``client``, ``planned``, ``actual``, ``days``, ``rate``, ``no_actual``)."""

    def received_keys(self, office, month: dt.date, client_ids: Iterable[int]) -> set[tuple[int, str, str]]:
        """(client id, provider office number, service kind) of every 実績 received for ``month``."""


received_actuals: Port[ReceivedActuals] = Port("claims.received_actuals")
