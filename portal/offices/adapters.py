from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Send people back to a pending staff invitation after sign-up / login."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words whether or not the email exists; says when to try again.
        "too_many_login_attempts": "ログインの失敗が続いたため、このアカウントへのログインを一時的に止めています。"
                                   "5分ほど待ってから、もう一度お試しください。",
    }

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
