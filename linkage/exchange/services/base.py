"""What every part of the exchange services shares: the send error and the scope of each unit kind."""

from __future__ import annotations

from linkage.exchange.models import UnitKind

SEQUENCE_FORMAT = "%Y%m%d%H%M%S"
SCOPE_OF_UNIT = {
    UnitKind.PLAN: "plan",
    UnitKind.PLAN_DELETE: "plan",
    UnitKind.SCHEDULE: "schedule",
    UnitKind.SCHEDULE_DELETE: "schedule",
    UnitKind.ACTUAL: "actual",
    UnitKind.ACTUAL_DELETE: "actual",
}


class SendError(Exception):
    """A send that cannot be made; ``str(exc)`` is Japanese for the user."""
