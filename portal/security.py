"""Login protection: who must use two-factor authentication, and the key django-axes counts failures by.

Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): after a successful sign-in
the browser gets a signed cookie with a random id per user who signed in there. A login attempt that carries
a valid id for the account tried is counted under that id alone, so it is locked only by its own failures;
attempts from any other browser share one count per e-mail address. Wrong passwords typed for a school
leader's address elsewhere (or by someone behind the same school network) lock out unknown browsers, never
the leader's own.
"""

import secrets

from allauth.mfa.stages import AuthenticateStage
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

from .access import access_for
from .models import Role
from .sso import SSO_SESSION_KEY, provider_asserted_mfa

DEVICE_COOKIE_SALT = "portal.security.device"
DEVICES_PER_BROWSER = 10  # a shared school computer remembers this many accounts

# Roles that see other people's cases, dossiers or breaches: they sign in with a second factor.
MFA_ROLES = (Role.SCHOOL_LEADER, Role.BOARD, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.ADMIN)


def mfa_required_for(user):
    return user.is_superuser or access_for(user).has_role(*MFA_ROLES)


def mfa_by_provider(request, user):
    """This session began with a sign-in at a provider the installation trusts for MFA, which asserted it."""
    session = getattr(request, "session", None)
    sso = session.get(SSO_SESSION_KEY) if session is not None else None
    return bool(sso and sso.get("mfa") and sso.get("user") == user.pk)


def second_factor_missing(request, user):
    """The user's role needs a second factor, and neither an authenticator app is set up nor did a trusted
    provider assert multi-factor authentication for this session. The pages (RequireMfaMiddleware) and the API
    (portal.api_base.SecondFactorSetUp) both ask this."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    if not settings.MELDPUNT_MFA_REQUIRED or not mfa_required_for(user) or mfa_by_provider(request, user):
        return False
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP])


class SecondFactorStage(AuthenticateStage):
    """allauth's second-factor step at sign-in (the TOTP code), skipped only when the school's own account was
    used at a provider the installation trusts for MFA and its ID token says ``amr`` contains ``mfa``."""

    def _should_handle(self, request):
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and provider_asserted_mfa(sociallogin):
            return False
        return super()._should_handle(request)


def sso_login_started(request):
    """Marks a sign-in with the school's own account. It is no password attempt: django-axes, which resets the
    failed-password count of an address when its user signs in, leaves that count alone (``axes_username``), so
    someone guessing passwords from elsewhere gets no fresh tries each time the user signs in at the provider."""
    request.meldpunt_sso_login = True


def axes_username(request, credentials):
    """The key failures are counted by: the e-mail address tried (however the login form named it; allauth
    passes ``email``), followed by the id of this browser's device cookie for that account if it has one."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("email") or request.POST.get("username")
    email = (value or "").strip().lower()
    if getattr(request, "meldpunt_sso_login", False):
        return f"{email[:200]} sso"  # no password was tried: the counts of the address stay as they are
    device = device_id_for(request, email) if email else None
    return f"{email[:200]} device:{device}" if device else email


def _devices(request):
    """The device ids of the browser's cookie, by user id; nothing if the cookie is missing, old or forged."""
    if request is None or not hasattr(request, "COOKIES"):
        return {}
    value = request.COOKIES.get(settings.MELDPUNT_DEVICE_COOKIE_NAME)
    if not value:
        return {}
    try:
        devices = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=settings.MELDPUNT_DEVICE_COOKIE_DAYS * 86400)
    except (signing.BadSignature, ValueError):
        return {}
    return {str(k): str(v) for k, v in devices.items()} if isinstance(devices, dict) else {}


def device_id_for(request, email):
    """This browser's device id for the account with this e-mail address, if it signed in here before."""
    devices = _devices(request)
    if not devices:
        return None
    user_id = get_user_model().objects.filter(email__iexact=email).values_list("pk", flat=True).first()
    return devices.get(str(user_id)) if user_id is not None else None


def device_cookie_set(*, request, response, user):
    """After a successful sign-in: give this browser a new device id for the user (the others it holds stay)."""
    devices = _devices(request)
    devices.pop(str(user.pk), None)
    devices[str(user.pk)] = secrets.token_urlsafe(12)
    devices = dict(list(devices.items())[-DEVICES_PER_BROWSER:])
    response.set_cookie(
        settings.MELDPUNT_DEVICE_COOKIE_NAME, signing.dumps(devices, salt=DEVICE_COOKIE_SALT, compress=True),
        max_age=settings.MELDPUNT_DEVICE_COOKIE_DAYS * 86400, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True, samesite="Lax",
    )


def login_attempts_left(request, credentials=None):
    """Failed attempts left before this browser is locked for the account just tried (after a failure)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return None
    return get_failure_limit(request, credentials) - failures
