"""System checks of the portal's own settings: run by ``manage.py check``, ``migrate`` and ``runserver``, so that a
production installation without a working address for its e-mail links does not start (the Docker stack's web,
worker and beat wait for its migrate service)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.http.request import split_domain_port, validate_host

HINT = "Set MELDPUNT_BASE_URL to the address people open the portal at, for example https://meldpunt.example.nl."


@register()
def base_url_check(app_configs=None, **kwargs):
    """MELDPUNT_BASE_URL starts every link in an e-mail (portal.notifications.absolute_url): it must be the
    portal's own absolute address, over https where the session cookie is sent over https only."""
    value = getattr(settings, "MELDPUNT_BASE_URL", "") or ""
    if not value.strip():
        return [Error("MELDPUNT_BASE_URL is not set: the links in e-mails would lead nowhere.", hint=HINT, id="meldpunt.E001")]
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts, hostname = None, None
    if parts is None or parts.scheme not in ("http", "https") or not hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        return [Error(f"MELDPUNT_BASE_URL ({value!r}) is not an address like https://meldpunt.example.nl "
                      "(http or https, a host name, no query, fragment or user name).", hint=HINT, id="meldpunt.E002")]
    errors = []
    if settings.SESSION_COOKIE_SECURE and parts.scheme != "https":
        errors.append(Error(f"MELDPUNT_BASE_URL ({value!r}) uses http, while the portal's sign-in works over https only.",
                            hint=HINT, id="meldpunt.E003"))
    host, _port = split_domain_port(parts.netloc)
    if not validate_host(host, settings.ALLOWED_HOSTS):
        errors.append(Error(
            f"The host of MELDPUNT_BASE_URL ({hostname}) is not in DJANGO_ALLOWED_HOSTS: the portal would refuse the "
            "links in its own e-mails.", hint="Make MELDPUNT_BASE_URL and DJANGO_ALLOWED_HOSTS name the same host.",
            id="meldpunt.E004",
        ))
    return errors
