"""The sending gate: an office without a valid licence, or suspended, may not send."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied

from portal.billing.licensing import LicenceStatus, licence_status

# One logger for the whole package, named as before the split, so log records keep their name.
logger = logging.getLogger("portal.billing.services")


class SendingBlocked(PermissionDenied):
    """The office may not send (its licence has lapsed). ``str(exc)`` says why and what to do, in Japanese."""

    def __init__(self, status: LicenceStatus):
        self.status = status
        super().__init__(status.message)


class SuspendedBlocked(SendingBlocked):
    """The office is suspended by the operator (利用停止): the message says so and why."""

    def __init__(self, message: str):
        self.status = None
        PermissionDenied.__init__(self, message)


def assert_can_send(office, on: dt.date | None = None) -> None:
    """Raise ``SendingBlocked`` if ``office`` may not send on ``on`` (today by default).

    A lapsed licence (失効) or a suspended office (利用停止) blocks. Login, reading, printing
    and exporting are never gated. Call this at the start of every send path.
    """
    from portal.offices.services import OfficeSuspended, assert_not_suspended

    try:
        assert_not_suspended(office)
    except OfficeSuspended as exc:
        logger.info("sending blocked for office %s (suspended)", getattr(office, "pk", office))
        raise SuspendedBlocked(str(exc)) from None
    status = licence_status(office, on)
    if not status.can_send:
        logger.info("sending blocked for office %s (licence lapsed)", getattr(office, "pk", office))
        raise SendingBlocked(status)
