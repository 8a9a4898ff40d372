"""A dedicated redis-server and a real Celery worker (+ beat) process on the test database,
with short heartbeat timings, for the worker-crash tests (tests/jobs, tests/e2e)."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection

from tests.exchange.processes import CeleryWorker, RedisServer, worker_env
from tests.hub.process import server_url


def wait_until(predicate, timeout: float, step: float = 0.1):
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


@contextmanager
def live_worker(settings, tmp_path, *, concurrency: int = 1):
    """Point this process's Celery app at a fresh redis-server and prepare (not start) a worker."""
    from config.celery import app

    redis = RedisServer(tmp_path / "redis").start()
    old_broker, old_eager = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False
    _reset_producer(app)
    settings.RENKEI_WORKER_STALE_SECONDS = 3
    settings.RENKEI_HEALTH_POLL_SECONDS = 1
    database_url = server_url(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    env = worker_env(
        database_url=database_url,
        redis_url=redis.url,
        hub_url="http://127.0.0.1:9",
        ca_file=str(tmp_path / "none.pem"),
        RENKEI_HEARTBEAT_SECONDS=1,
        RENKEI_JOB_STALE_SECONDS=3,
        RENKEI_WORKER_STALE_SECONDS=3,
        RENKEI_JOB_QUEUED_GRACE=2,
    )
    worker = CeleryWorker(env=env, log_dir=tmp_path / "worker", concurrency=concurrency)
    try:
        yield SimpleNamespace(redis=redis, worker=worker)
    finally:
        worker.stop()
        redis.kill()
        app.conf.broker_url, app.conf.task_always_eager = old_broker, old_eager
        _reset_producer(app)
