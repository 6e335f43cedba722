"""INS Portal settings, driven by environment variables.

Every variable named in docs (README, architecture contract) is read here and
nowhere else. A value that cannot be used stops the start with a message naming
the variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off.")


def env_number(name: str, default: float, *, cast: type = float, minimum: float = 0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be at least {minimum}.")
    return value


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the content of the file named by NAME_FILE (container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r}: cannot be read ({exc.strerror}).") from None
    return os.environ.get(name, default)


def env_existing_file(name: str) -> str:
    value = env_str(name)
    if value and not Path(value).is_file():
        raise ImproperlyConfigured(f"{name}={value!r}: no such file.")
    return value


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-for-make-run"
# With DEBUG off an empty key stops the server at start (insportal/startup.py, run by wsgi/asgi and
# runserver), not here: commands that sign nothing (makemigrations, shell, workers) run without it.

ALLOWED_HOSTS = [h.strip() for h in env_str("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "identities",
    "vigilance",
    "axes",
    "insportal.security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records reads of identity pages, API details and FHIR resources (after the view answered).
    "insportal.security.middleware.AccessLogMiddleware",
    # Last, as django-axes requires: turns a locked-out login into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "insportal.urls"
WSGI_APPLICATION = "insportal.wsgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    # Persistent connections are checked before a request reuses them: after a PostgreSQL restart
    # the first request on each stale connection would otherwise fail.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Auth -------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters: the ANSSI minimum for a password alone protecting health data.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Security ---------------------------------------------------------------
# `check --deploy` passes with DEBUG off. Behind the reverse proxy, TLS ends there:
# the proxy must set X-Forwarded-Proto (and strip it from clients).

AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: refuses a locked-out user before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_number("AXES_FAILURE_LIMIT", 5, cast=int, minimum=1)
AXES_COOLOFF_TIME = env_number("AXES_COOLOFF_MINUTES", 15, cast=int, minimum=1) / 60  # hours
# Username and address together: a hospital behind one NAT address is not locked out as a whole,
# and nobody can lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Idle sessions end after 30 minutes (shared workstations at admission desks).
SESSION_COOKIE_AGE = env_number("SESSION_IDLE_MINUTES", 30, cast=int, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes speak plain HTTP on the inside
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_number("DJANGO_HSTS_SECONDS", 31536000, cast=int)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

# Content Security Policy: only our own scripts, styles and images; no inline script.
CONTENT_SECURITY_POLICY = {
    # Swagger UI (drf-spectacular's page) needs its inline bootstrap script.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Optional OpenID Connect sign-in, for hospitals with an identity provider: on only when
# every OIDC_* variable below is set. Users must already exist (matched by e-mail): the IdP
# authenticates, roles stay granted here.
_OIDC_VARIABLES = ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT",
                   "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT")
_oidc_set = {name: bool(env_secret(name)) for name in _OIDC_VARIABLES}  # the client secret may be a *_FILE
OIDC_ENABLED = all(_oidc_set.values())
if OIDC_ENABLED:
    OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_CREATE_USER = False
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("mozilla_django_oidc.auth.OIDCAuthenticationBackend")
elif any(_oidc_set.values()):
    missing = ", ".join(name for name, is_set in _oidc_set.items() if not is_set)
    raise ImproperlyConfigured(f"OIDC is half configured: set {missing} too, or none of the OIDC_* variables.")

# Retention of traces (days): INSi call log and identity access log; `manage.py purge_logs` applies it.
RETENTION_INSI_CALL_DAYS = env_number("RETENTION_INSI_CALL_DAYS", 365, cast=int, minimum=1)
RETENTION_ACCESS_LOG_DAYS = env_number("RETENTION_ACCESS_LOG_DAYS", 365, cast=int, minimum=1)

# --- I18N -------------------------------------------------------------------

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -----------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# Without a broker, tasks run in-process (embedded default of `make run`).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Eager tasks still take a producer from the broker pool: an in-memory one, not a guess at localhost.
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
# Redis redelivers a task whose worker died (acks_late) once this many seconds have passed since
# delivery: longer than the longest task or countdown, or a task still running would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_number("CELERY_VISIBILITY_TIMEOUT", 3600, cast=int)}

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bearer tokens for other systems, the session for the pages.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identities.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["identities.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "identities.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "identities.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "INS Portal API",
    "DESCRIPTION": "Identités patient, INS, vigilance. Authentification : `Authorization: Bearer <jeton>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CollectionMethodEnum": "identities.models.CollectionMethod",
        "ApiCollectionMethodEnum": "identities.api.serializers.API_COLLECTION_METHODS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "identities.api.schema.add_error_responses",
    ],
}

# --- INSi -------------------------------------------------------------------

INSI_ENDPOINT = env_str("INSI_ENDPOINT", "http://127.0.0.1:8001/lps")
if not INSI_ENDPOINT.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"INSI_ENDPOINT={INSI_ENDPOINT!r}: expected an http:// or https:// URL.")
INSI_CERT_FILE = env_existing_file("INSI_CERT_FILE")
INSI_KEY_FILE = env_existing_file("INSI_KEY_FILE")
INSI_IDAM = env_str("INSI_IDAM", "INSPORTAL0001")
INSI_SOFTWARE_NAME = "INS Portal"
INSI_SOFTWARE_VERSION = "1.0.0"
INSI_INSTANCE_ID = env_str("INSI_INSTANCE_ID", "7d3f6a9e-2b8c-4e0f-9a51-3c6d8e2f1b40")
INSI_TIMEOUT = env_number("INSI_TIMEOUT", 10.0)
# The implementation behind identities.insi.get_insi_client() (the fake in tests).
INSI_CLIENT = env_str("INSI_CLIENT", "identities.insi.zeep_client.ZeepInsiClient")
# Calls per second towards the teleservice, shared by all workers (0: no limit).
INSI_RATE_LIMIT = env_number("INSI_RATE_LIMIT", 20.0)
# Circuit breaker: after this many temporary failures in a row, no call for the cooldown (seconds).
INSI_BREAKER_THRESHOLD = env_number("INSI_BREAKER_THRESHOLD", 5, cast=int, minimum=1)
INSI_BREAKER_COOLDOWN = env_number("INSI_BREAKER_COOLDOWN", 30.0)
INSI_MAX_RETRIES = env_number("INSI_MAX_RETRIES", 5, cast=int)

# --- Identities -------------------------------------------------------------

# Proof documents of high trust for qualification (RNIV; FR Core INS value set
# PA/CN/AN/LE; residence permit listed as high trust by regional guidance).
HIGH_TRUST_DOCUMENTS = ("PA", "CN", "CS", "AN", "LE")

# --- Logging ----------------------------------------------------------------
# Never log patient traits or SOAP envelopes: loggers get identifiers only.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"zeep": {"level": "WARNING"}},
}
