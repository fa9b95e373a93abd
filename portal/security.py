"""Login protection: who must use two-factor authentication, and the key django-axes counts failures by."""

from .access import access_for
from .models import Role

# Roles that see other people's cases, dossiers or breaches: they sign in with a second factor.
MFA_ROLES = (Role.SCHOOL_LEADER, Role.BOARD, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.ADMIN)


def mfa_required_for(user):
    return user.is_superuser or access_for(user).has_role(*MFA_ROLES)


def axes_username(request, credentials):
    """The e-mail address tried, however the login form named it (allauth passes ``email``)."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("email") or request.POST.get("username")
    return (value or "").strip().lower()
