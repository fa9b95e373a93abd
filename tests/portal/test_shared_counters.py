"""Limits hold across web processes: two gunicorn servers on one PostgreSQL and one Redis count as one.

The API throttle counts in Redis (MELDPUNT_CACHE_URL, as production does by default); the login lockout counts in
the database (django-axes). Requests alternate between the two servers."""

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from portal.models import Role

from ..factories import SchoolFactory, member
from ..processes import app_environ, form_sign_in, web_processes

pytestmark = pytest.mark.django_db(transaction=True)  # the servers see only what is committed

CACHE_URL = "redis://127.0.0.1:6379/10"


def _api_statuses(urls, token, count):
    headers = {"Authorization": f"Token {token}"}
    return [requests.get(f"{urls[i % 2]}/api/v1/notifications/", headers=headers, timeout=20).status_code
            for i in range(count)]


def test_the_api_throttle_is_one_limit_across_two_web_processes(settings, tmp_path):
    redis.Redis.from_url(CACHE_URL).flushdb()
    token = Token.objects.create(user=member(Role.STAFF, school=SchoolFactory())).key
    env = app_environ(settings, MELDPUNT_API_THROTTLE_USER="6/minute", MELDPUNT_CACHE_URL=CACHE_URL)
    with web_processes(2, env=env, log_dir=tmp_path) as urls:
        statuses = _api_statuses(urls, token, 9)
    assert statuses == [200] * 6 + [429] * 3  # six in all, not six per process

    # Without the shared cache each process counts for itself: the same requests get twice as far.
    token = Token.objects.create(user=member(Role.STAFF, school=SchoolFactory())).key
    env = app_environ(settings, MELDPUNT_API_THROTTLE_USER="6/minute", MELDPUNT_CACHE_URL="")
    with web_processes(2, env=env, log_dir=tmp_path / "apart") as urls:
        statuses = _api_statuses(urls, token, 9)
    assert statuses == [200] * 9


def test_the_login_lockout_is_one_limit_across_two_web_processes(settings, tmp_path):
    account = member(Role.STAFF, school=SchoolFactory(), email="docent@school.example.nl")
    env = app_environ(settings, MELDPUNT_LOGIN_FAILURE_LIMIT="4", MELDPUNT_CACHE_URL=CACHE_URL)
    with web_processes(2, env=env, log_dir=tmp_path) as urls:
        browser = requests.Session()  # one cookie jar: both servers are 127.0.0.1

        def sign_in(url, password):
            return form_sign_in(browser, url, account.email, password)

        failures = [sign_in(urls[i % 2], "geraden").status_code for i in range(4)]
        assert 429 not in failures[:3]
        locked = sign_in(urls[0], "test-password-123")  # the right password, on either server: locked
        locked_too = sign_in(urls[1], "test-password-123")
    assert locked.status_code == 429 and locked_too.status_code == 429
