import pytest

from linkage.signing import pki


@pytest.fixture(scope="session")
def test_ca():
    return pki.create_test_ca()


@pytest.fixture
def trusted_ca(settings, tmp_path, test_ca):
    path = tmp_path / "ca.pem"
    path.write_bytes(test_ca.pem())
    settings.RENKEI_TRUSTED_CA_FILE = str(path)
    return test_ca


def make_p12(ca, office_number, password="pw-2026", **kwargs):
    key, cert = pki.issue_office_certificate(ca, office_number=office_number, **kwargs)
    return pki.pkcs12_bytes(key, cert, password, ca=ca.certificate), key, cert


from tests.hub.conftest import hub, hub_ca  # noqa: E402,F401  (the real hub process for exchange tests)


@pytest.fixture
def exchange_env(db, settings, hub, hub_ca):
    settings.RENKEI_HUB_URL = hub.url
    settings.RENKEI_TRUSTED_CA_FILE = str(hub_ca.path)
    settings.RENKEI_SEND_RETRY_BASE = 1
    return hub
