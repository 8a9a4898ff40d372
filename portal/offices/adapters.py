import time

from allauth.account.adapter import DefaultAccountAdapter

REAUTHENTICATION_GRACE_SECONDS = 300


class AccountAdapter(DefaultAccountAdapter):
    """Send people back to a pending staff invitation after sign-up / login."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words whether or not the email exists; says when to try again.
        "too_many_login_attempts": "ログインの失敗が続いたため、このアカウントへのログインを一時的に止めています。"
        "5分ほど待ってから、もう一度お試しください。",
    }

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone who has just signed in and is sent to set up their first authenticator app (mandatory
        for admins) is not asked for the password a second time; changing an existing one still is."""
        from allauth.account.internal.flows.login import get_authentication_records
        from allauth.core import context

        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            from portal.offices.mfa import has_totp

            records = get_authentication_records(request, request.user)
            recent = records and time.time() - records[-1]["at"] < REAUTHENTICATION_GRACE_SECONDS
            if recent and not has_totp(request.user):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_login_redirect_url(self, request):
        from django.urls import reverse

        token = request.session.get("pending_staff_invitation")
        if token:
            return reverse("offices:invitation", kwargs={"token": token})
        if request.user.is_staff and not request.user.memberships.exists():
            return reverse("billing:operator_dashboard")  # the operator works on the operator dashboard
        return super().get_login_redirect_url(request)


def user_display(user) -> str:
    """People are known by their email address (usernames are internal)."""
    return user.email
