import pytest
from django.utils import translation

from portal.models import Role

from .factories import PersonFactory, SchoolFactory, member


@pytest.fixture(autouse=True)
def _protocol_rules_read_anew():
    """protocol_rules() keeps a protocol version's rules for a minute per process. Each test starts without
    them: a test database may give a new version the id of an earlier test's (SQLite reuses ids)."""
    from portal.protocols import _RULES_CACHE

    _RULES_CACHE.clear()
    yield
    _RULES_CACHE.clear()


@pytest.fixture(autouse=True)
def _no_ids_waiting_for_a_commit():
    """Django's test cases roll each test back, so its on-commit hooks never run: the ids they would have
    sent must not travel with a later test's message."""
    from portal.oncommit import discard_waiting

    discard_waiting()
    yield
    discard_waiting()


@pytest.fixture(autouse=True)
def _no_counters_of_earlier_tests():
    """The cache is the run's Redis database, shared with live servers and workers as in production: each test
    starts without the rate-limit and throttle counters of an earlier test (or run)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def dutch():
    """The interface in Dutch, for tests that read the pages' and errors' texts."""
    with translation.override("nl"):
        yield


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Baken")


@pytest.fixture
def other_school(db):
    """A school of another board: its cases must not exist for our users."""
    return SchoolFactory(name="Ver Weg College")


@pytest.fixture
def sister_school(school):
    """Another school of the same board."""
    return SchoolFactory(board=school.board, name="De Horizon")


@pytest.fixture
def leader(school):
    return member(Role.SCHOOL_LEADER, school=school)


@pytest.fixture
def staff(school):
    return member(Role.STAFF, school=school)


@pytest.fixture
def board_member(school):
    return member(Role.BOARD, board=school.board)


@pytest.fixture
def privacy_officer(school):
    return member(Role.PRIVACY_OFFICER, board=school.board)


@pytest.fixture
def counsellor(school):
    return member(Role.COUNSELLOR, board=school.board)


@pytest.fixture
def pupil(school):
    return PersonFactory(school=school)


def wait_for(condition, timeout=15.0, interval=0.05):
    """Poll until ``condition()`` is truthy (for work done by a real Celery worker); fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Condition not met within {timeout} s")


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from the Redis broker of the settings."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    app.control.purge()  # messages left by earlier tests point at rows that no longer exist
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def process_uploaded_images():
    """Run the re-encoding a worker does after an upload (incidents.services.evidence_process), with what follows
    its commit (the original's deletion), which a test's own transaction would otherwise hold back."""
    from django.test import TestCase

    from incidents.models import Evidence
    from incidents.services import evidence_process

    for evidence_id in Evidence.objects.filter(processed=False).values_list("pk", flat=True):
        with TestCase.captureOnCommitCallbacks(execute=True):
            evidence_process(evidence_id=evidence_id)


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """The real OpenID provider process (tests/oidc.py), for the test client and the live server alike."""
    from .oidc import start_provider

    process, issuer = start_provider(["http://testserver", live_server.url])
    yield issuer
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sso_providers(oidc_provider, settings):
    """Meldpunt configured with the test provider twice: ``schoolidp`` (not trusted for MFA) and ``trustedidp``."""
    from .oidc import provider_apps

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": provider_apps(oidc_provider), "OAUTH_PKCE_ENABLED": True}}
    return oidc_provider
