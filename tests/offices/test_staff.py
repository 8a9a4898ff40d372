import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.offices.models import Membership, Role, StaffInvitation
from portal.offices.services import invitation_token
from portal.offices.tenancy import office_scope
from tests.factories import UserFactory
from tests.forms import submit


def invite(owner_client, email="new.staff@example.jp", role=Role.CLERK):
    return submit(
        owner_client,
        reverse("offices:staff_invite"),
        {"email": email, "role": role},
        button="招待メールを送る",
        follow=True,
    )


def join(client, link, name="新人 花子", **kw):
    return submit(client, link, {"display_name": name}, button="参加する", **kw)


def link_from_mail():
    match = re.search(r"http\S+/offices/invitations/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0).split("localhost:8000", 1)[-1]


@pytest.fixture
def invitee(db):
    user = UserFactory(email="new.staff@example.jp")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user, client


def test_admin_invites_by_email_and_the_invitee_joins(
    owner_client, office, invitee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(owner_client).content.decode()
    assert "new.staff@example.jp に招待メールを送りました" in page
    assert mail.outbox[-1].to == ["new.staff@example.jp"]
    assert office.name in mail.outbox[-1].subject
    user, client = invitee
    link = link_from_mail()
    assert "事務職員" in client.get(link).content.decode()
    response = join(client, link, follow=True)
    assert f"{office.name}に参加しました" in response.content.decode()
    membership = Membership.objects.get(office=office, user=user)
    assert membership.role == Role.CLERK and membership.display_name == "新人 花子"


def test_anonymous_visitor_is_asked_to_sign_up_and_comes_back(owner_client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    link = link_from_mail()
    client = Client()
    page = client.get(link).content.decode()
    assert "新規登録して参加" in page
    user = UserFactory(email="new.staff@example.jp")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # After login the dashboard sends them back to the pending invitation.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == link


def test_invitation_link_is_single_use(owner_client, office, invitee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    user, client = invitee
    link = link_from_mail()
    page = client.get(link)
    join(client, link)
    again = join(client, link, response=page).content.decode()  # the same page sent again (back button)
    assert "この招待リンクはすでに使われています" in again
    assert Membership.objects.filter(office=office, user=user).count() == 1


def test_expired_invitation_is_refused(office, owner, invitee):
    with office_scope(office):
        invitation = StaffInvitation.objects.create(
            office=office,
            email="new.staff@example.jp",
            role=Role.CLERK,
            invited_by=owner.user,
            expires_at=timezone.now() - dt.timedelta(minutes=1),
        )
    user, client = invitee
    link = reverse("offices:invitation", kwargs={"token": invitation_token(invitation)})
    assert "有効期限が切れています" in client.get(link).content.decode()
    # the page offers no form any more; a form opened before it expired is refused
    assert "有効期限が切れています" in client.post(link, {"display_name": "x"}).content.decode()
    assert not Membership.objects.filter(office=office, user=user).exists()


def test_invitation_for_someone_else_is_refused(owner_client, office, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    stranger = UserFactory(email="stranger@example.jp")
    client = Client()
    client.force_login(stranger, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(link_from_mail()).content.decode()
    assert "new.staff@example.jp 宛てです" in page
    assert "参加する" not in page
    page = client.post(link_from_mail(), {"display_name": "x"}).content.decode()  # hand-made: still refused
    assert "new.staff@example.jp 宛てです" in page
    assert not Membership.objects.filter(office=office, user=stranger).exists()


def test_tampered_link_is_404(invitee):
    user, client = invitee
    response = client.get(reverse("offices:invitation", kwargs={"token": "bogus-token"}))
    assert response.status_code == 404
    assert "招待リンクが正しくありません" in response.content.decode()


def test_inviting_an_existing_member_or_twice_is_refused(owner_client, member, django_capture_on_commit_callbacks):
    page = invite(owner_client, email=member.user.email).content.decode()
    assert "すでにこの事業所のメンバーです" in page
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    page = invite(owner_client).content.decode()
    assert "すでに有効な招待を送っています" in page


def test_non_admin_cannot_invite_or_change_roles(member_client, owner):
    assert member_client.get(reverse("offices:staff_invite")).status_code == 403
    response = member_client.post(reverse("offices:member_role", kwargs={"member_id": owner.pk}), {"role": Role.CLERK})
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN


def test_admin_changes_role_and_removes_member(owner_client, member):
    staff = reverse("offices:staff")
    submit(
        owner_client, staff, {"role": Role.CLERK}, form=reverse("offices:member_role", kwargs={"member_id": member.pk})
    )
    member.refresh_from_db()
    assert member.role == Role.CLERK
    submit(owner_client, staff, form=reverse("offices:member_remove", kwargs={"member_id": member.pk}))
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_last_admin_cannot_be_demoted(owner_client, owner):
    page = submit(
        owner_client,
        reverse("offices:staff"),
        {"role": Role.CLERK},
        follow=True,
        form=reverse("offices:member_role", kwargs={"member_id": owner.pk}),
    ).content.decode()
    assert "管理者が1人以上必要です" in page
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN


def test_revoked_invitation_cannot_be_used(owner_client, office, invitee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    with office_scope(office):
        invitation = StaffInvitation.objects.get()
    user, client = invitee
    page = client.get(link_from_mail())  # opened before the admin revokes it
    submit(
        owner_client,
        reverse("offices:staff"),
        form=reverse("offices:staff_invitation_revoke", kwargs={"invitation_id": invitation.pk}),
    )
    assert "取り消されました" in join(client, link_from_mail(), response=page).content.decode()


def test_staff_page_lists_members_with_roles(member_client, owner, member):
    page = member_client.get(reverse("offices:staff")).content.decode()
    assert "佐藤 花子" in page and "鈴木 一郎" in page and "管理者" in page
    assert "スタッフを招待する" not in page  # only admins invite


def test_staff_dates_are_tokyo_dates_in_wareki(owner_client, office, owner, member, django_capture_on_commit_callbacks):
    """00:30 in Tokyo on 14 December is 15:30 UTC on the 13th: the page shows the 14th, list and mail agree."""
    late = dt.datetime(2026, 12, 13, 15, 30, tzinfo=dt.UTC)
    Membership.objects.filter(pk=member.pk).update(joined_at=late)
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(owner_client).content.decode()
    with office_scope(office):
        StaffInvitation.objects.update(expires_at=late)
    staff = owner_client.get(reverse("offices:staff")).content.decode()
    assert "令和8年12月14日" in staff and "令和8年12月13日" not in staff
    assert "令和8年12月14日 00:30" in staff  # the invitation's 有効期限 with its time, as in the mail
    with office_scope(office):
        invitation = StaffInvitation.objects.get()
    from django.template.loader import render_to_string

    body = render_to_string("offices/email/staff_invitation.txt", {"invitation": invitation, "link": "x"})
    assert "有効期限: 令和8年12月14日 00:30" in body
    assert "招待メールを送りました（有効期限: 令和" in page
