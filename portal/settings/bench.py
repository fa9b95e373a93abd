"""The page benchmark (bench/pages.py): production settings, served by gunicorn over plain http on 127.0.0.1.

Only what plain http needs is relaxed; everything else (DEBUG off, middleware, templates, database
connections, password hashing, two-factor enforcement) is production's.
"""

from .base import env
from .production import *  # noqa: F403

# Plain http on loopback: no redirect to https, no HSTS header, and cookies that are sent back over http.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MELDPUNT_BASE_URL = env("MELDPUNT_BASE_URL", default="http://127.0.0.1:8000")

# Every portal URL plus the baseline's bare view (bench/bare/); production's URLconf does not have it.
ROOT_URLCONF = "meldpunt.bench_urls"
