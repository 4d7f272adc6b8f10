"""Komeji settings: one module, configured by environment variables (see .env.example).

Defaults serve local development and the demo. With DJANGO_DEBUG off (the default), Komeji refuses
to start without DJANGO_SECRET_KEY, and the HTTPS settings come from the environment.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-komeji-development-only-never-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Komeji refuses to start with DJANGO_DEBUG off "
            "and no secret key (see .env.example)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
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
    "django.contrib.postgres",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django_htmx",
    "allauth",
    "allauth.account",
    "komeji.common",
    "komeji.accounts",
    "marketplace",
    "vendors",
    "orders",
    "payments",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "komeji.common.middleware.ChosenLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "komeji.urls"
WSGI_APPLICATION = "komeji.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "komeji.common.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/komeji"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker (db 0) and cache (db 1) ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379").rstrip("/")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"{REDIS_URL}/0")
CACHE_URL = env.str("CACHE_URL", default=f"{REDIS_URL}/1")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="komeji"),
    }
}

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "komeji.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "komeji.accounts.forms.SignupExtraForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Komeji] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's rate limits are on by default; stated here so they are visible and tunable. Five failed
# logins for one e-mail within 5 minutes lock that e-mail out; the admin login goes through the
# same form (komeji/urls.py).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "change_phone": "1/m/user",
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Media on S3-compatible storage (several app servers share it). Credentials come from the
    # standard AWS_* variables read by boto3.
    _media_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            # Product photos and thumbnails never change under a name: cache them long.
            "object_parameters": {"CacheControl": "public, max-age=2592000"},
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Sellers' legal documents (KTP, selfie, business photo): a storage of their own that is never
# served publicly. Files are encrypted by vendors/documents.py before they reach it, and read back
# only through the moderators' view.
KOMEJI_DOCUMENTS_BUCKET = env.str("KOMEJI_DOCUMENTS_BUCKET", default="")
if KOMEJI_DOCUMENTS_BUCKET:
    _documents_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": KOMEJI_DOCUMENTS_BUCKET,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _documents_storage = {
        "BACKEND": "vendors.documents.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": env.path(
                "KOMEJI_DOCUMENTS_ROOT", default=str(BASE_DIR / "private" / "documents")
            ),
        },
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": _static_backend},
    "documents": _documents_storage,
}
# Fernet keys (comma-separated; the first encrypts, all decrypt, so a key can be rotated).
# Generate one with:
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
KOMEJI_DOCUMENT_KEYS = env.list("KOMEJI_DOCUMENT_KEYS", default=[])
if not KOMEJI_DOCUMENT_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KOMEJI_DOCUMENT_KEYS is not set. Komeji refuses to store sellers' legal documents "
            "without an encryption key (see .env.example)."
        )
    # Development only: a key derived from the (development) secret key.
    import base64
    import hashlib

    KOMEJI_DOCUMENT_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"documents:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]

# --- E-mail -------------------------------------------------------------------------------------
# EMAIL_URL examples: consolemail://, smtp+tls://user:password@smtp.example.id:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Komeji <noreply@komeji.id>")
SERVER_EMAIL = env.str("DJANGO_SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = 20

# --- Security (production) ----------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Gateway notifications must never be redirected (PAYMENTS.md).
SECURE_REDIRECT_EXEMPT = [r"^pembayaran/notifikasi/$", r"^health/$"]

# --- Celery -------------------------------------------------------------------------------------
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="komeji")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# acks_late + a visibility timeout longer than any task: an unacknowledged task is redelivered.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE = {
    "notifications-redeliver-stale": {
        "task": "komeji.common.tasks.notifications_redeliver_stale",
        "schedule": crontab(minute="*/5"),
    },
    # Every morning: warn shops 30 days before a certificate expires, hide products whose
    # required certificate has expired.
    "product-images-requeue-missing-thumbnails": {
        "task": "marketplace.tasks.product_images_requeue_missing_thumbnails",
        "schedule": crontab(minute="*/15"),
    },
    "import-files-purge": {
        "task": "marketplace.tasks.import_files_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    "orders-run-timers": {
        "task": "orders.tasks.orders_run_timers",
        "schedule": crontab(minute="*"),
    },
    "carts-purge-anonymous": {
        "task": "orders.tasks.carts_purge_anonymous",
        "schedule": crontab(hour=4, minute=10),
    },
    # Just after midnight: a certificate is valid through its last day.
    "certificates-check-expiry": {
        "task": "marketplace.tasks.certificates_check_expiry",
        "schedule": crontab(hour=0, minute=5),
    },
    "payments-reconciliation-run": {
        "task": "payments.tasks_refunds.reconciliation_run",
        "schedule": crontab(hour=2, minute=30),
    },
    "payments-refunds-retry": {
        "task": "payments.tasks_refunds.refunds_retry",
        "schedule": crontab(minute="*/10"),
    },
    "payouts-run-weekly": {
        "task": "payments.tasks_payouts.payouts_run_weekly",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
}

# --- Komeji -------------------------------------------------------------------------------------
KOMEJI_SITE_NAME = "Komeji"
# Absolute links in e-mails and notifications (no trailing slash).
KOMEJI_BASE_URL = env.str("KOMEJI_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Published complaint-service contact (PP 80/2019 on e-commerce: contact, procedure, time frame).
KOMEJI_COMPLAINT_EMAIL = env.str("KOMEJI_COMPLAINT_EMAIL", default="pengaduan@komeji.id")
KOMEJI_COMPLAINT_PHONE = env.str("KOMEJI_COMPLAINT_PHONE", default="+62 31 829 4608")
KOMEJI_COMPLAINT_WHATSAPP = env.str("KOMEJI_COMPLAINT_WHATSAPP", default="+62 811 3000 242")
KOMEJI_COMPLAINT_ADDRESS = env.str(
    "KOMEJI_COMPLAINT_ADDRESS",
    default="Dinas Kominfo Provinsi Jawa Timur, Jl. Ahmad Yani 242-244, Surabaya 60235",
)
KOMEJI_COMPLAINT_RESPONSE_WORKING_DAYS = 3
# What a shop must provide before it can be submitted for verification. Items: nik, ktp, selfie,
# nib, npwp, business_photo. NIB is recommended by default and earns a badge once verified.
KOMEJI_VERIFICATION_REQUIRED = env.list(
    "KOMEJI_VERIFICATION_REQUIRED", default=["nik", "ktp", "selfie"]
)
_unknown_requirements = set(KOMEJI_VERIFICATION_REQUIRED) - {
    "nik",
    "ktp",
    "selfie",
    "nib",
    "npwp",
    "business_photo",
}
if _unknown_requirements:
    raise ImproperlyConfigured(
        f"KOMEJI_VERIFICATION_REQUIRED has unknown items: {sorted(_unknown_requirements)}. "
        "Use nik, ktp, selfie, nib, npwp, business_photo."
    )
# Payouts wait this long after a change of a shop's bank account (a hijacked account cannot cash out
# before the owner, notified by e-mail, can react).
KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS = 24
# Days an invitation to join or take over a shop stays valid.
KOMEJI_INVITATION_DAYS = 7
# Online Single Submission, where a business without an NIB registers (Permendag 31/2023).
KOMEJI_OSS_URL = "https://oss.go.id"
# A notification e-mail still "sending" after this many minutes is presumed lost and retried.
KOMEJI_EMAIL_STALE_MINUTES = 15

# --- Orders: timers (DESIGN.md "Orders") --------------------------------------------------------
KOMEJI_PAYMENT_HOURS = env.int("KOMEJI_PAYMENT_HOURS", default=24)
KOMEJI_ACCEPT_HOURS = env.int("KOMEJI_ACCEPT_HOURS", default=24)
KOMEJI_SHIP_WORKING_DAYS = env.int("KOMEJI_SHIP_WORKING_DAYS", default=2)
# No courier API yet: a shipped order nobody marks delivered counts as delivered after this.
KOMEJI_DELIVERY_DAYS = env.int("KOMEJI_DELIVERY_DAYS", default=7)
KOMEJI_COMPLAINT_WINDOW_WORKING_DAYS = env.int("KOMEJI_COMPLAINT_WINDOW_WORKING_DAYS", default=2)
KOMEJI_COMPLAINT_WINDOW_EXTENSION_DAYS = env.int(
    "KOMEJI_COMPLAINT_WINDOW_EXTENSION_DAYS", default=3
)
# Rows one run of a timer job handles; the next run (every minute) takes the rest.
KOMEJI_TIMER_BATCH = 200

# --- Payments (DESIGN.md "Payments and escrow", ../PAYMENTS.md) ----------------------------------
# The gateways buyers may choose, in the order shown: sandbox (the demo's built-in payment page),
# midtrans (Snap), transfer (manual bank transfer with a unique code).
KOMEJI_PAYMENT_PROVIDERS = env.list("KOMEJI_PAYMENT_PROVIDERS", default=["sandbox"])
# Hours a payment attempt stays open, per gateway (never past the order's own payment time,
# KOMEJI_PAYMENT_HOURS); a gateway missing here gets KOMEJI_PAYMENT_HOURS. Override with
# KOMEJI_PAYMENT_EXPIRY_HOURS="transfer=24;sandbox=24;midtrans=24".
KOMEJI_PAYMENT_EXPIRY_HOURS: dict[str, int] = env.dict(
    "KOMEJI_PAYMENT_EXPIRY_HOURS",
    cast={"value": int},
    default={"transfer": 24, "sandbox": 24, "midtrans": 24},
)
# The platform's bank account that receives manual transfers (the "transfer" gateway).
KOMEJI_TRANSFER_BANK_NAME = env.str("KOMEJI_TRANSFER_BANK_NAME", default="Bank Jatim")
KOMEJI_TRANSFER_ACCOUNT_NUMBER = env.str("KOMEJI_TRANSFER_ACCOUNT_NUMBER", default="0011223344")
KOMEJI_TRANSFER_ACCOUNT_HOLDER = env.str(
    "KOMEJI_TRANSFER_ACCOUNT_HOLDER", default="Komeji (demo account)"
)
# The sandbox signs its notifications like Midtrans, with this key (not a secret: demo only).
KOMEJI_SANDBOX_SERVER_KEY = env.str("KOMEJI_SANDBOX_SERVER_KEY", default="SB-Komeji-sandbox")
MIDTRANS_SERVER_KEY = env.str("MIDTRANS_SERVER_KEY", default="")
MIDTRANS_IS_PRODUCTION = env.bool("MIDTRANS_IS_PRODUCTION", default=False)
# Overridable for the tests' local Midtrans-protocol server.
MIDTRANS_SNAP_URL = env.str(
    "MIDTRANS_SNAP_URL",
    default="https://app.midtrans.com"
    if MIDTRANS_IS_PRODUCTION
    else "https://app.sandbox.midtrans.com",
)
MIDTRANS_API_URL = env.str(
    "MIDTRANS_API_URL",
    default="https://api.midtrans.com"
    if MIDTRANS_IS_PRODUCTION
    else "https://api.sandbox.midtrans.com",
)
if "midtrans" in KOMEJI_PAYMENT_PROVIDERS and not MIDTRANS_SERVER_KEY:
    raise ImproperlyConfigured(
        "KOMEJI_PAYMENT_PROVIDERS has midtrans but MIDTRANS_SERVER_KEY is empty."
    )
if (
    "sandbox" in KOMEJI_PAYMENT_PROVIDERS
    and not DEBUG
    and not env.bool("KOMEJI_SANDBOX_IN_PRODUCTION", default=False)
):
    # A sandbox payment marks orders paid without money: never on a real site by accident.
    KOMEJI_PAYMENT_PROVIDERS = [p for p in KOMEJI_PAYMENT_PROVIDERS if p != "sandbox"]
# Commission on the goods of a completed order, in basis points (500 = 5 %), when neither the
# shop (admin override) nor the product's category sets one (payments.services.commission).
KOMEJI_DEFAULT_COMMISSION_BP = env.int("KOMEJI_DEFAULT_COMMISSION_BP", default=500)
if not 0 <= KOMEJI_DEFAULT_COMMISSION_BP <= 10_000:
    raise ImproperlyConfigured("KOMEJI_DEFAULT_COMMISSION_BP must be between 0 and 10000.")
# Who bears the gateway's fee: the platform (out of its revenue; shops and communities get their
# shares of the full amount the buyer paid). The only choice so far.
KOMEJI_GATEWAY_FEE_BORNE_BY = env.str("KOMEJI_GATEWAY_FEE_BORNE_BY", default="platform")
if KOMEJI_GATEWAY_FEE_BORNE_BY != "platform":
    raise ImproperlyConfigured("KOMEJI_GATEWAY_FEE_BORNE_BY: only 'platform' is supported.")
# A shop or community is paid out once it is owed at least this much (whole rupiah); less waits
# for a later run (payments.services.payouts).
KOMEJI_PAYOUT_MINIMUM = env.int("KOMEJI_PAYOUT_MINIMUM", default=50_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
