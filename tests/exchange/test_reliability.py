"""Reliability with real processes: hub (gunicorn), Celery worker + beat, a dedicated redis-server,
PostgreSQL. Figures are printed (run with -s to see them) and asserted.

- SIGKILL of the worker in the middle of a send, 20 times: every package delivered, none twice.
- Hub unreachable for a while: sends retry with backoff and go through when it returns.
- Redis killed and restarted (empty) mid-run: nothing lost (the outbox is in PostgreSQL).
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection

from linkage.exchange import services
from linkage.exchange.models import InboxStatus, Package, PackageStatus, ReceivedPackage
from portal.offices.tenancy import office_scope
from tests.exchange.processes import CeleryWorker, RedisServer, worker_env
from tests.exchange.world import MONTH, make_world
from tests.hub.process import server_url

pytestmark = pytest.mark.slow


def wait_until(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def _reset_producer(app):
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def live(transactional_db, settings, hub, hub_ca, tmp_path):
    from config.celery import app

    settings.RENKEI_HUB_URL = hub.url
    settings.RENKEI_TRUSTED_CA_FILE = str(hub_ca.path)
    redis = RedisServer(tmp_path / "redis").start()
    old_broker = app.conf.broker_url
    app.conf.broker_url = redis.url
    _reset_producer(app)
    database_url = server_url(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    env = worker_env(database_url=database_url, redis_url=redis.url, hub_url=hub.url, ca_file=str(hub_ca.path))
    worker = CeleryWorker(env=env, log_dir=tmp_path / "worker")
    yield SimpleNamespace(redis=redis, worker=worker, env=env, hub=hub, ca=hub_ca, tmp=tmp_path)
    worker.stop()
    redis.kill()
    if hub.proc is None:
        hub.start()
    app.conf.broker_url = old_broker
    _reset_producer(app)


def statuses(office, batch_pk=None):
    with office_scope(office):
        qs = Package.objects.filter(office=office)
        if batch_pk is not None:
            qs = qs.filter(batch_id=batch_pk)
        return list(qs.values_list("status", flat=True))


def batch_ids(cm, batch):
    with office_scope(cm.office):
        return [str(p) for p in Package.objects.filter(batch_id=batch.pk).values_list("package_id", flat=True)]


def send_month(cm):
    with office_scope(cm.office):
        units = services.month_send_plan(office=cm.office, month=MONTH)
        return services.units_send(office=cm.office, actor=cm.admin, units=units, label="テスト")


def hub_counts(hub, package_ids):
    with psycopg.connect(hub.database_url) as conn:
        rows = conn.execute(
            "SELECT package_id::text, count(*) FROM hub_hubpackage WHERE package_id::text = ANY(%s) GROUP BY 1",
            [list(package_ids)],
        ).fetchall()
    return dict(rows)


def test_worker_sigkill_mid_send_20_times_every_package_once(live):
    cm, providers = make_world(live.ca, clients=1, providers=[("11", "1211")] * 8)
    live.worker.start()
    rounds, killed_mid, recoveries = 20, 0, []
    for _ in range(rounds):
        batch = send_month(cm)
        total = len(batch_ids(cm, batch))
        sent_at_kill = wait_until(
            lambda batch=batch: sum(s == PackageStatus.SENT for s in statuses(cm.office, batch.pk)) or None, 60, 0.005
        )
        live.worker.kill()
        if sent_at_kill < total:
            killed_mid += 1
        started = time.monotonic()
        live.worker.start()
        wait_until(lambda batch=batch: all(s == PackageStatus.SENT for s in statuses(cm.office, batch.pk)), 90)
        recoveries.append(time.monotonic() - started)
    with office_scope(cm.office):
        packages = list(Package.objects.filter(office=cm.office).values_list("package_id", "attempts"))
    ids = {str(pid) for pid, _ in packages}
    counts = hub_counts(live.hub, ids)
    # the recipients receive and import each package exactly once
    for provider in providers:
        with office_scope(provider.office):
            services.office_sync(office=provider.office)
            received = list(ReceivedPackage.objects.values_list("package_id", "status"))
        assert len(received) == rounds and {s for _, s in received} == {InboxStatus.IMPORTED}
    print(
        f"\nFIGURES sigkill: rounds={rounds} packages={len(packages)} killed_mid_send={killed_mid} "
        f"hub_stored={len(counts)} duplicates_at_hub={sum(c - 1 for c in counts.values())} "
        f"max_attempts={max(a for _, a in packages)} recovery_s(mean/max)="
        f"{sum(recoveries) / len(recoveries):.1f}/{max(recoveries):.1f}"
    )
    assert len(counts) == len(packages) == rounds * len(providers)
    assert set(counts.values()) == {1}
    assert killed_mid >= rounds // 2, "the kill should land in the middle of most sends"


def test_hub_unreachable_then_back_sends_retry_with_backoff(live):
    cm, providers = make_world(live.ca, clients=1, providers=[("11", "1211")] * 5)
    live.hub.stop()
    live.worker.start()
    batch = send_month(cm)
    down_since = time.monotonic()

    def retried():
        with office_scope(cm.office):
            rows = list(Package.objects.filter(batch=batch).values_list("status", "attempts", "last_error"))
        return rows if all(a >= 3 and s == PackageStatus.QUEUED for s, a, _ in rows) else None

    rows = wait_until(retried, 60)
    assert all("接続できません" in e for _, _, e in rows)
    live.hub.start()
    outage = time.monotonic() - down_since
    wait_until(lambda: all(s == PackageStatus.SENT for s in statuses(cm.office, batch.pk)), 60)
    back = time.monotonic() - down_since - outage
    with office_scope(cm.office):
        attempts = list(Package.objects.filter(batch=batch).values_list("attempts", flat=True))
    counts = hub_counts(live.hub, set(batch_ids(cm, batch)))
    print(
        f"\nFIGURES hub_down: packages={len(attempts)} outage_s={outage:.1f} delivered_after_return_s={back:.1f} "
        f"attempts(min/max)={min(attempts)}/{max(attempts)} stored_once={set(counts.values()) == {1}}"
    )
    assert len(counts) == len(attempts) and set(counts.values()) == {1}


def test_redis_killed_and_restarted_mid_run_nothing_lost(live):
    cm, providers = make_world(live.ca, clients=1, providers=[("11", "1211")] * 8)
    live.worker.start()
    time.sleep(3)  # worker connected
    batch = send_month(cm)
    live.redis.kill()  # queued messages are gone with it (no persistence)
    sent_before = sum(s == PackageStatus.SENT for s in statuses(cm.office, batch.pk))
    time.sleep(1.5)
    live.redis.start()
    started = time.monotonic()
    wait_until(lambda batch=batch: all(s == PackageStatus.SENT for s in statuses(cm.office, batch.pk)), 90)
    ids = batch_ids(cm, batch)
    counts = hub_counts(live.hub, set(ids))
    print(
        f"\nFIGURES redis_restart: packages={len(ids)} sent_before_kill={sent_before} "
        f"all_sent_after_restart_s={time.monotonic() - started:.1f} duplicates={sum(c - 1 for c in counts.values())}"
    )
    assert len(counts) == len(ids) and set(counts.values()) == {1}


def test_end_to_end_month_actuals_and_comparison(live):
    """Two real offices through the pages; a real hub and a real Celery worker do the rest."""
    from tests.conftest import login_client

    live.worker.env["RENKEI_HUB_POLL_SECONDS"] = "1"
    cm, providers = make_world(live.ca, clients=2, providers=[("11", "1211")])
    provider = providers[0]
    live.worker.start()
    cm_web, provider_web = login_client(cm.admin), login_client(provider.admin)
    from tests.forms import submit

    response = submit(cm_web, "/exchange/send/month/?month=2026-04", {}, form="choose-clients", button="送信内容を確認")
    assert "送信内容の確認" in response.content.decode()
    response = submit(
        cm_web,
        "/exchange/send/month/?month=2026-04&preview=1" + "".join(f"&clients={c.pk}" for c in cm.clients),
        {},
        button="連携基盤で送信する",
    )
    assert response.status_code == 302

    from linkage.exchange.models import ReceivedSchedule

    def provider_has_schedules():
        with office_scope(provider.office):
            return ReceivedSchedule.objects.filter(office=provider.office).count() == 2

    wait_until(provider_has_schedules, 60)
    page = provider_web.get("/exchange/inbox/").content.decode()
    assert "受信した利用票（予定）" in page and "取込済" in page
    with office_scope(provider.office):
        rs = ReceivedSchedule.objects.select_related("schedule").get(client=provider.clients[0])
    url = f"/exchange/schedules/{rs.schedule_id}/actuals/"
    provider_web.post(url, {"action": "copy"})
    with office_scope(provider.office):
        line = rs.schedule.lines.get(provider_office_number=provider.office.office_number)
    form = {f"a{line.pk}_{d}": str(n) for d, n in enumerate(line.planned_days, start=1)}
    form.update(
        {f"s{line.pk}": "0900", f"e{line.pk}": "1000", "action": "send", f"a{line.pk}_8": "0", f"a{line.pk}_9": "1"}
    )
    response = provider_web.post(url, form)
    assert response.status_code == 302, response.content.decode()[:500]

    def cm_sees_actuals():
        page = cm_web.get("/exchange/comparison/", {"month": "2026-04"}).content.decode()
        return page if "8日、9日" in page else None

    page = wait_until(cm_sees_actuals, 60, 0.5)
    assert cm.clients[0].full_name in page
    # the care manager's outbox shows the provider imported the month
    wait_until(lambda: PackageStatus.IMPORTED in statuses(cm.office), 30, 0.5)
    assert "相手が取込済" in cm_web.get("/exchange/outbox/").content.decode()
