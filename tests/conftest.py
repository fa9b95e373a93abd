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


# Private files on both backends ---------------------------------------------------------------------------
# The local file system (the default) or an S3-compatible bucket on a real server process (moto_server, see
# tests/processes.py). A test that takes ``private_storage_backend`` runs on each; ``--private-storage=s3`` runs
# every other test with its private files in a bucket too.

def pytest_addoption(parser):
    parser.addoption("--private-storage", choices=["filesystem", "s3"], default="filesystem",
                     help="Where the tests' private files go (tests taking private_storage_backend run on both).")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    from .processes import moto_s3_server

    with moto_s3_server(tmp_path_factory.mktemp("s3")) as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket on the S3 server for one test."""
    import uuid

    from .processes import s3_client

    name = f"meldpunt-{uuid.uuid4().hex[:16]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return name


class StorageBackend:
    """Which backend the private files of a test are on, and what is really stored there (read past Django)."""

    def __init__(self, name, *, endpoint=None, bucket=None, environ=None):
        self.name = name
        self.endpoint = endpoint
        self.bucket = bucket
        self.environ = environ or {}

    def stored(self):
        import os

        from django.conf import settings

        if self.name == "s3":
            from .processes import bucket_keys

            return set(bucket_keys(self.endpoint, self.bucket))
        root = settings.STORAGES["private"]["OPTIONS"]["location"]
        return {os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                for d, _dirs, files in os.walk(root) for f in files}

    def __repr__(self):
        return self.name


@pytest.fixture
def private_storage_on_s3(settings, s3_endpoint, s3_bucket):
    """Point the private storage at a fresh bucket for one test, configured as production reads it."""
    from portal.settings.storage import private_storage_settings

    from .processes import s3_environ

    environ = s3_environ(s3_endpoint, s3_bucket)
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_settings(environ, default_root="unused")}
    return StorageBackend("s3", endpoint=s3_endpoint, bucket=s3_bucket, environ=environ)


@pytest.fixture
def private_storage_on_filesystem(settings, tmp_path):
    directory = tmp_path / "private"
    directory.mkdir()
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(directory), "base_url": None},
    }}
    return StorageBackend("filesystem", environ={"MELDPUNT_PRIVATE_MEDIA_ROOT": str(directory)})


@pytest.fixture(params=["filesystem", "s3"])
def private_storage_backend(request):
    """The test runs twice: private files on the local file system, and in a bucket on a real S3 server."""
    return request.getfixturevalue(f"private_storage_on_{request.param}")


@pytest.fixture(autouse=True)
def _private_storage_option(request):
    if request.config.getoption("--private-storage") == "s3" and "private_storage_backend" not in request.fixturenames:
        request.getfixturevalue("private_storage_on_s3")
