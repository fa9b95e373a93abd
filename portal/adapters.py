from allauth.account.adapter import DefaultAccountAdapter

from .security import device_cookie_set


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the board's administrator; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def post_login(self, request, user, **kwargs):
        """A completed sign-in (password, second factor, or the school's own account) makes this browser known."""
        response = super().post_login(request, user, **kwargs)
        device_cookie_set(request=request, response=response, user=user)
        return response
