from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .audit import audit_record
from .security import device_cookie_set, sso_login_started
from .sso import SSO_SESSION_KEY, SsoRefused, provider_asserted_mfa, sso_account_for


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the board's administrator; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def get_login_stages(self):
        """allauth's stages, with the second-factor stage that lets a trusted provider's MFA stand in for TOTP."""
        return ["portal.security.SecondFactorStage" if path == "allauth.mfa.stages.AuthenticateStage" else path
                for path in super().get_login_stages()]

    def post_login(self, request, user, **kwargs):
        """A completed sign-in (password, second factor, or the school's own account) makes this browser known."""
        response = super().post_login(request, user, **kwargs)
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None:
            provider = sociallogin.account.provider
            mfa = provider_asserted_mfa(sociallogin)
            request.session[SSO_SESSION_KEY] = {"user": user.pk, "provider": provider, "mfa": mfa}
            audit_record(actor=user, action="login.sso", obj=user, provider=provider, provider_mfa=mfa)
        else:
            request.session.pop(SSO_SESSION_KEY, None)
        device_cookie_set(request=request, response=response, user=user)
        return response


class SchoolAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in with the school's own account finds an existing account by its verified e-mail address, and
    nothing else: no sign-up, no account linked by hand (portal.sso has the rule)."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        sso_login_started(request)
        try:
            if sociallogin.state.get("process") != "login":
                raise SsoRefused(_("Signing in with your school's account is only possible from the login page."), "process")
            user = sso_account_for(sociallogin)
        except SsoRefused as refusal:
            audit_record(actor=None, action="login.sso_refused", object_type="portal.user", object_id="",
                         provider=sociallogin.account.provider, reason=refusal.reason, email=refusal.email[:254])
            messages.error(request, refusal.message)
            raise ImmediateHttpResponse(redirect("account_login")) from refusal
        if sociallogin.is_existing:
            if sociallogin.user.pk != user.pk:  # the address moved to another account: the address decides
                sociallogin.account.user = user
                sociallogin.account.save(update_fields=["user"])
                sociallogin.user = user
        else:
            sociallogin.user = user
            sociallogin.save(request, connect=True)
