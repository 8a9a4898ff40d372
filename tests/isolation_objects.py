"""How to make, in a given office, the object that each URL keyword argument names.

tests/test_isolation.py walks every URL pattern; for each keyword argument it
calls the maker registered here with the owner's office and the owner's
membership, and asks the page as a member of another office (expecting 404)
and as the owner (expecting anything but 404). A new URL with a new keyword
argument fails that test until its maker is registered here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MAKERS: dict = {}

# URL names that are not office-scoped, with the reason.
EXEMPT: dict[str, str] = {
    "offices:invitation": "the signed token names its own office; tested in tests/offices/test_staff.py",
}


def maker(*kwarg_names):
    def register(func):
        for name in kwarg_names:
            MAKERS[name] = func
        return func

    return register


@maker("member_id")
def make_member(office, owner):
    from tests.factories import MembershipFactory

    return MembershipFactory(office=office).pk


@maker("invitation_id")
def make_staff_invitation(office, owner):
    from portal.offices.models import StaffInvitation

    return StaffInvitation.objects.create(
        office=office, email="new@example.jp", role="clerk", invited_by=owner.user,
        expires_at=timezone.now() + dt.timedelta(days=3),
    ).pk
