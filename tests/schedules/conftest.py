import pytest

from portal.masters import loader as masters


@pytest.fixture(autouse=True)
def bundled_masters(db):
    """Masters are loaded by a data migration; a flushed database (transactional tests) reloads them."""
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()
