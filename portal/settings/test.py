"""The test suite: real PostgreSQL and Redis on localhost."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import env
from .storage import cache_settings

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/meldpunt"),
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
# Shared by the live server, worker processes and the tests, as in production: the run's own Redis database.
# A process started with MELDPUNT_CACHE_URL set but empty counts for itself (a per-process memory cache), as the
# base settings do without a cache URL.
CACHES = cache_settings(os.environ.get("MELDPUNT_CACHE_URL", CELERY_BROKER_URL))
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["KEY_PREFIX"] = "meldpunt-test"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Private files in a fresh directory, unless a process started by a test is told where (a directory or a bucket).
if STORAGES["private"]["BACKEND"].endswith("FileSystemStorage") and not env("MELDPUNT_PRIVATE_MEDIA_ROOT", default=""):  # noqa: F405
    STORAGES["private"]["OPTIONS"]["location"] = tempfile.mkdtemp(prefix="meldpunt-private-")  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="meldpunt-media-")

# Worker processes started by the tests write their mails to files the test can read.
if env("MELDPUNT_TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("MELDPUNT_TEST_EMAIL_FILE_PATH")
STATIC_ROOT = tempfile.mkdtemp(prefix="meldpunt-static-")

# The security tests switch two-factor enforcement on where they test it.
MELDPUNT_MFA_REQUIRED = False
