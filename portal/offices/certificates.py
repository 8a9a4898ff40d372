"""The office's signing certificate as the offices app sees it, asked through AppConfig hooks.

The offices app sits below ``linkage.exchange`` and does not import it. As with ``dashboard_cards``,
an app that keeps certificates (the exchange) offers these methods on its AppConfig:

``office_certificate_issue(office) -> record | None``   issue one for a newly verified office
``office_certificates_deactivate(office) -> int``       stop signing (verification withdrawn)
``office_has_certificate(office) -> bool``              an active, unrevoked certificate exists
"""

from __future__ import annotations

from django.apps import apps


def _hooks(name: str):
    return [hook for config in apps.get_app_configs() if (hook := getattr(config, name, None))]


def certificate_issue_if_needed(office):
    """The first issued record, or None (no certificate app, no CA configured, or none needed)."""
    return next((record for hook in _hooks("office_certificate_issue") if (record := hook(office)) is not None), None)


def certificates_deactivate(office) -> int:
    return sum(hook(office) for hook in _hooks("office_certificates_deactivate"))


def has_active_certificate(office) -> bool:
    return any(hook(office) for hook in _hooks("office_has_certificate"))
