import os

import pytest

from linkage.signing import pki
from tests.hub.process import HubProcess, recreate_database


@pytest.fixture(scope="session")
def hub_ca(tmp_path_factory):
    ca = pki.create_test_ca()
    path = tmp_path_factory.mktemp("hub-ca") / "ca.pem"
    path.write_bytes(ca.pem())
    ca.path = path
    return ca


def start_hub(hub_ca, tmp_path_factory, suffix: str = "", **extra_env) -> HubProcess:
    """A real hub process (gunicorn) on its own, freshly created PostgreSQL database."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei")
    dbname = base.rpartition("/")[2] + "_hub" + (f"_{suffix}" if suffix else "")
    url = recreate_database(base, dbname)
    process = HubProcess(
        database_url=url,
        storage_dir=tmp_path_factory.mktemp(f"hub-storage{suffix}"),
        ca_file=hub_ca.path,
        log_dir=tmp_path_factory.mktemp(f"hub-logs{suffix}"),
        extra_env=extra_env,
    )
    return process.start()


@pytest.fixture(scope="session")
def hub(hub_ca, tmp_path_factory):
    """A real hub process (gunicorn) on its own PostgreSQL database, for the whole session."""
    process = start_hub(hub_ca, tmp_path_factory)
    yield process
    process.stop()
