"""The public pages' rate limits, counted in the shared cache by django-ratelimit (Redis in production, so every
web process counts together).

A visitor's address is never stored: it is only the key of a counter, as an HMAC with the secret key, and the
counter expires with its window."""

import hashlib
import hmac

from django.conf import settings
from django_ratelimit.core import _get_ip, get_usage
from redis.exceptions import RedisError


def _visitor(group, request):
    return hmac.new(settings.SECRET_KEY.encode(), _get_ip(request).encode(), hashlib.sha256).hexdigest()


def _usage(request, *, group, key, rate, increment):
    """(count, limit) of one counter; None when the counters cannot be reached (then the page refuses, rather
    than letting a flood through)."""
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except RedisError:
        return None
    return (usage["count"], usage["limit"]) if usage else (0, 1)


def report_allowed(request, *, school):
    """Count one report from this visitor and to this school; False once either is over its limit."""
    counts = [
        _usage(request, group="publicreports.report.visitor", key=_visitor,
               rate=settings.MELDPUNT_PUBLIC_REPORTS_PER_IP, increment=True),
        _usage(request, group="publicreports.report.school", key=lambda group, request: str(school.pk),
               rate=settings.MELDPUNT_PUBLIC_REPORTS_PER_SCHOOL, increment=True),
    ]
    return all(usage is not None and usage[0] <= usage[1] for usage in counts)


def code_tries_left(request):
    """Whether this visitor may try a follow-up code now (wrong codes are counted by code_try_failed)."""
    usage = _usage(request, group="publicreports.code.visitor", key=_visitor,
                   rate=settings.MELDPUNT_PUBLIC_CODE_TRIES_PER_IP, increment=False)
    return usage is not None and usage[0] < usage[1]


def code_try_failed(request):
    _usage(request, group="publicreports.code.visitor", key=_visitor,
           rate=settings.MELDPUNT_PUBLIC_CODE_TRIES_PER_IP, increment=True)
