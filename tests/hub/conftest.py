import os

import pytest

from linkage.exchange import pki
from tests.hub.process import HubProcess, recreate_database


@pytest.fixture(scope="session")
def hub_ca(tmp_path_factory):
    ca = pki.create_test_ca()
    path = tmp_path_factory.mktemp("hub-ca") / "ca.pem"
    path.write_bytes(ca.pem())
    ca.path = path
    return ca


@pytest.fixture(scope="session")
def hub(hub_ca, tmp_path_factory):
    """A real hub process (gunicorn) on its own PostgreSQL database, for the whole session."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei")
    dbname = base.rpartition("/")[2] + "_hub"
    url = recreate_database(base, dbname)
    process = HubProcess(database_url=url, storage_dir=tmp_path_factory.mktemp("hub-storage"), ca_file=hub_ca.path,
                         log_dir=tmp_path_factory.mktemp("hub-logs"))
    process.start()
    yield process
    process.stop()
