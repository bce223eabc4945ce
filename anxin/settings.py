"""Settings for anxin, read strictly from the environment.

Every variable is listed in .env.example. A bad value raises ImproperlyConfigured at start-up
rather than running with a silent default.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# Model fields, managers and the like take type arguments at run time as they do for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ANXIN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file))


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def _int(name: str, default: int) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def _secret(name: str) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE."""
    direct = env.str(name, default="")
    path = env.str(f"{name}_FILE", default="")
    if direct and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc}") from exc
    return direct or None


ANXIN_ENV = env.str("ANXIN_ENV", default="development")
if ANXIN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"ANXIN_ENV must be development or production, got {ANXIN_ENV!r}")
PRODUCTION = ANXIN_ENV == "production"
DEBUG = _bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when ANXIN_ENV=production")


def _dev_secret_key() -> str:
    """In development the key is generated once and kept under var/."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret("SECRET_KEY") or ""
if not SECRET_KEY:
    if not PRODUCTION:
        SECRET_KEY = _dev_secret_key()
    else:
        raise ImproperlyConfigured("SECRET_KEY or SECRET_KEY_FILE is required in production")


def _keys(name: str, dev_file: str) -> list[str]:
    """A comma-separated list of keys, newest first, from NAME or NAME_FILE; each at least 32
    characters. Development generates one into var/<dev_file> (created exclusively, so parallel
    first runs agree on one); production requires it."""
    raw = _secret(name) or ""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        if PRODUCTION:
            raise ImproperlyConfigured(f"{name} or {name}_FILE is required in production")
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file = VAR_DIR / dev_file
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(48))
        for _ in range(50):  # another process may be writing it this very moment
            keys = [k.strip() for k in key_file.read_text(encoding="utf-8").split(",") if k.strip()]
            if keys:
                break
            time.sleep(0.1)
    if not keys or any(len(k) < 32 for k in keys):
        raise ImproperlyConfigured(f"Each {name} key must be at least 32 characters")
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} lists the same key twice")
    return keys


FIELD_ENCRYPTION_KEYS = _keys("FIELD_ENCRYPTION_KEYS", "field_keys")


AUDIT_HMAC_KEYS = _keys("AUDIT_HMAC_KEYS", "audit_keys")
# Signed checkpoints of the audit chain's head (`anxin audit checkpoint`), kept outside the database.
AUDIT_CHECKPOINT_FILE = Path(env.str("AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit-checkpoints.log")))

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    # Listed so that /api/docs renders ninja's own template with the Swagger UI it ships, not a CDN's.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "anxin.core",
    "anxin.access",
    "anxin.audit",
    "anxin.ops",
    "anxin.org",
    "anxin.intake",
    "anxin.ledgers",
    "anxin.ledgers.patrol",
    "anxin.ledgers.gate",
    "anxin.ledgers.hazards",
    "anxin.ledgers.care",
    "anxin.ledgers.education",
    "anxin.warnings",
    "anxin.oversight.stats",
    "anxin.oversight.supervision",
    "anxin.oversight.opinion",
    "anxin.oversight.reports",
    "anxin.surveys",
    "anxin.wellbeing",
    "anxin.cases",
    "anxin.accounts",
    "anxin.demo",
    # Last, so that the project's own widget templates (anxin/core/templates/django/forms/) win.
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "anxin.core.middleware.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "anxin.core.middleware.SecurityHeadersMiddleware",
    "anxin.ledgers.middleware.WrittenAtMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "anxin.accounts.middleware.AccountGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "anxin.core.input_guard.RefuseNulInApiMiddleware",
]

ROOT_URLCONF = "anxin.urls"
WSGI_APPLICATION = "anxin.wsgi.application"

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
                "anxin.navigation.navigation",
            ],
        },
    }
]

# Forms render their widgets through the project's template engines, so that a widget template may
# be overridden: a select's empty choice says 请选择, never Django's "---------".
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'anxin.sqlite3'}"
try:
    _db = env.db_url("DATABASE_URL", default=_default_sqlite)
except Exception as exc:  # django-environ raises several kinds for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db.setdefault("OPTIONS", {})
    # WAL keeps readers and the writer apart; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    _db["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # Tests use a file too: an in-memory database shares one cache between threads and answers
    # "table is locked" instead of waiting, which would hide how concurrent writers really behave.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
    _db["ENGINE"] = "django.db.backends.postgresql"
    _db["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
    {"NAME": "anxin.accounts.validators.PersonalInfoValidator"},
    {"NAME": "anxin.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login throttling (django-axes) -------------------------------------------------------
# Failures count per (account, source address): a stranger cannot lock a principal out of school.
# The limit locks that pair for AXES_COOLOFF_MINUTES, doubled by each further failure (up to a day);
# see anxin.accounts.lockout. Wrong second-factor codes count alike.
AXES_FAILURE_LIMIT = _int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = _int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = "anxin.accounts.lockout.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Not on a correct password alone: wrong second-factor codes must keep counting. The failures of an
# (account, address) are forgotten once the whole sign-in succeeds (anxin.accounts.services.signin_completed).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "anxin.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "anxin.accounts.lockout.client_ip"
AXES_VERBOSE = False

# --- Second factor (django-otp) ----------------------------------------------------------------
OTP_TOTP_ISSUER = "安心校园"

# --- API tokens -------------------------------------------------------------------------------
API_TOKEN_TTL = timedelta(hours=_int("API_TOKEN_TTL_HOURS", 12))

# --- I18n and time ---------------------------------------------------------------------------
# Every page is in Simplified Chinese. Strings go through gettext so that an English catalogue
# (anxin/locale/en) can follow; LocaleMiddleware is switched on only once it exists, so that an
# English browser never gets Django's own words in English among ours in Chinese.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "anxin" / "locale"]
FORMAT_MODULE_PATH = ["anxin.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in [
        ("bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
        ("bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
        ("echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ]
    if path.exists()
]
STORAGES = {
    # Uploads are encrypted on disk (mode 0600) and served only by permission-checked views.
    "default": {"BACKEND": "anxin.core.storage.EncryptedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production the files are served straight from the installed packages, no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- Cache (rate limits) ------------------------------------------------------------------------
# Shared by every worker process: a file cache on one machine, Redis or the database beyond it.
try:
    CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
except Exception as exc:
    raise ImproperlyConfigured(f"CACHE_URL is not a valid cache URL: {exc}") from exc

# --- Background tasks (django-tasks) -----------------------------------------------------------
# immediate: the embedded default, a task runs in the process that enqueues it, and `anxin serve`
# looks for due periodic jobs in its own workers. database: tasks wait in a table for `anxin worker`.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be immediate or database, got {TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
# Seconds between two looks for due periodic jobs by `anxin serve` (anxin.core.gunicorn_conf).
PERIODIC_INTERVAL = _int("PERIODIC_INTERVAL", 300)
if PERIODIC_INTERVAL < 1:
    raise ImproperlyConfigured(f"PERIODIC_INTERVAL must be at least 1 second, got {PERIODIC_INTERVAL}")

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = _secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="anxin@localhost")

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = _int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "anxin.core.views.csrf_failure"
# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files, never
# inline. data: images are Bootstrap's and Swagger UI's CSS icons (form controls, navbar toggler).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# /api/docs (Swagger UI) is open to anyone outside production; in production only to a signed-in account.
API_DOCS_PUBLIC = _bool("API_DOCS_PUBLIC", not PRODUCTION)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # "Too Many Requests: /box/…" with its time is an access-log line about a child: dropped.
    "filters": {"no_box": {"()": "anxin.intake.logs.DropIntakeRequests"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["no_box"]},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # weasyprint logs a dozen lines per poster page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Pluggable SMS gateway: a class with send(to, body). The default only records, in the database;
# anxin.core.delivery.DeliverySmsBackend sends through Aliyun SMS (ALIYUN_*) with retries.
SMS_BACKEND = env.str("SMS_BACKEND", default="anxin.core.notify.RecordingSmsBackend")

# Outside channels (anxin.core.channels) this deployment enables, comma-separated, among
# wecom_robot, wecom_app, dingtalk, sms, wechat. Empty: nothing leaves but e-mail and SMS_BACKEND.
NOTIFY_CHANNELS = [c.strip() for c in env.str("NOTIFY_CHANNELS", default="").split(",") if c.strip()]
_KNOWN_CHANNELS = {"wecom_robot", "wecom_app", "dingtalk", "sms", "wechat"}
if set(NOTIFY_CHANNELS) - _KNOWN_CHANNELS:
    raise ImproperlyConfigured(
        f"NOTIFY_CHANNELS may only name {sorted(_KNOWN_CHANNELS)}, got {NOTIFY_CHANNELS!r}"
    )
# Endpoints are settings so that tests (and a private gateway) can point them elsewhere.
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_CORP_SECRET = _secret("WECOM_CORP_SECRET") or ""
WECOM_AGENT_ID = _int("WECOM_AGENT_ID", 0)
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com")
DINGTALK_SECRET = _secret("DINGTALK_SECRET") or ""
ALIYUN_SMS_ENDPOINT = env.str("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_ACCESS_KEY_ID = env.str("ALIYUN_ACCESS_KEY_ID", default="")
ALIYUN_ACCESS_KEY_SECRET = _secret("ALIYUN_ACCESS_KEY_SECRET") or ""
ALIYUN_SMS_SIGN_NAME = env.str("ALIYUN_SMS_SIGN_NAME", default="安心校园")
# An approved template with one variable ${content}.
ALIYUN_SMS_TEMPLATE = env.str("ALIYUN_SMS_TEMPLATE", default="")
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_APPID = env.str("WECHAT_APPID", default="")
WECHAT_SECRET = _secret("WECHAT_SECRET") or ""
WECHAT_TEMPLATE_ID = env.str("WECHAT_TEMPLATE_ID", default="")
# Seconds an outside HTTP call may take before it counts as failed (and is retried).
NOTIFY_HTTP_TIMEOUT = _int("NOTIFY_HTTP_TIMEOUT", 10)

# A school receiving more online reports than this in an hour marks the rest suspect (never dropped).
INTAKE_SCHOOL_HOURLY_CAP = _int("INTAKE_SCHOOL_HOURLY_CAP", 50)


# Wrong receipts one client may try per window before 429.
def _rate(name: str, default: str) -> str:
    """A django-ratelimit rate such as 10/10m: a count, then a period of at least one unit."""
    raw = env.str(name, default=default).strip()
    match = re.fullmatch(r"([1-9][0-9]*)/([1-9][0-9]*)?([smhd])", raw)
    if match is None:
        raise ImproperlyConfigured(
            f"{name} must look like 10/10m (count/period in s, m, h or d), got {raw!r}"
        )
    return raw


INTAKE_LOOKUP_RATE = _rate("INTAKE_LOOKUP_RATE", "10/10m")
# Letters one client address may send to one school per window (counted by a keyed hash, no cookie), then 429.
INTAKE_SUBMIT_RATE = _rate("INTAKE_SUBMIT_RATE", "10/10m")
# Seconds within which non-urgent "new report" notices to a school's staff are grouped into one.
INTAKE_ALERT_WINDOW = _int("INTAKE_ALERT_WINDOW", 600)
if INTAKE_ALERT_WINDOW < 60 or INTAKE_ALERT_WINDOW % 60:
    # Report times are kept to the minute: a window starting mid-minute would miss its own report.
    raise ImproperlyConfigured(
        "INTAKE_ALERT_WINDOW must be a whole number of minutes, in seconds (60, 600, ...)"
    )

# The address children's phones reach the site at, for the QR code on posters (e.g. https://anxin.example.edu.cn).
# Empty: the address the poster was printed from.
ANXIN_PUBLIC_BASE_URL = env.str("ANXIN_PUBLIC_BASE_URL", default="")
# Behind a reverse proxy, the request header that carries the client address (e.g. HTTP_X_REAL_IP). Empty:
# REMOTE_ADDR. The 爱心信箱's limits keep it only as a keyed hash; staff logins' lockout (django-axes)
# stores it as it is, and the lockout notice shows it to the account's owner.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
