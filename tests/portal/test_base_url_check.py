"""MELDPUNT_BASE_URL starts every e-mail link; production refuses to start without a working one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.checks import base_url_check
from portal.notifications import absolute_url

ROOT = Path(__file__).resolve().parents[2]


def production_check(**extra):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("MELDPUNT_BASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "meldpunt.example.nl",
        "DATABASE_URL": "postgres://meldpunt@127.0.0.1:5432/meldpunt",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        **extra,
    }
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_production_without_the_base_url_does_not_start():
    result = production_check()
    assert result.returncode != 0
    assert "meldpunt.E001" in result.stderr and "MELDPUNT_BASE_URL is not set" in result.stderr
    assert "https://meldpunt.example.nl" in result.stderr  # the hint says what to set

    assert production_check(MELDPUNT_BASE_URL="https://meldpunt.example.nl").returncode == 0


@pytest.mark.parametrize(("value", "error"), [
    ("", "meldpunt.E001"),
    ("   ", "meldpunt.E001"),
    ("meldpunt.example.nl", "meldpunt.E002"),
    ("ftp://meldpunt.example.nl", "meldpunt.E002"),
    ("https://", "meldpunt.E002"),
    ("https://meldpunt.example.nl/?next=/", "meldpunt.E002"),
    ("https://meldpunt.example.nl:poort", "meldpunt.E002"),
    ("https://iemand:geheim@meldpunt.example.nl", "meldpunt.E002"),
    ("http://meldpunt.example.nl", "meldpunt.E003"),
    ("https://elders.example.nl", "meldpunt.E004"),
])
def test_a_missing_or_wrong_base_url_is_an_error_that_says_so(settings, value, error):
    settings.MELDPUNT_BASE_URL = value
    settings.SESSION_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = ["meldpunt.example.nl"]
    found = base_url_check()
    assert [e.id for e in found] == [error]
    assert "MELDPUNT_BASE_URL" in found[0].msg


@pytest.mark.parametrize("value", ["https://meldpunt.example.nl", "https://meldpunt.example.nl/", "https://meldpunt.example.nl:8443/portaal"])
def test_a_good_base_url_passes_and_starts_the_links(settings, value):
    settings.MELDPUNT_BASE_URL = value
    settings.SESSION_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = ["meldpunt.example.nl"]
    assert base_url_check() == []
    assert absolute_url("/zaken/1/").startswith(value.rstrip("/") + "/zaken/1/")
