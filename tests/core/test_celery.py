"""Celery is wired in: a real worker process runs a real task through Redis."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from portal.core.tasks import enqueue, ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    env = dict(os.environ)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(key, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cache.get(key):
            return cache.get(key)
        time.sleep(0.2)
    return None


@pytest.mark.slow
def test_real_worker_runs_a_task(worker):
    assert os.environ.get("REDIS_URL"), "the test suite runs with Redis as the broker"
    value = uuid.uuid4().hex
    result = ping.apply_async(args=[value], serializer="json")
    assert wait_for(f"renkei:ping:{value}") == "pong", (
        worker.stdout.read1().decode(errors="replace") if worker.poll() is not None else "worker did not run the task"
    )
    assert result.id


def test_enqueue_waits_for_commit(db, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda args, kwargs: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue(ping, "after-commit")
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [("after-commit",)]


def test_tasks_use_json():
    from config.celery import app

    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
