"""URLs reversed once and remembered: the same addresses as reverse(), under any script prefix."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from portal.templatetags.portal_tags import fixed_url, url_with_pk


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize("name", ["home", "incidents:dashboard", "incidents:report", "inbox", "audit_trail"])
def test_fixed_urls_are_what_reverse_gives(name, script_prefix):
    assert fixed_url(name) == reverse(name)
    script_prefix("/meldpunt/")
    assert fixed_url(name) == reverse(name)
    assert fixed_url(name).startswith("/meldpunt/")


def test_urls_with_a_primary_key_are_what_reverse_gives(script_prefix):
    case_url = url_with_pk("incidents:detail")
    assert [case_url(pk) for pk in (1, 42, 100001)] == [reverse("incidents:detail", args=[pk]) for pk in (1, 42, 100001)]
    script_prefix("/meldpunt/")
    assert url_with_pk("incidents:detail")(7) == reverse("incidents:detail", args=[7]) == "/meldpunt/zaken/7/"


def test_the_template_tag_writes_the_address():
    assert Template("{% load portal_tags %}<a href=\"{% cached_url 'incidents:dashboard' %}\">").render(Context()) == (
        f'<a href="{reverse("incidents:dashboard")}">'
    )
