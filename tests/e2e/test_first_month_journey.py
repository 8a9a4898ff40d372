"""A brand-new office's first month, from an empty database, only through the pages (issue 12).

Two people sign up and verify their email from the outbox; one registers a 居宅介護支援事業所, the
other a 訪問介護 provider; the operator approves both (Renkei then issues their signing
certificates); the care office invites the provider, which accepts; the care manager registers a
利用者 through the form, records consent, writes 第1〜3表, delivers them, makes next month's 第6表
and sends it through the hub; the provider receives it, matches the 利用者, records its own consent,
copies 予定 to 実績, cancels one visit and adds another and sends 実績 back; the care manager's
予実の比較 shows exactly those two days.

Real processes: the hub (gunicorn, its own PostgreSQL database), a Celery worker with beat, a
redis-server; the portal runs in the live server. No demo loader, no factories. Screenshots of every
step go to var/screenshots/journey-*.png (CI artifacts).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.journey import Shots, hub, hub_ca, month_of_actuals_received, reload_until, services_running  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_first_month_of_two_new_offices(services_running, new_page, live_server, screenshot):  # noqa: F811
    shot = Shots(screenshot)
    # 1–8. (tests/e2e/journey.py) two offices sign up and are verified, become partners; a 利用者, her
    # plan and next month's 第6表 sent through the hub; the provider cancels one visit, adds another
    # and sends 実績 back.
    cm, _provider, m, _client_id = month_of_actuals_received(new_page, live_server, shot)

    # 9. The care manager's 予実の比較 shows exactly those two days.
    cm.goto(f"{live_server.url}/exchange/comparison/?month={m.month:%Y-%m}")
    reload_until(
        cm,
        lambda: (
            cm.locator("[data-testid=comparison]").count() > 0
            and "実績未受信" not in cm.locator("[data-testid=comparison]").inner_text()
        ),
    )
    table = cm.locator("[data-testid=comparison]").inner_text()
    shown = {int(d) for d in re.findall(r"(\d+)日", table)}
    assert shown == {m.cancelled, m.added}, table
    assert "青木" in table
    shot(cm, "cm-comparison")
