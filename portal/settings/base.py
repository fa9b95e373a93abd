"""Settings shared by every environment; everything that differs is read from the environment."""

import os
from pathlib import Path

import environ
from csp.constants import NONCE
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .storage import cache_settings, private_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "portal",
    "incidents",
    "sanctions",
    "consent",
    "publicreports",
    "meldpunt",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.HtmxReloadMiddleware",
    "portal.middleware.RequireMfaMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meldpunt.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "meldpunt.context_processors.navigation",
            ],
        },
    },
]

# Django's renderer, with <select> written in Python (same HTML): long option lists render in milliseconds.
FORM_RENDERER = "portal.forms.PortalFormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login: e-mail address and password, no self-service sign-up (accounts are made by the board).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "portal.adapters.NoSignupAccountAdapter"
ACCOUNT_FORMS = {"login": "portal.forms.LoginForm"}
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# Failed logins are counted and locked out by django-axes (see AXES_* below).
# allauth's own per-IP limit on sign-ins stays only as a flood guard: a whole school signs in behind one
# NAT address in the morning, and a tight limit would let anyone there block everyone, known browsers too.
ACCOUNT_RATE_LIMITS = {"login_failed": False, "login": env.str("MELDPUNT_LOGIN_RATE_PER_IP", default="600/m/ip")}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Sign-in with the school's own account (OpenID Connect: Microsoft Entra ID, Google Workspace, Entree Federatie).
# MELDPUNT_SSO_PROVIDERS names the providers; each one's values come from MELDPUNT_SSO_<NAME>_... (see
# portal/sso.py and the README). A sign-in only finds an existing account by a verified e-mail address.
MELDPUNT_PASSWORD_LOGIN = env.bool("MELDPUNT_PASSWORD_LOGIN", default=True)
SOCIALACCOUNT_ADAPTER = "portal.adapters.SchoolAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [], "OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_LOGIN_ON_GET = False  # the buttons post (with the CSRF token); a link cannot start a sign-in
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter matches by verified e-mail itself, with Dutch refusals
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10


def _sso_apps():
    from portal.sso import sso_apps_from_env  # noqa: PLC0415 (settings are read before the apps are loaded)

    return sso_apps_from_env(env)


SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = _sso_apps()

# Two-factor authentication (TOTP with recovery codes) for everyone who sees more than their own reports.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Meldpunt"
MELDPUNT_MFA_REQUIRED = env.bool("MELDPUNT_MFA_REQUIRED", default=True)

