"""OpenHAT settings. Everything an operator may change comes from the environment.

OPENHAT_MODE=development (the default; labelled on every page) or production. In production the
app refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from openhat import embedded_db
from openhat.core.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = embedded_db.var_dir()

MODE = env_choice("OPENHAT_MODE", "development", ("development", "production"))
PRODUCTION = MODE == "production"
DEVELOPMENT_MODE = not PRODUCTION
TESTING = "pytest" in sys.modules or env_bool("OPENHAT_TESTING", False)
DEBUG = env_bool("OPENHAT_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("OPENHAT_DEBUG must be off in production mode")


def _development_secret_key() -> str:
    """A random key kept in var/, so development sessions survive a restart; never a fixed string."""
    path = VAR_DIR / "development-secret-key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


_secret = env_str("SECRET_KEY")
if PRODUCTION:
    if not _secret:
        raise ImproperlyConfigured("production mode needs SECRET_KEY in the environment")
    if len(_secret) < 40:
        raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters in production mode")
SECRET_KEY = _secret or _development_secret_key()

# Signed checkpoints of the hash chains (audit.checkpoints): a directory the database cannot
# reach, append-only by convention (files are created once, read-only). In production put it on
# other storage (a WORM bucket mount, a remote host) and copy it off the machine.
CHECKPOINT_DIR = Path(env_str("OPENHAT_CHECKPOINT_DIR") or VAR_DIR / "checkpoints")
# A second copy of every checkpoint, sent to a syslog the database host cannot rewrite:
# "udp://host:514", "tcp://host:601" or a local socket path ("/dev/log"); empty: none.
CHECKPOINT_SYSLOG = env_str("OPENHAT_CHECKPOINT_SYSLOG", "") or ""

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", () if PRODUCTION else ("localhost", "127.0.0.1", "[::1]", "testserver")
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("production mode needs ALLOWED_HOSTS (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ())

# --- database: PostgreSQL only -------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    _database = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    if _database.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL (postgresql://...), not {_database.get('ENGINE')}"
        )
elif PRODUCTION:
    raise ImproperlyConfigured(
        "production mode needs DATABASE_URL; the embedded database is for development"
    )
else:
    _database = embedded_db.ensure_running()  # type: ignore[assignment]
    embedded_db.ensure_database(dict(_database))
# The owner migrates; the application connects as a role that owns no table and is no superuser
# (core/database_roles.py). With DATABASE_URL, OPENHAT_MIGRATE_DATABASE_URL is the owner's login to
# the same database; unset, DATABASE_URL's role is the owner too (`check --deploy` warns).
_migrate_url = env_str("OPENHAT_MIGRATE_DATABASE_URL")
if _migrate_url and not _database_url:
    raise ImproperlyConfigured(
        "OPENHAT_MIGRATE_DATABASE_URL needs DATABASE_URL (the embedded database has its own roles)"
    )
if _migrate_url:
    _owner = dj_database_url.parse(_migrate_url)
    if _owner.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("OPENHAT_MIGRATE_DATABASE_URL must point at PostgreSQL")
    if _owner.get("NAME") != _database.get("NAME"):
        raise ImproperlyConfigured(
            "OPENHAT_MIGRATE_DATABASE_URL must name the same database as DATABASE_URL "
            f"({_database.get('NAME')!r}, not {_owner.get('NAME')!r})"
        )
    OPENHAT_DATABASE_OWNER = {
        key: str(_owner.get(key) or "") for key in ("USER", "PASSWORD", "HOST", "PORT")
    }
    OPENHAT_DATABASE_APP_ROLE = (
        str(_database.get("USER") or "")
        if _database.get("USER") != OPENHAT_DATABASE_OWNER["USER"]
        else ""
    )
elif _database_url:
    OPENHAT_DATABASE_OWNER = {}
    OPENHAT_DATABASE_APP_ROLE = ""
else:
    OPENHAT_DATABASE_OWNER = embedded_db.owner_login()
    OPENHAT_DATABASE_APP_ROLE = embedded_db.APP_ROLE
_database.setdefault("TEST", {})
_database["TEST"]["NAME"] = env_str("OPENHAT_TEST_DATABASE", "test_openhat")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "csp",
    "ninja",
    "openhat.core",
    "openhat.audit",
    "openhat.clinics",
    "openhat.patients",
    "openhat.enrolment",
    "openhat.prescribing",
    "openhat.pharmacy",
    "openhat.dosing",
    "openhat.staff",
    "openhat.outcomes",
    "openhat.care",
    "openhat.screens",
    "openhat.counselling",
    "openhat.interviews",
    "openhat.pilot",
    "openhat.release",
    "openhat.community",
    "openhat.research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "openhat.core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openhat.core.middleware.ApiRateLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "openhat.core.middleware.InputBoundsMiddleware",
    "openhat.clinics.middleware.KeepMembershipsMiddleware",
    "openhat.clinics.middleware.CurrentClinicMiddleware",
    "openhat.audit.middleware.RequestContextMiddleware",
    "openhat.clinics.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openhat.urls"
WSGI_APPLICATION = "openhat.wsgi.application"

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
                "openhat.core.context_processors.openhat",
            ],
        },
    }
]

# --- sign-in hardening -------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS.insert(0, "openhat.core.hashers.TestArgon2PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock the account (not the IP address: a clinic's tablets share one) after repeated failures.
AXES_FAILURE_LIMIT = env_int("OPENHAT_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("OPENHAT_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# A witness's or a station physician's password typed on a colleague's screen is not a sign-in:
# wrong ones are counted against the caller (the signed-in user, and their address), never against
# the person named, and past the limit the caller's checks pause for the rest of the window
# (clinics.second_person). The address limit is higher: a clinic's stations share one address.
OPENHAT_WITNESS_FAILURE_LIMIT = env_int("OPENHAT_WITNESS_FAILURE_LIMIT", 5, minimum=1, maximum=100)
OPENHAT_WITNESS_ADDRESS_FAILURE_LIMIT = env_int(
    "OPENHAT_WITNESS_ADDRESS_FAILURE_LIMIT", 20, minimum=1, maximum=1000
)
OPENHAT_WITNESS_FAILURE_MINUTES = env_int(
    "OPENHAT_WITNESS_FAILURE_MINUTES", 15, minimum=1, maximum=24 * 60
)

# JSON API requests per token (or signed-in user) and per address in each window; 0 turns a limit
# off. Counted in PostgreSQL, so the limits hold across every worker (core.ratelimit).
OPENHAT_API_RATE_WINDOW_SECONDS = env_int(
    "OPENHAT_API_RATE_WINDOW_SECONDS", 60, minimum=1, maximum=3600
)
OPENHAT_API_RATE_PER_TOKEN = env_int("OPENHAT_API_RATE_PER_TOKEN", 600, minimum=0)
OPENHAT_API_RATE_PER_ADDRESS = env_int("OPENHAT_API_RATE_PER_ADDRESS", 3000, minimum=0)

# The counsellor's start page lists consents ending (or ended) within this many days, and patients
# suspended or exited as recently (enrolment.casework).
OPENHAT_CONSENT_EXPIRY_WARNING_DAYS = env_int(
    "OPENHAT_CONSENT_EXPIRY_WARNING_DAYS", 30, minimum=1, maximum=365
)

# Counts shown outside the clinic's records (the researcher's figures) hide cells from 1 to this
# minimum - 1, and the cells that would reveal them (outcomes.suppression). Source: the CMS cell size
# suppression policy (no cell from 1 to 10 may be shown or derived from other cells).
OPENHAT_SMALL_CELL_MINIMUM = env_int("OPENHAT_SMALL_CELL_MINIMUM", 11, minimum=2, maximum=1000)

# The pilot planner (/planner/) holds no patient data and needs no clinical role: by default any
# signed-in user may use it; an installation serving advocates and councils may open it to everyone.
OPENHAT_PLANNER_PUBLIC = env_bool("OPENHAT_PLANNER_PUBLIC", False)
# Scenarios a visitor without an account may save per hour from one address (local: a person
# saves a few variants of their city; more from one address is a script filling the table).
OPENHAT_PLANNER_VISITOR_SAVES_PER_HOUR = env_int(
    "OPENHAT_PLANNER_VISITOR_SAVES_PER_HOUR", 30, minimum=0, maximum=10_000
)

# How long a staff invitation link works (staff.services.invite).
OPENHAT_INVITATION_DAYS = env_int("OPENHAT_INVITATION_DAYS", 7, minimum=1, maximum=60)
# A dosing session with no step for this long is listed on the board as left open (stale).
OPENHAT_STALE_SESSION_MINUTES = env_int(
    "OPENHAT_STALE_SESSION_MINUTES", 120, minimum=10, maximum=24 * 60
)

# Roles that must pass a TOTP second factor before they can do anything (docs/domain.md §2).
OPENHAT_SECOND_FACTOR_ROLES = env_list("OPENHAT_SECOND_FACTOR_ROLES", ("physician", "pharmacist"))
OTP_TOTP_ISSUER = env_str("OPENHAT_TOTP_ISSUER", "OpenHAT")

# Sessions end after inactivity: every request pushes the expiry forward.
SESSION_IDLE_MINUTES = env_int("OPENHAT_SESSION_IDLE_MINUTES", 15, minimum=1, maximum=12 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("OPENHAT_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("OPENHAT_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("OPENHAT_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("OPENHAT_BEHIND_PROXY", False) else None
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# An order ending within this many days is flagged on the chart and the clinic's order list
# (expired prescriptions are pharmacists' most common reason to refuse a dose).
OPENHAT_ORDER_EXPIRY_WARNING_DAYS = env_int(
    "OPENHAT_ORDER_EXPIRY_WARNING_DAYS", 3, minimum=1, maximum=60
)

# --- identity photos -----------------------------------------------------------------------------
OPENHAT_PHOTO_MAX_BYTES = env_int(
    "OPENHAT_PHOTO_MAX_BYTES", 2 * 1024 * 1024, minimum=10_000, maximum=20 * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = OPENHAT_PHOTO_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- i18n, time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project-wide stylesheet and script live outside any app.
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("OPENHAT_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}

# We lock by account on purpose (see AXES_LOCKOUT_PARAMETERS): locking by IP address would lock a
# whole clinic out, since its tablets share one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
