"""Abuse of the public page: rate limits per visitor and per school (counted in the shared Redis cache, so every
process counts together), wrong follow-up codes that tell nothing and are throttled, and no IP address kept."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from publicreports.followup import code_new
from publicreports.models import PublicReport

from .conftest import report_data, submit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def send(page, ip, **overrides):
    return Client().post(reverse("publicreports:report", args=[page.key]), report_data(**overrides), REMOTE_ADDR=ip)


def test_reports_per_visitor_are_limited_keeping_what_was_typed(page, settings, dutch):
    settings.MELDPUNT_PUBLIC_REPORTS_PER_IP = "3/h"
    for _ in range(3):
        assert send(page, "198.51.100.7").status_code == 200
    response = send(page, "198.51.100.7", description="Vierde melding, blijft staan.")
    assert response.status_code == 429
    body = response.content.decode()
    assert "te veel meldingen" in body and "Vierde melding, blijft staan." in body
    assert PublicReport.objects.count() == 3
    assert send(page, "198.51.100.8").status_code == 200  # another visitor is not held up


def test_reports_per_school_are_limited_whatever_the_address(page, school, settings):
    settings.MELDPUNT_PUBLIC_REPORTS_PER_SCHOOL = "4/h"
    for n in range(4):
        assert send(page, f"203.0.113.{n}").status_code == 200
    assert send(page, "203.0.113.99").status_code == 429
    assert PublicReport.objects.count() == 4


def test_the_counters_are_shared_between_processes(page, settings):
    """Another web process counts into the same Redis: its reports count for this one."""
    settings.MELDPUNT_PUBLIC_REPORTS_PER_IP = "2/h"
    script = (
        "import django; django.setup()\n"
        "from types import SimpleNamespace\n"
        "from django.test import RequestFactory, override_settings\n"
        "from publicreports.abuse import report_allowed\n"
        "request = RequestFactory().post('/', REMOTE_ADDR='192.0.2.44')\n"
        f"with override_settings(MELDPUNT_PUBLIC_REPORTS_PER_IP='2/h'):\n"
        f"    print([report_allowed(request, school=SimpleNamespace(pk={page.school.pk})) for _ in range(2)])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[True, True]", result.stderr
    assert send(page, "192.0.2.44").status_code == 429
    assert send(page, "192.0.2.45").status_code == 200


def test_no_ip_address_is_kept(page, settings):
    ip = "203.0.113.77"
    assert send(page, ip, sender_name="Sam").status_code == 200
    for label in ("portal", "incidents", "publicreports"):
        for model in apps.get_app_config(label).get_models():
            for row in model._base_manager.values_list():
                assert ip not in str(row), model
    client = cache._cache.get_client(write=False)
    keys = list(client.scan_iter("*"))
    assert keys and not any(ip.encode() in key for key in keys)
    assert not any(ip.encode() in (client.get(key) or b"") for key in keys if client.type(key) == b"string")
    # Each counter goes with its window (an hour, plus django-ratelimit's few seconds).
    assert all(0 < client.ttl(key) <= 3600 + 5 for key in keys if b"rl:" in key)


def test_wrong_codes_reveal_nothing_and_are_throttled(page, settings, dutch):
    settings.MELDPUNT_PUBLIC_CODE_TRIES_PER_IP = "5/h"
    _report, code = submit(page=page)
    client = Client()
    messages = set()
    for guess in [code_new() for _ in range(3)] + ["0" * 24, code[:-1] + ("0" if code[-1] != "0" else "1")]:
        response = client.post(reverse("publicreports:follow"), {"code": guess}, REMOTE_ADDR="198.51.100.20")
        assert response.status_code == 400
        body = response.content.decode()
        messages.add(body.split('id="error_1_id_code"')[1].split("</strong>")[0] if 'id="error_1_id_code"' in body else body)
        assert "Ontvangen" not in body
    assert len(messages) == 1 and "Met deze code is geen melding gevonden" in messages.pop()
    # Over the limit every code is refused, the right one too: guessing gets no further answer.
    for guess in (code_new(), code):
        response = client.post(reverse("publicreports:follow"), {"code": guess}, REMOTE_ADDR="198.51.100.20")
        assert response.status_code == 429 and "te veel codes" in response.content.decode()
    response = client.post(reverse("publicreports:add"), {"code": code, "text": "x"}, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 429
    # Someone else, with their own code, is not held up.
    response = client.post(reverse("publicreports:follow"), {"code": code}, REMOTE_ADDR="198.51.100.21")
    assert response.status_code == 200


def test_a_malformed_code_counts_as_a_wrong_one(page, settings):
    settings.MELDPUNT_PUBLIC_CODE_TRIES_PER_IP = "2/h"
    client = Client()
    for guess in ("", "x" * 500):
        assert client.post(reverse("publicreports:follow"), {"code": guess}, REMOTE_ADDR="198.51.100.30").status_code == 400
    _report, code = submit(page=page)
    assert client.post(reverse("publicreports:follow"), {"code": code}, REMOTE_ADDR="198.51.100.30").status_code == 429
