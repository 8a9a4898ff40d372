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
        token = request.session.get("pending_staff_invitation")
        if token:
            from django.urls import reverse

            return reverse("offices:invitation", kwargs={"token": token})
        return super().get_login_redirect_url(request)


def user_display(user) -> str:
    """People are known by their email address (usernames are internal)."""
    return user.email
