"""No copy outlives the portal's retention period on the hub: a package nobody ever acknowledged is
deleted HUB_UNACKNOWLEDGED_DAYS after it was submitted (an acknowledged one after HUB_RETENTION_DAYS)."""

from __future__ import annotations

import pytest

from linkage.exchange.hubclient import HubError
from tests.hub.test_api import client_for
from tests.hub.test_security import hub_command, sealed

pytestmark = pytest.mark.slow


def test_a_package_never_acknowledged_is_deleted_after_the_unacknowledged_period(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    waiting = care.submit(sealed(care, provider))["package_id"]
    hub_command(hub, "hub_purge")  # default: a year after submission — not yet
    assert provider.fetch(waiting)
    out = hub_command(hub, "hub_purge", "--unacknowledged-days", "0")
    assert "受信確認のないものは送信から0日経過" in out
    with pytest.raises(HubError) as e:
        provider.fetch(waiting)
    assert e.value.status == 410
    assert care.status(waiting)["deleted_at"]
