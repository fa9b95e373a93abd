from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe

register = template.Library()


_PK_MARK = 987654321987654321


@lru_cache(maxsize=512)
def _reverse_fixed(name, urlconf, prefix, with_pk):
    if with_pk:  # a template "/zaken/{}/" for url_with_pk
        return reverse(name, urlconf=urlconf, args=[_PK_MARK]).replace(str(_PK_MARK), "{}")
    return reverse(name, urlconf=urlconf)


@receiver(setting_changed)
def _forget_reversed_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse_fixed.cache_clear()


def fixed_url(name):
    """The address of a URL without arguments, reversed once per URLconf and script prefix.

    Reversing costs tens of microseconds; the navigation on every page has more than a dozen links."""
    return _reverse_fixed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), False)


def url_with_pk(name):
    """A function giving the address of URL ``name`` whose one argument is a primary key, for long lists."""
    return _reverse_fixed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), True).format


@register.simple_tag(name="cached_url")
def cached_url(name):
    """``{% cached_url 'incidents:dashboard' %}``: ``{% url %}`` for a URL without arguments, remembered."""
    return fixed_url(name)


@register.simple_tag(name="pk_url")
def pk_url(name, pk):
    """``{% pk_url 'sanctions:dossier' person.pk %}``: ``{% url %}`` with one primary key, for long lists."""
    return url_with_pk(name)(pk)


@register.filter
def css_string(value):
    """Quote text as a CSS string (page headers of PDF exports); safe inside a <style> element."""
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", " "), ("\r", " "), ("<", "\\3C "), (">", "\\3E "), ("&", "\\26 ")):
        text = text.replace(char, escaped)
    return mark_safe(f'"{text}"')


@register.filter
def minutes(duration):
    """A timedelta as whole minutes, rounded up (for 'try again in N minutes')."""
    try:
        return max(1, int(-(-duration.total_seconds() // 60)))
    except AttributeError:
        return duration


@register.simple_tag
def password_login_enabled():
    """Whether the login page offers the e-mail and password form (MELDPUNT_PASSWORD_LOGIN)."""
    return settings.MELDPUNT_PASSWORD_LOGIN
