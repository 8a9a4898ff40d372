"""Run the hub as a real process (gunicorn + its own PostgreSQL database) for tests and the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
RUNNING_URLS: set[str] = set()  # hubs started by the tests: the exchange world registers certificates there


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_url(database_url: str, dbname: str) -> str:
    base, _, _ = database_url.rpartition("/")
    return f"{base}/{dbname}"


def recreate_database(database_url: str, dbname: str) -> str:
    admin = server_url(database_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return server_url(database_url, dbname)


class HubProcess:
    """``start()`` migrates the hub database (first time) and runs gunicorn on a free port."""

    def __init__(
        self,
        *,
        database_url: str,
        storage_dir: Path,
        ca_file: Path,
        log_dir: Path,
        workers: int = 2,
        extra_env: dict | None = None,
    ):
        self.database_url = database_url
        self.storage_dir = storage_dir
        self.ca_file = ca_file
        self.log_dir = log_dir
        self.workers = workers
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._migrated = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.hub_settings",
                "HUB_DATABASE_URL": self.database_url,
                "HUB_STORAGE_DIR": str(self.storage_dir),
                "RENKEI_TRUSTED_CA_FILE": str(self.ca_file),
                "HUB_ALLOWED_HOSTS": "127.0.0.1,localhost",
            }
        )
        env.update({k: str(v) for k, v in self.extra_env.items()})
        return env

    def start(self) -> HubProcess:
        if not self._migrated:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env(), check=True
            )
            self._migrated = True
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"hub-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.hub_wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1) as r:
                    if r.status == 200:
                        RUNNING_URLS.add(self.url)
                        return self
            except OSError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}; see {log.name}")
        raise RuntimeError("hub did not start in 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
