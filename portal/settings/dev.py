"""The embedded demo: SQLite, tasks run in-process, mails on the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # noqa: F405 - eager tasks would log every delivery
STATIC_ROOT = BASE_DIR / "var" / "static"  # noqa: F405 - served from the apps' folders while developing
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # also with DEBUG off (the demo): no collectstatic needed
WHITENOISE_AUTOREFRESH = True
# The demo does not ask its accounts for a second factor; set MELDPUNT_MFA_REQUIRED=true to try it.
MELDPUNT_MFA_REQUIRED = env.bool("MELDPUNT_MFA_REQUIRED", default=False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # The dashboard's covering index (incidents) has non-key columns, which only PostgreSQL keeps.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "models.W040"]  # noqa: F405
