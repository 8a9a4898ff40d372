"""What the offices app asks of the apps above it (see ``portal.core.ports``)."""

from __future__ import annotations

from typing import Protocol

from portal.core.ports import Port


class Certificates(Protocol):
    def issue_if_needed(self, office):
        """Issue a signing certificate for a newly verified office; the record, or None (no CA, none needed)."""

    def deactivate(self, office) -> int:
        """Stop signing for ``office`` (verification withdrawn); how many certificates were deactivated."""

    def has_active(self, office) -> bool:
        """Does ``office`` hold an active, unrevoked signing certificate?"""


class _NoCertificates:
    """Without an app that keeps certificates there is nothing to issue, deactivate or hold."""

    def issue_if_needed(self, office):
        return None

    def deactivate(self, office) -> int:
        return 0

    def has_active(self, office) -> bool:
        return False


certificates: Port[Certificates] = Port("offices.certificates", default=_NoCertificates())
