"""Signing tests run without Django: no database, no settings; they import only ``linkage.signing``,
``linkage.standard`` and ``cryptography``."""

import pytest

from linkage.signing import pki


@pytest.fixture(scope="session")
def test_ca():
    return pki.create_test_ca()
