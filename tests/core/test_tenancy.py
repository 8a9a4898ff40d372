import pytest
from django_scopes.exceptions import ScopeError

from portal.offices.models import StaffInvitation
from portal.offices.tenancy import office_scope, scopes_disabled


def test_query_without_an_office_scope_raises(db):
    with pytest.raises(ScopeError):
        list(StaffInvitation.objects.all())


def test_scope_shows_only_that_office(office, outsider_office, owner, outsider):
    import datetime as dt

    from django.utils import timezone

    expires = timezone.now() + dt.timedelta(days=1)
    with scopes_disabled():
        StaffInvitation.objects.create(office=office, email="a@example.jp", role="clerk", expires_at=expires)
        StaffInvitation.objects.create(office=outsider_office, email="b@example.jp", role="clerk", expires_at=expires)
    with office_scope(office):
        assert [i.email for i in StaffInvitation.objects.all()] == ["a@example.jp"]
    with office_scope(outsider_office):
        assert [i.email for i in StaffInvitation.objects.all()] == ["b@example.jp"]


def test_office_scope_refuses_none():
    with pytest.raises(ValueError):
        with office_scope(None):
            pass


def test_operator_admin_lists_every_office(db, office, outsider_office):
    from django.test import Client

    from tests.factories import UserFactory, give_totp

    operator = UserFactory(email="op@example.jp")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    give_totp(operator)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/operator/admin/offices/office/").content.decode()
    assert office.name in page and outsider_office.name in page
    assert client.get("/operator/admin/offices/staffinvitation/").status_code == 200


def test_admin_is_closed_to_office_members(owner_client):
    response = owner_client.get("/operator/admin/offices/office/")
    assert response.status_code == 302 and "/login/" in response["Location"]
