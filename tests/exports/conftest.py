"""The exchange world (a test CA) for the export tests."""

from tests.exchange.conftest import test_ca, trusted_ca  # noqa: F401
