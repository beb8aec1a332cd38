"""CareerPath settings.

Everything comes from environment variables. The defaults are the embedded
mode: SQLite in ./var, a filesystem Celery broker that needs no server, e-mail
printed to the console. Production (DEBUG off) refuses to start without a real
SECRET_KEY.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env, env_bool, env_int, env_list, env_number

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("CAREERPATH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-careerpath-embedded-mode-only"
SECRET_KEY = env("SECRET_KEY", _INSECURE_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
        "value, or set DEBUG=1 for the embedded development mode."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "nested_admin",
    "django_celery_beat",
    "simple_history",
    "outbox",
    "operations",
    "axes",
    "csp",
    "frameworks",
    "people",
    "assessments",
    "promotions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "careerpath.health.HealthCheckMiddleware",  # first: probes skip host and HTTPS checks
    "django.middleware.security.SecurityMiddleware",
    "careerpath.middleware.HostileInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "careerpath.security.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careerpath.urls"

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
                "people.context_processors.roles",
                "promotions.context_processors.sweep_alert",
                "promotions.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "careerpath.wsgi.application"

if "DATABASE_URL" not in os.environ:
    # Embedded mode: the SQLite file (and the broker's folders) live in ./var.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'careerpath.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _planner = []
    if not env_bool("DATABASE_JIT", False):
        # PostgreSQL's JIT compiler is for long analytical queries. Every query here is short,
        # yet the planner's estimate for a recursive query (the reporting lines) or an
        # aggregate over the company passes jit_above_cost, and compiling then cost 10-530 ms
        # for a query that runs in 3-30 ms (docs/scaling.md). DATABASE_JIT=1 turns it on.
        _planner.append("-c jit=off")
    # PostgreSQL's default random_page_cost (4) prices an index probe for a spinning disk, so
    # it hashed all 20,000 users or people to join the 199 of one team (My team, the review
    # queue; docs/scaling.md). 1.1 is the usual figure for SSDs and cached tables; set the
    # server's own value with DATABASE_RANDOM_PAGE_COST= (empty).
    _page_cost = env_number("DATABASE_RANDOM_PAGE_COST", 1.1)
    if _page_cost is not None:
        _planner.append(f"-c random_page_cost={_page_cost}")
    if _planner:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_planner)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The admin's history pages show who changed what (the audit trail); reverting from them
# would write around the services (no level history, no review record), so it is off.
SIMPLE_HISTORY_REVERT_DISABLED = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out person is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Refuses passwords while PASSWORD_LOGIN is off (break-glass accounts aside).
    "careerpath.sso.PasswordPolicyBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect); answers nothing while OIDC_ENABLED is off.
    "careerpath.sso.EmployeeOIDCBackend",
]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "careerpath.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
# Helpdesk exports write local times without an offset, in the helpdesk account's zone.
HELPDESK_TIME_ZONE = env("HELPDESK_TIME_ZONE", TIME_ZONE)
try:
    zoneinfo.ZoneInfo(HELPDESK_TIME_ZONE)
except (ValueError, zoneinfo.ZoneInfoNotFoundError):
    raise ImproperlyConfigured(
        f"HELPDESK_TIME_ZONE {HELPDESK_TIME_ZONE!r} is not a time zone name (e.g. "
        "Europe/Berlin, America/New_York)."
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# In DEBUG, serve straight from the app folders; production serves collected files.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: console in the embedded mode, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST", "")
# Empty counts as unset (docker-compose.yml passes every setting, blank when not chosen).
EMAIL_BACKEND = env("EMAIL_BACKEND", "") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "careerpath.mail.StderrEmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# A mail server that accepts the connection and then stalls must not hold a worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Slack incoming webhooks: only Slack's own addresses are accepted (a setting lets tests
# and staging point at a stand-in server); a short timeout, since a worker waits for it.
SLACK_WEBHOOK_PREFIXES = env_list("SLACK_WEBHOOK_PREFIXES", "https://hooks.slack.com/")
SLACK_TIMEOUT = env_int("SLACK_TIMEOUT", 5)
# Encrypts secrets kept in the database (careerpath/crypto.py); derived from SECRET_KEY
# when empty.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", "")
# Where people reach CareerPath: links in e-mails and chat messages start with it.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
ADMINS = [("Admins", email) for email in env_list("ADMINS", "")]
SERVER_EMAIL = env("SERVER_EMAIL", env("DEFAULT_FROM_EMAIL", "CareerPath <careerpath@localhost>"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "CareerPath <careerpath@localhost>")

# HTTPS: on in production. One switch, HTTPS=0, runs a plain-HTTP trial: no redirect
# to https, no HSTS, cookies also sent over http (never do this with real people's data).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
# Asking browsers to preload HSTS for the whole domain is the domain owner's decision.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The TLS-terminating proxy tells the app that the browser used https in this header,
# which it must set itself (overwriting the client's). Empty: no proxy, trust nothing.
_PROXY_SSL_HEADER = env("PROXY_SSL_HEADER", "X-Forwarded-Proto" if not DEBUG else "")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
# Proxies in front of the app that append the client's address to X-Forwarded-For;
# 0 reads REMOTE_ADDR. The login lockout and the reset throttle count per address.
PROXY_COUNT = env_int("PROXY_COUNT", 0)

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends this long after its last request (IdleSessionMiddleware).
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 8 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60

# Login lockout (django-axes): this many failures lock one e-mail at one address; an
# address alone locks only after LOGIN_LOCKOUT_ADDRESS_FAILURES (an office behind one
# NAT). Both lift after the cool-off. See careerpath/security.py.
AXES_HANDLER = "careerpath.security.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env_int("LOGIN_LOCKOUT_FAILURES", 10)
LOGIN_LOCKOUT_ADDRESS_FAILURES = env_int("LOGIN_LOCKOUT_ADDRESS_FAILURES", 100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
# Trying again while locked does not push the end of the lock further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "careerpath.security.client_ip"
AXES_USERNAME_CALLABLE = "careerpath.security.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Only failures are kept (and only until their cool-off ends): no table of every login's
# address and browser grows without end.
AXES_DISABLE_ACCESS_LOG = True

# Single sign-on with OpenID Connect (careerpath/sso.py, mozilla-django-oidc). The provider's
# endpoints are those of its discovery document (/.well-known/openid-configuration); the
# redirect URI to register with it is SITE_URL + /oidc/callback/.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "")
# The provider's end_session_endpoint: logging out here ends the provider's session too.
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
# The id token is the hint the provider's end-session endpoint asks for.
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_CALLBACK_CLASS = "careerpath.sso.SignOnCallbackView"
OIDC_AUTHENTICATE_CLASS = "careerpath.sso.SignOnStartView"
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"OIDC_ENABLED is on but {', '.join(_missing)} is not set (see the README's "
            "Single sign-on section)."
        )
# Passwords: off leaves them to the break-glass accounts only (active superusers; only the
# e-mails in BREAK_GLASS_USERS when it is set), for when the provider is down.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
BREAK_GLASS_USERS = env_list("BREAK_GLASS_USERS", "")
if not PASSWORD_LOGIN and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "PASSWORD_LOGIN is off but OIDC_ENABLED is not on: nobody but the break-glass "
        "accounts could log in."
    )

# Password-reset e-mails: at most this many per address and per e-mail in the window.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 20)
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60)

# The cache holds the reset counters: Redis when CACHE_URL is set (shared by every web
# process), otherwise memory (one process, the embedded mode).
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Content-Security-Policy (django-csp): scripts and styles only from our static files,
# never inline. data: images are Bootstrap's icons (form controls, the menu button).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if OIDC_ENABLED and OIDC_OP_LOGOUT_ENDPOINT:
    # The logout form's answer redirects to the provider's end-session page, and browsers
    # hold a form's redirects to form-action.
    _provider = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_provider.scheme}://{_provider.netloc}"
    )

# Celery: Redis in production (REDIS_URL or CELERY_BROKER_URL); otherwise
# Kombu's filesystem transport, which needs no server.
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", "filesystem://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed"):
        (_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        # The control folder (worker pings, revokes) stays out of the working directory.
        "control_folder": str(_BROKER_DIR / "control"),
    }
    (_BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
else:
    # No request waits on the broker: connecting is bounded and never retried inside a
    # request (work that cannot be sent waits in the outbox, see outbox/services.py).
    # A task a worker took but never acknowledged (the worker was killed) is given to
    # another worker after the visibility timeout; it must exceed the longest countdown
    # of a retried task (notification deliveries back off up to 4 minutes).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2),
        "socket_timeout": env_int("CELERY_BROKER_SOCKET_TIMEOUT", 10),
        "max_retries": 0,
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
        # Look for such tasks every ~30 s (Kombu's default is every 100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 3,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
# A worker process that dies mid-task hands its task back instead of acknowledging it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The REST API (api/): session login for the browser, HR-issued tokens for scripts; JSON in
# and out; each token may make API_TOKEN_RATE requests (e.g. "1000/hour").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_TOKEN_RATE", "1000/hour")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CareerPath API",
    "DESCRIPTION": "Careers, teams, evidence, promotion cases and frameworks. Log in (session) "
    "or send `Authorization: Token <key>` with a key HR issued.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EvidenceStatusEnum": "assessments.models.Evidence.Status",
        "CaseStatusEnum": "promotions.models.PromotionCase.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; lockouts are WARNING.
    "loggers": {"axes": {"level": env("AXES_LOG_LEVEL", "WARNING")}},
}