# Lockout after repeated failed logins, with device cookies (OWASP "Slow Down Online Guessing Attacks with
# Device Cookies"): a browser in which the user signed in before carries a signed cookie bound to that user,
# and its failures are counted for that cookie alone; every other browser shares one count per e-mail
# address. So wrong passwords typed elsewhere (behind the school's NAT, too) never lock out a known browser.
AXES_FAILURE_LIMIT = env.int("MELDPUNT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("MELDPUNT_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "portal.security.axes_username"  # the e-mail address, plus the device cookie's id if valid
MELDPUNT_DEVICE_COOKIE_NAME = "meldpunt_device"
# axes warns when the IP address is not a lockout parameter, because rotating cookies or user agents would
# then dodge the count. Here a new or forged cookie falls into the one count per e-mail address, and counting
# per IP address is exactly what let a school's shared NAT address lock its leader out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
MELDPUNT_DEVICE_COOKIE_DAYS = env.int("MELDPUNT_DEVICE_COOKIE_DAYS", default=180)
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions end after a period without activity (every request extends them) and with the browser.
SESSION_COOKIE_AGE = env.int("MELDPUNT_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# Content-Security-Policy: no inline script or style; a nonce for the rare inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence, correspondence, consent forms, export files: outside any URL, only served through permission-checking
    # views. The local file system, or an S3-compatible bucket once MELDPUNT_S3_BUCKET is set (storage.py).
    "private": private_storage_settings(os.environ, default_root=BASE_DIR / "var" / "private"),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# The cache holds the API throttles' and allauth's rate-limit counters: in Redis (MELDPUNT_CACHE_URL) they are
# shared by every web process; without it each process counts for itself (the demo). Production defaults to Redis.
CACHES = cache_settings(env("MELDPUNT_CACHE_URL", default=""))

# The public reporting page (publicreports): how many reports and follow-up code tries are accepted per window
# (django-ratelimit's "count/period", counted in the cache above), and the largest request it reads.
MELDPUNT_PUBLIC_REPORTS_PER_IP = env("MELDPUNT_PUBLIC_REPORTS_PER_IP", default="5/h")
MELDPUNT_PUBLIC_REPORTS_PER_SCHOOL = env("MELDPUNT_PUBLIC_REPORTS_PER_SCHOOL", default="30/h")
MELDPUNT_PUBLIC_CODE_TRIES_PER_IP = env("MELDPUNT_PUBLIC_CODE_TRIES_PER_IP", default="10/h")
MELDPUNT_PUBLIC_MAX_REQUEST_BYTES = 64 * 1024
# The request header that holds the visitor's address (django-ratelimit); behind a reverse proxy, the header
# it sets with the client's address, e.g. HTTP_X_REAL_IP.
RATELIMIT_IP_META_KEY = env("MELDPUNT_CLIENT_IP_META_KEY", default="REMOTE_ADDR")

# Uploads: the checks in portal.uploads decide what is accepted; these limits stop abuse early.
MELDPUNT_MAX_UPLOAD_BYTES = env.int("MELDPUNT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
MELDPUNT_MAX_IMAGE_PIXELS = env.int("MELDPUNT_MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Django's two handlers, each also computing the SHA-256 of a file while it is received (portal/uploads.py).
FILE_UPLOAD_HANDLERS = ["portal.uploads.HashingMemoryFileUploadHandler", "portal.uploads.HashingTemporaryFileUploadHandler"]
# How many files one form or API request may carry: the field says so, at the field, keeping what was typed.
MELDPUNT_MAX_FILES = 20
# How many links one report or evidence form may carry (each link becomes an evidence record).
MELDPUNT_MAX_LINKS = 20
# Beyond this many the request is refused before any field sees it (abuse, not a person choosing files).
DATA_UPLOAD_MAX_NUMBER_FILES = 100

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Meldpunt <meldpunt@localhost>")

# Celery: tasks take ids and are idempotent, so a redelivered message is harmless (acks_late).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Publishing must fail fast when the broker is down: the outbox row stays pending and is swept up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-notifications": {
        "task": "portal.tasks.sweep_pending_notifications",
        "schedule": env.float("MELDPUNT_SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "breach-deadline-reminders": {"task": "incidents.tasks.remind_breach_deadlines", "schedule": 300.0},
    "takedown-watch": {"task": "incidents.tasks.remind_takedowns", "schedule": 600.0},
    "stalled-cases": {"task": "incidents.tasks.remind_stalled_cases", "schedule": 3600.0},
    "purge-export-files": {"task": "portal.tasks.purge_export_jobs", "schedule": 3600.0},
    "retention": {"task": "incidents.tasks.apply_retention", "schedule": crontab(hour=2, minute=15)},
    "protocol-review": {"task": "portal.tasks.remind_protocol_reviews", "schedule": crontab(hour=7, minute=0)},
    "sweep-pending-exports": {"task": "portal.tasks.sweep_pending_exports", "schedule": 60.0},
    "sweep-unprocessed-evidence": {"task": "incidents.tasks.sweep_unprocessed_evidence", "schedule": 60.0},
    # Nightly: private files no record names (left by a process that died mid-transaction), after a grace period.
    "sweep-private-files": {"task": "portal.tasks.sweep_private_files", "schedule": crontab(hour=3, minute=30)},
    # Daily: pupils who turned 16 must now answer for themselves; their school's administrators are told once.
    "consent-turning-16": {"task": "consent.tasks.notify_pupils_turning_16", "schedule": crontab(hour=6, minute=30)},
    # Daily: duties to the Inspectie and the leerplichtambtenaar not yet done, removals still searching a school.
    "sanction-duties": {"task": "sanctions.tasks.remind_sanction_duties", "schedule": crontab(hour=7, minute=15)},
}

# Notifications: where links in e-mails point, and when reminders fire.
MELDPUNT_BASE_URL = env("MELDPUNT_BASE_URL", default="http://127.0.0.1:8000")
MELDPUNT_SWEEP_AFTER_SECONDS = env.int("MELDPUNT_SWEEP_AFTER_SECONDS", default=120)
MELDPUNT_STALLED_AFTER_DAYS = env.int("MELDPUNT_STALLED_AFTER_DAYS", default=14)
MELDPUNT_TAKEDOWN_WATCH_HOURS = env.list("MELDPUNT_TAKEDOWN_WATCH_HOURS", cast=int, default=[3, 24])
MELDPUNT_BREACH_REMINDER_HOURS = [24, 48, 66]

# A file in the private storage that no record names is deleted by the nightly sweep once it is this old.
MELDPUNT_FILE_SWEEP_GRACE_HOURS = env.float("MELDPUNT_FILE_SWEEP_GRACE_HOURS", default=24.0)

# An XLSX export of more rows than this is made by a worker, with a progress page and a download link.
MELDPUNT_EXPORT_BACKGROUND_ROWS = env.int("MELDPUNT_EXPORT_BACKGROUND_ROWS", default=5000)
# The registers a large export is made of by the worker: name -> function(*, user, params) -> RegisterExport.
MELDPUNT_EXPORT_REGISTERS = {
    "incidents": "incidents.exports.incident_register",
    "breaches": "incidents.exports.breach_register",
    "statistics": "incidents.statistics.statistics_register",
    "sanctions": "sanctions.exports.sanction_register",
    "police_reports": "sanctions.exports.police_report_register",
    "duties": "sanctions.exports.duty_register",
}

# What retention anonymises besides the cases (incidents/retention.py), in this order: each an app's RetentionPart.
# The sanctions come before the dossier documents: a sanction takes its documents along.
MELDPUNT_RETENTION_PARTS = [
    "publicreports.retention.public_reports",
    "sanctions.retention.sanctions",
    "sanctions.retention.documents",
    "sanctions.retention.lvi_reports",
]

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

PAGE_SIZE = 25

# The REST API at /api/v1/ (schema at /api/v1/schema/): a token (made in the admin or with
# `manage.py drf_create_token`) or the portal session with its CSRF token; the pages' permissions and the
# two-factor rule; JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_base.TokenAuthentication",  # first, so that a request without sign-in gets a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "portal.api_base.SecondFactorSetUp"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_base.PageNumberPagination",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api_base.AnonRateThrottle", "portal.api_base.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("MELDPUNT_API_THROTTLE_ANON", default="20/minute"),
        "user": env("MELDPUNT_API_THROTTLE_USER", default="120/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meldpunt API",
    "DESCRIPTION": "Incidents, step changes, notifications and the consent check, with the portal's permissions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],  # the schema is public; it describes the API, never its data
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"StepEnum": "incidents.workflow.State"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "portal.api_schema.add_common_responses",
        "consent.api.document_class_or_pupils",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
