"""Exchange services: what a send contains, the one send gate, delivery, receiving and status.

Every send path — the hub and the ZIP download for the national system, schedules, plans,
deletions and 実績 — goes through :func:`units_send` (``gate``), which calls
``portal.billing.services.assert_can_send`` once and
``portal.partners.services.assert_can_share`` for every 利用者 of every unit before anything
is built, signed or stored. ``tests/exchange/test_send_gate.py`` proves no path bypasses it.

One module per thing the functions act on:

``base``       ``SendError`` and the scope of each unit kind
``units``      what a send contains (``UnitPlan``, ``month_send_plan``, ``plan_send_plan``, …)
``gate``       what would stop a send, ``units_send``, the downloads
``delivery``   sealing and posting packages to the hub, sent statuses (worker)
``receiving``  inbox, notices, acknowledgements, ``office_sync``, the billing hook (worker)
``actuals``    the provider's 実績 entry

This package re-exports them so ``linkage.exchange.services.<name>`` stays the one import path
(the Celery tasks, the portal apps and the tests use it; task names do not change).
"""

from __future__ import annotations

from linkage.exchange.services.actuals import (  # noqa: F401
    actual_line_add,
    actuals_copy_from_plan,
    actuals_save,
)
from linkage.exchange.services.base import (  # noqa: F401
    SCOPE_OF_UNIT,
    SEQUENCE_FORMAT,
    SendError,
)
from linkage.exchange.services.delivery import (  # noqa: F401
    DeliveryResult,
    hub_client_for,
    outbox_due,
    package_deliver,
    package_sealed,
    retry_delay,
    sent_status_sync,
)
from linkage.exchange.services.gate import (  # noqa: F401
    SendBlocker,
    batch_zip,
    plan_download,
    schedule_download,
    send_blockers,
    units_download,
    units_send,
)
from linkage.exchange.services.receiving import (  # noqa: F401
    imports_acknowledge,
    inbox_receive,
    new_upload_id,
    office_sync,
    office_used_exchange,
    received_notice_send,
)
from linkage.exchange.services.units import (  # noqa: F401
    UnitPlan,
    actual_send_plan,
    month_send_plan,
    own_consent_gaps,
    plan_send_plan,
    schedule_delete_plan,
)
