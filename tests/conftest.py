"""The test base: an office with an owner (admin) and a member, and an outsider office.

Every office-scoped view gets a test that the outsider answers 404
(see tests/test_isolation.py, which walks the whole URLconf).
"""

import pytest
from django.test import Client

from portal.offices.middleware import SESSION_KEY
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.factories import MembershipFactory, OfficeFactory


def login_client(membership) -> Client:
    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[SESSION_KEY] = membership.office_id
    session.save()
    return client


@pytest.fixture
def office(db):
    return OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])


@pytest.fixture
def owner(office):
    return MembershipFactory(office=office, role=Role.ADMIN, display_name="佐藤 花子")


@pytest.fixture
def member(office):
    return MembershipFactory(office=office, role=Role.CARE_MANAGER, display_name="鈴木 一郎")


@pytest.fixture
def outsider_office(db):
    return OfficeFactory(name="よその事業所", kinds=["43"])


@pytest.fixture
def outsider(outsider_office):
    return MembershipFactory(office=outsider_office, role=Role.ADMIN, display_name="外部 太郎")


@pytest.fixture
def owner_client(owner):
    return login_client(owner)


@pytest.fixture
def member_client(member):
    return login_client(member)


@pytest.fixture
def outsider_client(outsider):
    return login_client(outsider)


@pytest.fixture
def in_office(office):
    """Run the test body inside the owner office's scope."""
    with office_scope(office):
        yield office


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Form tokens and rate limits live in the cache: every test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
