"""Two-factor authentication, login lockout, security headers, session expiry and concurrent step changes."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from incidents import services
from incidents.models import Incident, Transition
from portal.models import Role

from ..factories import IncidentFactory, member

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "test-password-123"


def totp_now(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def mfa_required(settings):
    settings.MELDPUNT_MFA_REQUIRED = True


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SCHOOL_LEADER, Role.BOARD, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.ADMIN])
def test_case_roles_reach_no_case_page_before_setting_up_two_factor(client, school, mfa_required, role):
    user = member(role, school=school) if role == Role.SCHOOL_LEADER else member(role, board=school.board)
    incident = IncidentFactory(school=school)
    client.force_login(user)
    for url in ["/zaken/", f"/zaken/{incident.pk}/", "/meldingen/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/account/2fa/totp/activate/", url


@pytest.mark.django_db
def test_staff_need_no_second_factor(client, staff, mfa_required):
    client.force_login(staff)
    assert client.get("/melden/").status_code == 200


@pytest.mark.django_db
def test_setting_up_totp_opens_the_portal_and_the_next_login_asks_for_the_code(client, school, leader, mfa_required):
    response = client.post("/account/login/", {"login": leader.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/zaken/")["Location"] == "/account/2fa/totp/activate/"
    # Adding a second factor asks for the password once more.
    assert client.get("/account/2fa/totp/activate/")["Location"].startswith("/account/reauthenticate/")
    assert client.post("/account/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.get("/account/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/account/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=leader, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=leader, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/zaken/").status_code == 200

    client.logout()
    response = client.post("/account/login/", {"login": leader.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/2fa/authenticate/"
    assert client.get("/zaken/").status_code == 302  # not signed in until the code is given
    # A recovery code works as the second factor too (the TOTP code of this period was used already).
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery = RecoveryCodes(Authenticator.objects.get(user=leader, type=Authenticator.Type.RECOVERY_CODES))
    response = client.post("/account/2fa/authenticate/", {"code": recovery.get_unused_codes()[0]})
    assert response.status_code == 302
    assert client.get("/zaken/").status_code == 200


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_with_a_dutch_message(client, staff):
    for _ in range(5):
        response = client.post("/account/login/", {"login": staff.email, "password": "wrong-password"}, REMOTE_ADDR="10.9.8.7")
        assert response.status_code in (200, 429)
    response = client.post("/account/login/", {"login": staff.email, "password": PASSWORD}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Te veel mislukte inlogpogingen" in content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, staff):
    client.force_login(staff)
    response = client.get("/melden/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "meldpunt.example.nl",
        "DATABASE_URL": "postgres://meldpunt@127.0.0.1:5432/meldpunt",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "MELDPUNT_BASE_URL": "https://meldpunt.example.nl",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process only
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_session_ends_after_half_an_hour_without_activity(client, staff, settings, time_machine):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE == 30 * 60
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    client.force_login(staff)
    time_machine.move_to("2026-03-02 09:25:00+01:00", tick=False)
    assert client.get("/melden/").status_code == 200  # activity extends the session
    time_machine.move_to("2026-03-02 09:50:00+01:00", tick=False)
    assert client.get("/melden/").status_code == 200
    time_machine.move_to("2026-03-02 10:21:00+01:00", tick=False)
    response = client.get("/melden/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


@pytest.mark.django_db(transaction=True)
def test_two_leaders_taking_the_same_step_at_once_exactly_one_succeeds(school):
    first, second = member(Role.SCHOOL_LEADER, school=school), member(Role.SCHOOL_LEADER, school=school)
    incident = IncidentFactory(school=school)
    services.incident_triage(incident=incident, actor=first, severity="high", category="bullying", privacy_flag=False)
    results = {}

    def take_step(user):
        try:
            services.incident_advance(incident=Incident.objects.get(pk=incident.pk), transition="start_gathering", actor=user)
            results[user.pk] = "ok"
        except ValidationError as error:
            results[user.pk] = error.messages[0]
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            results[user.pk] = repr(error)
        finally:
            connections.close_all()

    # Hold the case's row lock so that both leaders are certainly waiting at the same moment.
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        threads = [threading.Thread(target=take_step, args=(user,)) for user in (first, second)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity is otherwise frozen per transaction
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                if cursor.fetchone()[0] >= 2:
                    break
            time.sleep(0.05)
        else:
            pytest.fail(f"The two step changes did not both wait for the lock: {results}")
    for thread in threads:
        thread.join(10)

    assert sorted(results.values(), key=lambda v: v != "ok")[0] == "ok"
    assert list(results.values()).count("ok") == 1
    refused = next(v for v in results.values() if v != "ok")
    assert "2. Informatie verzamelen" in refused  # the clear message names the step the case is in now
    assert Transition.objects.filter(incident=incident).count() == 1
    incident.refresh_from_db()
    assert incident.state == "gathering"


