"""What the casework app asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

from typing import Protocol

from portal.core.ports import Port


class PackageEvents(Protocol):
    def client_package_events(self, client, kinds=("send", "receipt")) -> list[dict]:
        """Sends and receipts of packages naming ``client``, as rows with at, kind, title, detail, source."""


class _NoPackages:
    """Without an exchange app nothing was sent or received."""

    def client_package_events(self, client, kinds=("send", "receipt")) -> list[dict]:
        return []


package_events: Port[PackageEvents] = Port("casework.package_events", default=_NoPackages())
