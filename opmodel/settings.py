"""Settings for opmodel, driven by environment variables.

OPMODEL_ENV selects the profile: ``development`` (default: SQLite, in-process events, eager
tasks), ``test`` or ``production`` (refuses to start without a real SECRET_KEY).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OPMODEL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


ENVIRONMENT = os.environ.get("OPMODEL_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"OPMODEL_ENV must be development, test or production, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

_DEV_SECRET = "django-insecure-opmodel-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "Production needs a real SECRET_KEY: at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "guardian",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "opmodel",
    "canvas",
    "teams",
    "journeys",
    "workshops",
]

MIDDLEWARE = [
    "opmodel.middleware.HealthCheckMiddleware",  # first: no host check, no HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "opmodel.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files (compressed in production)
    "opmodel.middleware.CompressPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "opmodel.middleware.SecondFactorSessionMiddleware",  # after auth: reads allauth's records
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "opmodel.middleware.RowIdMiddleware",  # ids past a bigint: 404, not an OverflowError
    "opmodel.middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "opmodel.urls"
WSGI_APPLICATION = "opmodel.wsgi.application"
ASGI_APPLICATION = "opmodel.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["django.templatetags.static"],
        },
    }
]

# Database: SQLite in var/ by default; DATABASE_URL for anything else (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'opmodel.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", default=PRODUCTION
):
    # Under ASGI, Django's persistent connections are not reused across requests; psycopg's
    # pool is the supported way to avoid a connect per request.
    # A request waits at most DATABASE_POOL_TIMEOUT seconds for a connection, then fails
    # (the friendly 503 page) instead of hanging while PostgreSQL is away.
    _pool_max = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4"))
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, _pool_max),
        "max_size": _pool_max,
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "5")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, for the test database: the live-server tests read it from the
    # ASGI server's threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-opmodel.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Log in with a username or an email address (django-allauth).
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"
# Login throttling (opmodel/auth.py): failures counted per account and per address, on every
# form that takes a password (the sign-in page and the admin's).
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))

# Accounts (django-allauth): sign in with a username or an email address; people who register
# themselves confirm their address first (accounts made by an invitation or an administrator
# are trusted: opmodel/accounts.py); two-factor by TOTP; single sign-on by OpenID Connect or
# SAML 2.0 when configured below.
ACCOUNT_ADAPTER = "opmodel.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "opmodel.accounts.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "opmodel.auth.ThrottledLoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True  # sessions last SESSION_COOKIE_AGE, as before
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[opmodel] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# An unknown address asking for a reset gets no mail at all (nothing to reveal, nothing to spam).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Failed logins are counted by opmodel.auth (per account and per address, on every form that
# takes a password); allauth's own limits stay on as well: they also guard the two-factor code.
OPMODEL_SIGNUP_OPEN = env_bool("OPMODEL_SIGNUP_OPEN", default=True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "opmodel")
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the identity provider vouches for its addresses
SOCIALACCOUNT_AUTO_SIGNUP = True  # "just in time" accounts on a first single sign-on
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
if os.environ.get("OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "sso"),
                "name": os.environ.get("OIDC_NAME", "Single sign-on"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {
                    "server_url": os.environ["OIDC_SERVER_URL"],
                    "token_auth_method": os.environ.get(
                        "OIDC_TOKEN_AUTH_METHOD", "client_secret_basic"
                    ),
                    "scope": env_list("OIDC_SCOPES", ["openid", "profile", "email"]),
                },
            }
        ],
    }
_SAML_ATTRIBUTES = {
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
    "username": ["urn:oid:0.9.2342.19200300.100.1.1"],
}
if os.environ.get("SAML_IDP_ENTITY_ID"):
    SOCIALACCOUNT_PROVIDERS["saml"] = {
        "APPS": [
            {
                "provider_id": os.environ.get("SAML_PROVIDER_ID", "saml"),
                "name": os.environ.get("SAML_NAME", "SAML sign-on"),
                "client_id": os.environ.get("SAML_ORGANIZATION", "opmodel"),
                "settings": {
                    # Attribute names as the provider sends them (SAML_ATTRIBUTE_EMAIL, ...);
                    # the standard URIs when unset. No uid attribute: the NameID is the uid.
                    "attribute_mapping": {
                        key: env_list(f"SAML_ATTRIBUTE_{key.upper()}", default)
                        for key, default in _SAML_ATTRIBUTES.items()
                    },
                    "idp": {
                        "entity_id": os.environ["SAML_IDP_ENTITY_ID"],
                        "sso_url": os.environ.get("SAML_IDP_SSO_URL", ""),
                        "x509cert": os.environ.get("SAML_IDP_X509CERT", ""),
                    },
                    "advanced": {
                        "want_assertion_signed": True,
                        "want_message_signed": False,
                        "reject_idp_initiated_sso": True,
                    },
                },
            }
        ]
    }
# Optional: identity-provider groups that give roles on models, one "group=model-slug:role" per
# item (comma-separated). Off when empty; a role is only ever raised by it, never lowered.
OPMODEL_SSO_GROUP_ROLES = env_list("OPMODEL_SSO_GROUP_ROLES", [])
OPMODEL_SSO_GROUPS_CLAIM = os.environ.get("OPMODEL_SSO_GROUPS_CLAIM", "groups")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous object permissions: outsiders see nothing

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks here even in development
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Live events and tasks: Redis when REDIS_URL is set, in-process otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds login throttling counters: shared through Redis when there is one.
CACHES = {
    "default": (
        {
            "BACKEND": "opmodel.cache.FallbackRedisCache",  # memory while Redis is away
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "opmodel",
            # Redis away: fail within a second or two rather than hold the request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # This process's memory: where the default cache's operations go while Redis is away
    # (opmodel/cache.py), so sign-in and its rate limits keep working.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# A task is acknowledged only when it has finished, so a worker killed mid-task (SIGKILL, OOM,
# a lost host) leaves it unacknowledged: a worker child that dies has its task requeued at once
# (reject_on_worker_lost); a whole worker that dies has it redelivered by Redis once the
# visibility timeout has passed. The timeout must be longer than the longest task (a handbook
# PDF takes well under a minute), or a task still running would be handed out twice; tasks are
# idempotent, so that would only waste work.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A web request that enqueues a task must fail fast when Redis is down, never hang on retries.
CELERY_TASK_PUBLISH_RETRY = False
# (kombu's own default retries a refused connection for 6 s before giving up.) A task not
# acknowledged within the visibility timeout (its worker died) is delivered again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "900")),
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# One deployment's queue: two deployments (or test runs) that share a Redis never take each
# other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")

# WeasyPrint keeps a whole document in memory (a 100-page handbook grew a worker by ~440 MiB,
# bench/RESULTS.md): a worker process that has grown past this is replaced after its task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(
    os.environ.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", str(800 * 1024))  # KiB
)

# PDF exports (opmodel.exports): rendered by a Celery worker when there is Redis, by a
# background thread of the web process otherwise ("inline" renders in the caller: tests).
OPMODEL_EXPORTS_RUN = os.environ.get("OPMODEL_EXPORTS_RUN", "celery" if REDIS_URL else "thread")
if OPMODEL_EXPORTS_RUN not in {"celery", "thread", "inline"}:
    raise ImproperlyConfigured("OPMODEL_EXPORTS_RUN must be celery, thread or inline")
OPMODEL_EXPORTS_QUEUE = os.environ.get("OPMODEL_EXPORTS_QUEUE", CELERY_TASK_DEFAULT_QUEUE)
# Without Redis (OPMODEL_EXPORTS_RUN=thread) the web process renders PDFs in this many threads
# (the rest wait their turn), and one person may have this many PDFs on their way at once.
OPMODEL_EXPORT_THREADS = int(os.environ.get("OPMODEL_EXPORT_THREADS", "2"))
OPMODEL_EXPORT_PER_USER = int(os.environ.get("OPMODEL_EXPORT_PER_USER", "3"))
# An export queued or rendering for longer than this is taken as lost (a killed worker) and
# may be run again.
OPMODEL_EXPORT_STALE_SECONDS = int(os.environ.get("OPMODEL_EXPORT_STALE_SECONDS", "600"))
# ``manage.py prune_exports`` deletes draft and failed PDFs finished longer ago than this (a
# release's PDF is kept: it is the cache), and files no export names.
OPMODEL_EXPORT_KEEP_DAYS = int(os.environ.get("OPMODEL_EXPORT_KEEP_DAYS", "30"))

# Email: console in development; SMTP settings from the environment otherwise (Django 6.1's
# MAILERS; the older EMAIL_* settings are deprecated).
_EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_EMAIL_OPTIONS: dict[str, object] = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "opmodel <opmodel@localhost>")

_SSO_ORIGINS = [
    f"{parts.scheme}://{parts.netloc}"
    for parts in (
        urlsplit(os.environ.get(name, "")) for name in ["OIDC_SERVER_URL", "SAML_IDP_SSO_URL"]
    )
    if parts.scheme and parts.netloc
]

# Security. Content Security Policy is enforced everywhere, with nonces for our scripts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # A sign-in form posts here and is redirected on to the identity provider: its origin too.
    "form-action": [CSP.SELF, *_SSO_ORIGINS],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 24 * 14)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and the font subsetter log every step at INFO: only problems here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

SIMPLE_HISTORY_REVERT_DISABLED = False
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# opmodel settings
OPMODEL_SSE_HEARTBEAT_SECONDS = float(os.environ.get("OPMODEL_SSE_HEARTBEAT_SECONDS", "15"))
# How often a live stream asks again whether its client may still read it (removed members and
# revoked share links stop receiving events within this many seconds).
OPMODEL_SSE_RECHECK_SECONDS = float(os.environ.get("OPMODEL_SSE_RECHECK_SECONDS", "10"))
# Live-event channels are "<prefix>:model:<id>": distinct prefixes keep two deployments (or two
# test runs) that share one Redis apart.
OPMODEL_EVENTS_PREFIX = os.environ.get("OPMODEL_EVENTS_PREFIX", "opmodel")
# Largest model file an import accepts (bytes). A 200-metric model exports to about 100 kB.
OPMODEL_IMPORT_MAX_BYTES = int(os.environ.get("OPMODEL_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
# The API (opmodel/api.py): requests per token (or per session) and period; tokens' longest life.
OPMODEL_API_RATE = os.environ.get("OPMODEL_API_RATE", "600/m")
# Webhooks (opmodel/services/webhooks.py). Loopback and private addresses are refused unless
# this is on (tests; a deployment whose receivers are on its own network).
OPMODEL_WEBHOOK_ALLOW_PRIVATE = env_bool("OPMODEL_WEBHOOK_ALLOW_PRIVATE", default=False)
OPMODEL_WEBHOOK_TIMEOUT = float(os.environ.get("OPMODEL_WEBHOOK_TIMEOUT", "5"))
OPMODEL_WEBHOOK_RETRIES = int(os.environ.get("OPMODEL_WEBHOOK_RETRIES", "3"))
# A failed delivery is tried again after this many seconds, then twice as long each time.
OPMODEL_WEBHOOK_BACKOFF = float(os.environ.get("OPMODEL_WEBHOOK_BACKOFF", "2"))
# "model changed": the edits of this many seconds go out together in one delivery (needs a
# Celery worker; with eager tasks, the embedded default, each change goes out at once).
OPMODEL_WEBHOOK_BATCH_SECONDS = int(os.environ.get("OPMODEL_WEBHOOK_BATCH_SECONDS", "120"))
# The Celery queue of webhook deliveries and batches (a worker of their own, if you like).
OPMODEL_WEBHOOK_QUEUE = os.environ.get("OPMODEL_WEBHOOK_QUEUE", CELERY_TASK_DEFAULT_QUEUE)
# The site's address as people reach it: links in webhook and chat messages.
OPMODEL_PUBLIC_URL = os.environ.get("OPMODEL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a workshop invitation link works.
OPMODEL_INVITATION_DAYS = int(os.environ.get("OPMODEL_INVITATION_DAYS", "7"))

# Level 2: how many capabilities one squad can be accountable or responsible for before the
# health check calls it overloaded (Team Topologies' cognitive load).
TEAMS_COGNITIVE_LOAD_LIMIT = int(os.environ.get("TEAMS_COGNITIVE_LOAD_LIMIT", "6"))
# Level 2: the accountability matrix shows every area at once up to this many cells
# (capabilities x squads); a bigger one shows one area at a time unless asked for all.
TEAMS_MATRIX_WHOLE_CELLS = int(os.environ.get("TEAMS_MATRIX_WHOLE_CELLS", "5000"))
