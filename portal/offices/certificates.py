"""The office's signing certificate as the offices app sees it, asked through the port
``portal.offices.ports.certificates`` (the offices app sits below ``linkage.exchange`` and does not
import it; the exchange provides the port)."""

from __future__ import annotations

from portal.offices.ports import certificates


def certificate_issue_if_needed(office):
    """The issued record, or None (no certificate app, no CA configured, or none needed)."""
    return certificates.get().issue_if_needed(office)


def certificates_deactivate(office) -> int:
    return certificates.get().deactivate(office)


def has_active_certificate(office) -> bool:
    return certificates.get().has_active(office)
