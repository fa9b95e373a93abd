"""Sign-in with the school's own account over OpenID Connect (django-allauth's ``openid_connect`` provider).

Configured from the environment, one block per provider (see the README for Microsoft Entra ID, Google
Workspace and Entree Federatie)::

    MELDPUNT_SSO_PROVIDERS=microsoft,google
    MELDPUNT_SSO_MICROSOFT_ISSUER=https://login.microsoftonline.com/<tenant id>/v2.0
    MELDPUNT_SSO_MICROSOFT_CLIENT_ID=...
    MELDPUNT_SSO_MICROSOFT_SECRET=...
    MELDPUNT_SSO_MICROSOFT_BUTTON=Inloggen met Microsoft
    MELDPUNT_SSO_MICROSOFT_EMAIL_VERIFIED_CLAIM=xms_edov     # default email_verified
    MELDPUNT_SSO_MICROSOFT_TRUST_MFA=true                    # default false
    MELDPUNT_SSO_ENTREE_TRUST_EMAIL=true                     # default false: the provider's addresses count as verified

The rules, each once:
- ``sso_account_for``: a sign-in finds an existing, active account by an e-mail address the provider says it
  verified; nobody is signed up through it, and an unknown or unverified address is refused in Dutch.
- ``provider_asserted_mfa``: a provider the installation trusts for it, whose ID token says ``amr`` contains
  ``mfa``, stands in for the portal's own second factor (portal.security.second_factor_missing).
"""

import re

SSO_SESSION_KEY = "meldpunt_sso"  # {"user": pk, "provider": provider id, "mfa": bool} of this session's sign-in


def _env_key(provider_id):
    return "MELDPUNT_SSO_" + re.sub(r"[^A-Z0-9]", "_", provider_id.upper())


def sso_apps_from_env(env):
    """allauth's ``openid_connect`` APPS from the MELDPUNT_SSO_* variables (read by the settings)."""
    apps = []
    for provider_id in env.list("MELDPUNT_SSO_PROVIDERS", default=[]):
        provider_id = provider_id.strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", provider_id):
            raise ValueError(f"MELDPUNT_SSO_PROVIDERS: {provider_id!r} is no valid name (letters, digits, - and _).")
        key = _env_key(provider_id)
        apps.append(sso_app(
            provider_id=provider_id,
            issuer=env.str(f"{key}_ISSUER"),
            client_id=env.str(f"{key}_CLIENT_ID"),
            secret=env.str(f"{key}_SECRET"),
            button=env.str(f"{key}_BUTTON", default=f"Inloggen met {provider_id.capitalize()}"),
            email_verified_claim=env.str(f"{key}_EMAIL_VERIFIED_CLAIM", default="email_verified"),
            trust_mfa=env.bool(f"{key}_TRUST_MFA", default=False),
            authorize_origin=env.str(f"{key}_AUTHORIZE_ORIGIN", default=""),
            trust_email=env.bool(f"{key}_TRUST_EMAIL", default=False),
        ))
    return apps


def sso_app(*, provider_id, issuer, client_id, secret, button, email_verified_claim="email_verified", trust_mfa=False,
            authorize_origin="", trust_email=False):
    """One provider as allauth's settings-backed app."""
    return {
        "provider_id": provider_id,
        "name": button,
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": issuer.rstrip("/"),
            "oauth_pkce_enabled": True,
            "email_verified_claim": email_verified_claim,
            "trust_mfa": trust_mfa,
            "authorize_origin": authorize_origin,
            # Every address this provider gives is the school's own (a federation of the schools' account systems
            # that sends no verification claim): the installation vouches for them.
            "trust_email": trust_email,
        },
    }


class SsoRefused(Exception):
    def __init__(self, message, reason, email=""):
        super().__init__(message)
        self.message, self.reason, self.email = message, reason, email


def _claims(sociallogin):
    """The provider's claims: the userinfo answer, with the ID token's claims beneath it."""
    data = sociallogin.account.extra_data or {}
    claims = dict(data.get("id_token") or {})
    claims.update(data.get("userinfo") or {})
    return claims


def _true(value):
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def sso_account_for(sociallogin):
    """The active account whose e-mail address the provider verified, or SsoRefused with a Dutch sentence."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    app = sociallogin.account.get_provider().app
    claims = _claims(sociallogin)
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SsoRefused(_("%(provider)s did not give an e-mail address, so Meldpunt cannot tell whose account this is. "
                           "Ask your board's administrator.") % {"provider": _provider_name(app)}, "no_email")
    verified = app.settings.get("trust_email") or _true(claims.get(app.settings.get("email_verified_claim", "email_verified")))
    if not verified:
        raise SsoRefused(_("%(provider)s did not confirm that the e-mail address %(email)s is yours (it is not "
                           "verified), so you cannot sign in with it. Sign in with your password, or ask your "
                           "board's administrator.") % {"provider": _provider_name(app), "email": email[:254]},
                         "unverified", email)
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise SsoRefused(_("There is no Meldpunt account with the e-mail address %(email)s. Accounts are not created "
                           "by signing in: ask your board's administrator to add you.") % {"email": email[:254]},
                         "unknown", email)
    return user


def _provider_name(app):
    return app.name or app.provider_id


def provider_asserted_mfa(sociallogin):
    """The provider is trusted for multi-factor authentication and its ID token says it did it (amr has mfa)."""
    app = sociallogin.account.get_provider().app
    if not app.settings.get("trust_mfa"):
        return False
    amr = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


def sso_form_action_sources():
    """The providers' origins, which the login page's Content-Security-Policy must let its buttons go to: the
    button posts to Meldpunt, which redirects the browser to the provider, and browsers hold a form's redirects to
    ``form-action`` as well. An authorisation endpoint on another host than the issuer is named by
    MELDPUNT_SSO_<NAME>_AUTHORIZE_ORIGIN."""
    from urllib.parse import urlsplit

    from django.conf import settings

    origins = set()
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        for url in (app["settings"].get("server_url"), app["settings"].get("authorize_origin")):
            if url:
                parts = urlsplit(url)
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def sso_providers_configured():
    from django.conf import settings

    return bool(settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS"))
