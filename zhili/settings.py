"""Django settings for Zhili. Every value comes from the environment through zhili.config."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from zhili import config
from zhili.notify import conf as notify_conf

env = config.Env()
BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = config.var_dir(env)

# ZHILI_HTTPS marks a production deployment behind TLS: secure cookies, HSTS, redirect to https,
# and a SECRET_KEY that must be given rather than generated.
HTTPS = env.bool("ZHILI_HTTPS", False)
DEBUG = env.bool("DEBUG", False)
SECRET_KEY = config.secret_key(env, VAR_DIR, production=HTTPS)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "treebeard",
    "django_htmx",
    "huey.contrib.djhuey",
    "zhili.core",
    "zhili.taxonomy",
    "zhili.org",
    "zhili.accounts",
    "zhili.audit",
    "zhili.notify",
    "zhili.deadlines",
    "zhili.matters",
    "zhili.triage",
    "zhili.search",
    "zhili.grid",
    "zhili.portal",
    "zhili.web",
    "zhili.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.core.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhili.core.middleware.RequestContextMiddleware",
    "zhili.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.web.context_processors.platform",
            ],
        },
    },
]

# Form widgets are drawn by Jinja2, Django's own widget templates and ours (zhili/web/renderers.py):
# a filter form's pick-lists hold hundreds of options.
FORM_RENDERER = "zhili.web.renderers.FormRenderer"

DATABASES = {"default": config.database(env, VAR_DIR)}
CACHES = {"default": config.cache(env)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock the username after repeated failures for a while.
AXES_FAILURE_LIMIT = env.int("ZHILI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.int("ZHILI_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("ZHILI_TRUSTED_PROXIES", 0) or None
AXES_VERBOSE = False

# The resident portal's open doors, per client network and window (zhili/portal/throttle.py).
PORTAL_RATES = {
    "report": env.rate("ZHILI_PORTAL_REPORT_RATE", "20/h"),  # matters reported
    "code": "10/h",  # tracking codes asked for
    "verify": "30/h",  # codes tried
    "hint": "120/m",  # category hints while typing
}
RATELIMIT_IP_META_KEY = "zhili.portal.throttle.address"

# Two-factor: staff must use TOTP when this is on (production default: on).
REQUIRE_STAFF_2FA = env.bool("ZHILI_REQUIRE_2FA", HTTPS)
OTP_TOTP_ISSUER = "Zhili"

# Sessions expire after this many idle minutes; CSRF and session cookies are HttpOnly/SameSite.
SESSION_COOKIE_AGE = env.int("ZHILI_SESSION_IDLE_MINUTES", 60, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = False  # the idle expiry slides once a minute: core.middleware.SlidingSessionMiddleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders, but expects the folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zhili.accounts.auth.TokenAuthentication",
        "zhili.accounts.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "zhili.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is ours (exports), not content negotiation
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("ZHILI_API_RATE", "6000/minute")},
}
REST_KNOX = {
    "TOKEN_TTL": None,  # integration tokens live until revoked; each has its own expiry when issued
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhili API",
    "DESCRIPTION": "REST API of the Zhili grassroots governance platform. Errors are JSON: "
    '{"type": ..., "errors": [{"code": ..., "detail": ..., "attr": <field or null>}]}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "zhili.accounts.roles.Role",
        "PartyRoleEnum": "zhili.matters.choices.PartyRole",
        "MatterStatusEnum": "zhili.matters.choices.Status",
        "ChannelEnum": "zhili.matters.choices.Channel",
        "EventKindEnum": "zhili.matters.choices.EventKind",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "zhili.core.schema.drop_backend_integer_bounds",
    ],
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "zhili.core.errors.ZhiliExceptionHandler",
}

HUEY = config.broker(env, VAR_DIR)

# Notices by SMS and e-mail (zhili.notify, docs/notifications.md). Backends are dotted paths,
# checked now so a typo stops start-up; the default writes notices to var/outbox/ and sends nothing.
NOTIFY_SMS_BACKEND = notify_conf.backend(env, "ZHILI_SMS_BACKEND", "sms")
NOTIFY_EMAIL_BACKEND = notify_conf.backend(env, "ZHILI_EMAIL_BACKEND", "email")
NOTIFY_SMS_GATEWAY = notify_conf.sms_gateway(env, NOTIFY_SMS_BACKEND)
NOTIFY_MAX_ATTEMPTS = env.int("ZHILI_NOTIFY_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise config.ConfigError("EMAIL_USE_SSL", "cannot be on together with EMAIL_USE_TLS; use one (SSL for port 465)")
# A hung mail server must not hold a notice in "sending" until the sweep thinks its worker died.
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "zhili@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # run_huey adds its own handler; do not print each line twice through the root logger
        "huey": {"level": env.str("LOG_LEVEL", "INFO"), "propagate": False},
    },
}

ZHILI_BRAND = _("治理 · 基层社会治理平台")

# Matters: the number prefix (LS-2026-000123) and how long after closing a dissatisfied resident
# may reopen a matter.
MATTER_NUMBER_PREFIX = env.str("ZHILI_MATTER_PREFIX", "LS")
MATTER_REOPEN_DAYS = env.int("ZHILI_REOPEN_DAYS", 15, minimum=0, maximum=365)

# Attachments of matters (zhili.matters.attachments): the largest file accepted, and how many
# files one matter may hold. A reverse proxy in front must accept request bodies this large.
ATTACHMENT_MAX_BYTES = env.int("ZHILI_ATTACHMENT_MAX_MB", 20, minimum=1, maximum=200) * 1024 * 1024
ATTACHMENTS_PER_MATTER = env.int("ZHILI_ATTACHMENTS_PER_MATTER", 30, minimum=1, maximum=500)

# Maps (the grid worker's pages) draw the units' boundaries (Unit.boundary) on a plain ground and
# need no tile server. A tile URL such as https://tiles.example.org/{z}/{x}/{y}.png adds a base
# map; its origin is then allowed for images on the pages with a map only.
MAP_TILE_URL = env.str("ZHILI_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env.str("ZHILI_MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL and not MAP_TILE_URL.startswith(("https://", "http://")):
    raise config.ConfigError("ZHILI_MAP_TILE_URL", "must be an http(s) URL with {z}/{x}/{y}")
