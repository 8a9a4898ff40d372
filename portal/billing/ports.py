"""What the billing app asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from portal.core.ports import Port


class ExchangeUse(Protocol):
    def office_used_exchange(self, office, month: dt.date) -> bool:
        """Did ``office`` send or receive anything through the data exchange in ``month``?"""


class _NoExchange:
    """Without an exchange app nobody exchanged data (the 経済性 page then offers a manual override)."""

    def office_used_exchange(self, office, month: dt.date) -> bool:
        return False


exchange_use: Port[ExchangeUse] = Port("billing.exchange_use", default=_NoExchange())
