"""Settings of the platform, read from environment variables (documented in `.env.example`).

`SOLIDARITE_ENV` is `development` (default), `test` or `production`. Outside development the
secret key must be given: the platform refuses to start with the development key.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor as _WhiteNoiseCompressor

from solidarite.config.env import (
    env_bool,
    env_days,
    env_dotted_path,
    env_int,
    env_list,
    env_seconds,
    env_str,
    env_url,
    secret_keys,
)

# src/solidarite/config/settings.py -> the repository root is three levels above the package.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_DIR.parent.parent

ENVIRONMENTS = ("development", "test", "production")
DEVELOPMENT_SECRET_KEY = "dev-seulement-ne-jamais-utiliser-en-production"

SOLIDARITE_ENV = env_str("SOLIDARITE_ENV", "development")
if SOLIDARITE_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"SOLIDARITE_ENV={SOLIDARITE_ENV!r} inconnu : valeurs possibles {', '.join(ENVIRONMENTS)}."
    )

# The key, and the former ones after a routine change of it (DJANGO_SECRET_KEY_FALLBACKS): links already sent to
# patients, sessions, Idempotency-Key retries and the one-a-day rule still recognise them (env.secret_keys, ADR 0004).
SECRET_KEY, SECRET_KEY_FALLBACKS = secret_keys(SOLIDARITE_ENV == "production", DEVELOPMENT_SECRET_KEY)

DEBUG = env_bool("DJANGO_DEBUG", SOLIDARITE_ENV == "development")
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if SOLIDARITE_ENV != "production" else []
)

# --- Data ---------------------------------------------------------------------------------------
# The real open-data files (see ../shared/data/SOURCES.md). Checked when a command reads them,
# so that a missing folder gives a clear message there instead of breaking every page.
SOLIDARITE_DATA_DIR = Path(env_str("SOLIDARITE_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data")))
if not SOLIDARITE_DATA_DIR.is_absolute():
    SOLIDARITE_DATA_DIR = (REPO_ROOT / SOLIDARITE_DATA_DIR).resolve()

# --- Travel times ---------------------------------------------------------------------------------
# "vol_oiseau": offline estimate (great circle × detour ÷ speed, see territoire/travel.py);
# "osrm": an OSRM server's `table` service at SOLIDARITE_OSRM_URL.
SOLIDARITE_TRAVEL_PROVIDER = env_str("SOLIDARITE_TRAVEL_PROVIDER", "vol_oiseau")
if SOLIDARITE_TRAVEL_PROVIDER not in {"vol_oiseau", "osrm"}:
    raise ImproperlyConfigured(
        f"SOLIDARITE_TRAVEL_PROVIDER={SOLIDARITE_TRAVEL_PROVIDER!r} : valeurs possibles vol_oiseau, osrm."
    )
SOLIDARITE_OSRM_URL = env_url("SOLIDARITE_OSRM_URL", "http://127.0.0.1:5000")

# Map background tiles (Leaflet URL template). Default: the IGN Géoplateforme "Plan IGN" tiles, the
# State's own. Empty: no background (the zones are drawn all the same), e.g. offline or in tests.
SOLIDARITE_TUILES_URL = os.environ.get(
    "SOLIDARITE_TUILES_URL",
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
).strip()

# Messages in development go to files, never to the console (personal data): e-mails in <boîte d'envoi>/courriels.
SOLIDARITE_BOITE_ENVOI = Path(env_str("SOLIDARITE_BOITE_ENVOI", str(REPO_ROOT / "var" / "boite-envoi")))
EMAIL_BACKEND = env_dotted_path(
    "SOLIDARITE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if SOLIDARITE_ENV == "production"
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = SOLIDARITE_BOITE_ENVOI / "courriels"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, 1, 65535, "un numéro de port est attendu")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Solidarité territoriale <ne-pas-repondre@solidarite-territoriale.invalid>"
)

# SMS to patients: a class with `send(numero, texte)`: files in <boîte d'envoi>/sms in development; in production the
# default sends nothing (each SMS is recorded as failed).
SOLIDARITE_SMS_BACKEND = env_dotted_path(
    "SOLIDARITE_SMS_BACKEND",
    "solidarite.rdv.sms.UnconfiguredBackend"
    if SOLIDARITE_ENV == "production"
    else "solidarite.rdv.sms.FichierBackend",
)

# Brevo (solidarite.rdv.sms.BrevoBackend): the account's API key, the sender name shown on the phone
# (3 to 11 letters or digits, as operators require), and the API's address (a proxy's, if any).
SOLIDARITE_SMS_BREVO_CLE = env_str("SOLIDARITE_SMS_BREVO_CLE", "")
SOLIDARITE_SMS_EXPEDITEUR = env_str("SOLIDARITE_SMS_EXPEDITEUR", "MEDECIN")
SOLIDARITE_SMS_BREVO_URL = env_url(
    "SOLIDARITE_SMS_BREVO_URL", "https://api.brevo.com/v3/transactionalSMS/send"
)
if SOLIDARITE_SMS_BACKEND == "solidarite.rdv.sms.BrevoBackend" and not SOLIDARITE_SMS_BREVO_CLE:
    raise ImproperlyConfigured("SOLIDARITE_SMS_BREVO_CLE : la clé d'API Brevo est nécessaire pour les SMS.")
if not (
    3 <= len(SOLIDARITE_SMS_EXPEDITEUR) <= 11
    and SOLIDARITE_SMS_EXPEDITEUR.isascii()
    and SOLIDARITE_SMS_EXPEDITEUR.isalnum()
    and not SOLIDARITE_SMS_EXPEDITEUR.isdigit()
):
    raise ImproperlyConfigured(
        "SOLIDARITE_SMS_EXPEDITEUR : de 3 à 11 lettres ou chiffres, au moins une lettre, sans espace."
    )

# Reminders before an appointment, in hours (comma-separated), sent by `python -m solidarite worker`.
try:
    SOLIDARITE_RAPPELS_HEURES = sorted(
        {int(h) for h in env_str("SOLIDARITE_RAPPELS_HEURES", "48,2").split(",") if h.strip()}, reverse=True
    )
except ValueError:
    raise ImproperlyConfigured(
        "SOLIDARITE_RAPPELS_HEURES : des nombres d'heures séparés par des virgules."
    ) from None
if any(not 0 < h <= 24 * 14 for h in SOLIDARITE_RAPPELS_HEURES):
    raise ImproperlyConfigured("SOLIDARITE_RAPPELS_HEURES : chaque rappel entre 1 heure et 14 jours avant.")

# Requests per minute and per address on the patient pages and the API (0: no limit, e.g. behind a
# proxy that limits already). Counted in Django's cache: per process with the default local cache, shared
# by every worker with SOLIDARITE_CACHE_URL (Redis).
SOLIDARITE_LIMITE_RESERVATIONS = env_int(
    "SOLIDARITE_LIMITE_RESERVATIONS", 10, 0, 100_000, "un nombre entier de demandes par minute est attendu"
)
SOLIDARITE_LIMITE_RECHERCHES = env_int(
    "SOLIDARITE_LIMITE_RECHERCHES", 120, 0, 100_000, "un nombre entier de demandes par minute est attendu"
)
# Trusted reverse proxies in front of the platform (0: none). Behind N of them, the patient's address is the
# N-th from the right of X-Forwarded-For; without this setting every patient would share the proxy's address.
try:
    SOLIDARITE_MANDATAIRES = int(env_str("SOLIDARITE_MANDATAIRES", "0"))
except ValueError:
    raise ImproperlyConfigured(
        "SOLIDARITE_MANDATAIRES : un nombre de mandataires inverses (0, 1, 2…)."
    ) from None
if not 0 <= SOLIDARITE_MANDATAIRES <= 5:
    raise ImproperlyConfigured("SOLIDARITE_MANDATAIRES : entre 0 et 5 mandataires inverses.")
# A cache shared by the workers (redis://host:6379/0); empty: each process keeps its own, in memory.
SOLIDARITE_CACHE_URL = env_str("SOLIDARITE_CACHE_URL", "")
if SOLIDARITE_CACHE_URL and not SOLIDARITE_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("SOLIDARITE_CACHE_URL : une adresse Redis (redis://hôte:6379/0).")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SOLIDARITE_CACHE_URL,
            "KEY_PREFIX": "solidarite",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if SOLIDARITE_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# How long each process keeps what the patient search reads (seconds; 0: read the database every time). The
# active lieux (30 s: a new or closed lieu shows within that), the positions of every commune (600 s: the
# territory changes once a year, by load_territoire), and the next free slots of each lieu (3 s: another process's
# booking shows within that; the slot list and the booking itself always read the database). Decision 0013, point 4.
SOLIDARITE_LIEUX_TTL_S = env_seconds("SOLIDARITE_LIEUX_TTL_S", "30")
SOLIDARITE_COMMUNES_TTL_S = env_seconds("SOLIDARITE_COMMUNES_TTL_S", "600")
SOLIDARITE_PROCHAINS_TTL_S = env_seconds("SOLIDARITE_PROCHAINS_TTL_S", "3")
# How long each process keeps the spelling index of the commune names, with which a search that finds nothing
# proposes the nearest names (« mauriak » → Mauriac) and postcodes (seconds; 0: built again at each such search,
# under a second: bench/orthographe.py). 600 s as the positions above; `load_territoire` forgets it in its own process at once.
SOLIDARITE_ORTHOGRAPHE_TTL_S = env_seconds("SOLIDARITE_ORTHOGRAPHE_TTL_S", "600")
# How long the pilotage dashboard keeps its aggregates and rendered tables in Django's cache (seconds; 0: compute
# them on every request). 60 s: a new mission or realised day shows within a minute (decision 0018).
SOLIDARITE_PILOTAGE_TTL_S = env_seconds("SOLIDARITE_PILOTAGE_TTL_S", "60")

# The platform's public address, for the links in e-mails (personal calendar, missions).
SOLIDARITE_BASE_URL = env_str("SOLIDARITE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Django ---------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "solidarite.config.apps.AdminALaDemande",  # django.contrib.admin, its modules loaded with the URLs
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "dsfr",
    "widget_tweaks",  # not ours: django-dsfr's form field templates load it (and django-dsfr requires it)
    "solidarite.config",
    "solidarite.territoire",
    "solidarite.zonage",
    "solidarite.annuaire",
    "solidarite.planning",
    "solidarite.rdv",
    "solidarite.interop",
    "solidarite.indemnisation",
    # Last, so that interop's templates/ninja/swagger.html (French, accessible) replaces its own; listed at all so
    # that /api/v1/docs is served from django-ninja's static files rather than from a CDN.
    "ninja",
]

# No LocaleMiddleware: the platform speaks French only (LANGUAGE_CODE); negotiating among one language cost
# about 4 % of the processor time of an API request, and its Vary: Accept-Language header split caches.
# Django's usual list. Those of solidarite.config.middleware are Django's (and django-htmx's), which requests
# of the JSON API (/api/v1/) go around: they hold the state of the pages (session, CSRF, user, messages).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "solidarite.config.middleware.StaticFiles",  # /static/ by WhiteNoise (issue 18), its 405s: PageMethodRefusals
    "solidarite.config.middleware.CSPMiddleware",  # django-csp's: Content-Security-Policy (issue 18, 0008)
    "django.middleware.gzip.GZipMiddleware",
    "solidarite.config.middleware.RejectNulCharacters",
    "solidarite.config.middleware.RefuseRepeatedFields",  # « ?mois=a&mois=b » → French 400, not the last read
    "solidarite.config.middleware.RefuseOutOfRangeNumbers",  # OverflowError → French 400, not a 500
    "solidarite.config.middleware.RefuseMalformedAdminSelection",  # admin action on « abc » → 400, not a 500
    "solidarite.config.middleware.ApiRefusalsInJson",  # API: unknown address, method → French JSON
    "solidarite.config.middleware.ApiHeadAsGet",  # API: HEAD answered as GET (django-ninja routes GET alone)
    "solidarite.config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "solidarite.config.middleware.CsrfViewMiddleware",
    "solidarite.config.middleware.AuthenticationMiddleware",
    "solidarite.config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "solidarite.config.middleware.HtmxMiddleware",
    "solidarite.config.middleware.PageMethodRefusals",  # a page's 405: the French error page, Allow kept
]

ROOT_URLCONF = "solidarite.config.urls"
WSGI_APPLICATION = "solidarite.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "solidarite.config.espace.espace",  # a signed-in person's own pages, in the main menu
            ],
        },
    }
]

DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "solidarite.sqlite3"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError:
    raise ImproperlyConfigured(
        "DATABASE_URL : une adresse sqlite:///chemin ou postgres://utilisateur:mot-de-passe@hôte:5432/base."
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, waiting instead of failing; WAL lets readers run beside the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    # PostgreSQL: Django's backend, whose health check between requests needs no query (config/postgresql).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "solidarite.config.postgresql"
    # Parameters bound by the server, and psycopg prepares a query the fifth time a connection
    # runs it, so that PostgreSQL no longer plans it each time. Needs a direct connection (or a pooler that
    # keeps prepared statements, as PgBouncer ≥ 1.21 does): DATABASE_PREPARED_STATEMENTS=0 turns it off.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Leaflet's own files, as shipped by django-leaflet. Only its static folder is used: the app itself
# would pull in GeoDjango (GDAL), which the platform does not need.
_LEAFLET = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = [Path(next(iter(_LEAFLET.submodule_search_locations))) / "static"] if _LEAFLET else []
# Django's two finders, whose lists leave out the shipped files no page loads (config/statiques.py): not collected.
STATICFILES_FINDERS = [
    "solidarite.config.statiques.FileSystemFinder",
    "solidarite.config.statiques.AppDirectoriesFinder",
]

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- journaux (issue 18) ---
# Logs never carry secrets nor patient data: technical events and identifiers only (docs/decisions/0010). Every
# record is masked when it is created, whatever handler a deployment adds (config.journaux: links' tokens, e-mail
# addresses, phone numbers), by LOGGING_CONFIG.
LOGGING_CONFIG = "solidarite.config.journaux.configure"
SOLIDARITE_LOG_LEVEL = env_str("SOLIDARITE_LOG_LEVEL", "INFO").upper()
if SOLIDARITE_LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"SOLIDARITE_LOG_LEVEL={SOLIDARITE_LOG_LEVEL!r} : valeurs possibles DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )
# --- Production: HTTPS behind the proxy, static files (issue 18) ---------------------------------------
# TLS ends at the reverse proxy; the platform itself speaks plain HTTP. Behind trusted proxies
# (SOLIDARITE_MANDATAIRES > 0) the proxy's X-Forwarded-Proto says whether the patient used HTTPS: without it,
# every form would be refused by the CSRF check (an https:// Origin for an http:// request) and every page
# redirected to itself. Without proxies nobody may claim HTTPS with that header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SOLIDARITE_MANDATAIRES > 0 else None


def _origin(url: str, name: str) -> str:
    """scheme://host[:port] of an address, or a French ImproperlyConfigured."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"{name} : {url!r} n'est pas une origine (https://hôte ou https://hôte:port, sans chemin)."
        )
    return f"{parts.scheme}://{parts.netloc}"


# Forms posted from these origins pass the CSRF check even when the proxy does not pass on the Host header:
# the platform's public address, and the ones listed (comma-separated), e.g. a second domain name.
CSRF_TRUSTED_ORIGINS = [_origin(SOLIDARITE_BASE_URL, "SOLIDARITE_BASE_URL")] + [
    _origin(origin, "SOLIDARITE_ORIGINES_CSRF") for origin in env_list("SOLIDARITE_ORIGINES_CSRF", [])
]
CSRF_FAILURE_VIEW = "solidarite.config.views.csrf_failure"  # French, not Django's English page
_production = SOLIDARITE_ENV == "production"
# Plain HTTP is redirected to HTTPS in production, except /healthz (the load balancer's probe, on the inside).
SECURE_SSL_REDIRECT = env_bool("SOLIDARITE_REDIRECTION_HTTPS", _production)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Strict-Transport-Security: browsers refuse plain HTTP to this host for that many seconds (0: no header).
# Production defaults: one year, subdomains included, and the preload token (only a request to hstspreload.org
# for the registrable domain puts it on the browsers' list; without it the token does nothing).
try:
    SECURE_HSTS_SECONDS = int(env_str("SOLIDARITE_HSTS_SECONDES", "31536000" if _production else "0"))
except ValueError:
    raise ImproperlyConfigured(
        "SOLIDARITE_HSTS_SECONDES : un nombre de secondes (31536000 pour un an)."
    ) from None
if not 0 <= SECURE_HSTS_SECONDS <= 2 * 31536000:
    raise ImproperlyConfigured("SOLIDARITE_HSTS_SECONDES : entre 0 et 63072000 secondes (deux ans).")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SOLIDARITE_HSTS_SOUS_DOMAINES", _production)
SECURE_HSTS_PRELOAD = env_bool("SOLIDARITE_HSTS_PRECHARGEMENT", _production)
# Cookies only over HTTPS in production; the session's never readable by scripts.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _production
SESSION_COOKIE_HTTPONLY = True
# Patient pages carry personal links in their address: never sent to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Silenced checks, each with its reason (anything else fails `check --deploy --fail-level WARNING` in CI):
# - security.W003 looks for Django's CsrfViewMiddleware by name; the platform runs a subclass
#   (config.middleware.CsrfViewMiddleware: the JSON API goes around it). config/checks.py checks the classes
#   instead (solidarite.W003), and the secure CSRF cookie that W003 hid (solidarite.W004).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# Static files: collected by `python -m solidarite collectstatic --noinput` into SOLIDARITE_STATIC_DIR (var/static
# by default), then served by WhiteNoise from the platform itself, with or without a proxy in front: names with
# a hash of the content (cached for ten years, immutable), gzip and brotli copies made at collection time.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("SOLIDARITE_STATIC_DIR", str(REPO_ROOT / "var" / "static")))
if not STATIC_ROOT.is_absolute():
    STATIC_ROOT = (REPO_ROOT / STATIC_ROOT).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "solidarite.config.statiques.StatiquesCompressees"},  # hashed files compressed
}
# Not compressed at collection: source maps and notes nobody's page loads, and DSFR's 2,300 small SVG icons
# (a page fetches a few, of one or two kilobytes), which made collectstatic several times longer.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*_WhiteNoiseCompressor.SKIP_COMPRESS_EXTENSIONS, "map", "md", "svg")
# DSFR's SRI hashes are of its files as shipped, not of the collected CSS (url()s rewritten): served here, no CDN.
DSFR_USE_INTEGRITY_CHECKSUMS = False
# WhiteNoise reads the collected files once at start, in development too (`make demo` collects them first);
# `runserver` serves the source folders itself. Names without a hash (DEBUG) are cached a minute, uncompressed.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = False

# Logs never carry patient data: only technical events and identifiers (see docs/decisions).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": SOLIDARITE_LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Permissions (issue 18) ---
# The ARS's per-patient list of repeat no-shows (/rendez-vous/ars/absences/): nominative health data kept for a
# purpose the scheme's texts do not state. Off (404 with a French explanation) until the data controller has a
# legal basis for it (docs/decisions/0006-permissions.md).
SOLIDARITE_LISTE_ABSENCES = env_bool("SOLIDARITE_LISTE_ABSENCES", False)

# --- Politique de sécurité du contenu (CSP) (issue 18) ---
# django-csp writes the Content-Security-Policy header on every answer. Nothing inline: no <style>, no style="…",
# no <script> with code, no onclick (the pages' CSS and JS are static files), no eval. The map tiles come from the
# origin of SOLIDARITE_TUILES_URL (none when it is empty). See docs/decisions/0008-csp.md.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONE, SELF  # noqa: E402


def tile_origin(template: str) -> list[str]:
    """The CSP source of a Leaflet tile URL template: its scheme, host and port ('{s}.' becomes '*.')."""
    if not template:
        return []
    parts = urlsplit(template)
    host = parts.netloc.replace("{s}.", "*.", 1) if parts.netloc.startswith("{s}.") else parts.netloc
    if parts.scheme not in {"https", "http"} or not host or any(c in host for c in "{}@ ;,'\""):
        raise ImproperlyConfigured(
            f"SOLIDARITE_TUILES_URL={template!r} : une adresse http(s):// de tuiles est attendue, avec un nom d'hôte "
            "fixe (seul « {s}. » est admis au début du nom), ou rien pour une carte sans fond."
        )
    return [f"{parts.scheme}://{host}"]


# A first deployment may run the policy in report-only mode: the browser reports what it would block, in its
# console, and blocks nothing. Off by default: the policy is enforced.
SOLIDARITE_CSP_RAPPORT_SEULEMENT = env_bool("SOLIDARITE_CSP_RAPPORT_SEULEMENT", False)
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *tile_origin(SOLIDARITE_TUILES_URL)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
CONTENT_SECURITY_POLICY = None if SOLIDARITE_CSP_RAPPORT_SEULEMENT else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if SOLIDARITE_CSP_RAPPORT_SEULEMENT else None

# --- Données personnelles et conservation (issue 18) -----------------------------------------------
# How long each kind of patient data is kept, in days, read by the purge (`python -m solidarite purge`, and the
# daily task of the worker) AND by the page « Données personnelles », so that the page never disagrees with the
# code. Each duration with its source (docs/decisions/0009-donnees-personnelles.md).


# Appointments (identity, contact, reason), counted from the day of the appointment. CNIL, référentiel « gestion
# des cabinets médicaux et paramédicaux » (délibération n° 2020-081 du 18 juin 2020): appointment data is kept only
# as long as the appointment management needs it; no text fixes a number of days for a booking platform, so one
# year is the platform's choice, pending the DPO (it covers a disputed no-show or a complaint).
SOLIDARITE_CONSERVATION_RDV_JOURS = env_days("SOLIDARITE_CONSERVATION_RDV_JOURS", 365)
# Waitlist entries, counted from the end of the period asked for. No text: the platform's choice, pending the DPO
# (the entry has no use once its period is over; 90 days let the patient ask what happened).
SOLIDARITE_CONSERVATION_ATTENTE_JOURS = env_days("SOLIDARITE_CONSERVATION_ATTENTE_JOURS", 90)
# Messages sent to patients (the record of what was sent, when, on which channel; never their text), counted from
# the day they were due. No text: the platform's choice, pending the DPO. They also go with their appointment.
SOLIDARITE_CONSERVATION_MESSAGES_JOURS = env_days("SOLIDARITE_CONSERVATION_MESSAGES_JOURS", 180)
# The access log (AccesDonnees: who read or changed which patient's data, when). CNIL, recommandation relative aux
# mesures de journalisation (délibération n° 2021-122 du 14 octobre 2021): 6 months to 1 year in general, longer
# when justified. It must outlive the data it describes (a patient may ask who read their appointment after it
# was deleted): three years is the platform's choice, pending the DPO, and never shorter than the appointments'.
SOLIDARITE_CONSERVATION_ACCES_JOURS = env_days("SOLIDARITE_CONSERVATION_ACCES_JOURS", 3 * 365)
if SOLIDARITE_CONSERVATION_ACCES_JOURS < SOLIDARITE_CONSERVATION_RDV_JOURS:
    raise ImproperlyConfigured(
        "SOLIDARITE_CONSERVATION_ACCES_JOURS doit être au moins égal à SOLIDARITE_CONSERVATION_RDV_JOURS : "
        "le journal des accès survit aux données qu'il décrit."
    )
# The daily purge is queued by the worker once a day, from this hour (local time, 0 to 23).
SOLIDARITE_PURGE_HEURE = env_int("SOLIDARITE_PURGE_HEURE", 3, 0, 23, "une heure entière est attendue")
# Rows deleted per transaction by the purge.
SOLIDARITE_PURGE_LOT = env_int(
    "SOLIDARITE_PURGE_LOT", 500, 1, 100_000, "un nombre entier de lignes est attendu"
)
# Minutes after which a task RUNNING under a worker not seen for as long was left by a dead one (config/reprise.py).
SOLIDARITE_TACHE_ABANDONNEE_MINUTES = env_int(
    "SOLIDARITE_TACHE_ABANDONNEE_MINUTES", 15, 2, 24 * 60, "un nombre entier de minutes est attendu"
)

# Who publishes the platform and who answers for its data (pages « Mentions légales », « Données personnelles »).
A_COMPLETER = "(à compléter)"
SOLIDARITE_EDITEUR_NOM = env_str("SOLIDARITE_EDITEUR_NOM", f"Éditeur de la plateforme {A_COMPLETER}")
SOLIDARITE_EDITEUR_ADRESSE = env_str(
    "SOLIDARITE_EDITEUR_ADRESSE", f"Adresse postale de l'éditeur {A_COMPLETER}"
)
SOLIDARITE_DIRECTEUR_PUBLICATION = env_str(
    "SOLIDARITE_DIRECTEUR_PUBLICATION", f"Directeur ou directrice de la publication {A_COMPLETER}"
)
SOLIDARITE_HEBERGEUR = env_str("SOLIDARITE_HEBERGEUR", f"Hébergeur certifié HDS {A_COMPLETER}")
SOLIDARITE_HEBERGEUR_ADRESSE = env_str(
    "SOLIDARITE_HEBERGEUR_ADRESSE", f"Adresse de l'hébergeur {A_COMPLETER}"
)
SOLIDARITE_DPO_ADRESSE = env_str(
    "SOLIDARITE_DPO_ADRESSE", f"Adresse du délégué à la protection des données {A_COMPLETER}"
)
SOLIDARITE_DPO_COURRIEL = env_str("SOLIDARITE_DPO_COURRIEL", "")
if SOLIDARITE_DPO_COURRIEL and "@" not in SOLIDARITE_DPO_COURRIEL:
    raise ImproperlyConfigured(
        f"SOLIDARITE_DPO_COURRIEL={SOLIDARITE_DPO_COURRIEL!r} : une adresse électronique."
    )
# The result of axe-core over the public pages, written by `python -m solidarite audit_accessibilite` and shown on
# the page « Déclaration d'accessibilité ».
SOLIDARITE_AUDIT_ACCESSIBILITE = Path(
    env_str("SOLIDARITE_AUDIT_ACCESSIBILITE", str(REPO_ROOT / "docs" / "accessibilite" / "axe.json"))
)

# Background tasks (django-tasks, database backend): the messages, the purge, planning solves, statement runs.
# Run by `python -m solidarite worker`, one thread per queue: "messages" has its own, so a long task on "default"
# never delays a reminder (docs/decisions/0011-taches-de-fond.md).
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "messages"]}}

# --- Identités : OpenID Connect, connexion de développement, sessions (issue 18) ---------------------
# Three OpenID Connect providers, each off until its issuer is given (discovery at
# <issuer>/.well-known/openid-configuration): Pro Santé Connect (volunteer doctors, lieu référents),
# ProConnect (ARS agents, ministry), FranceConnect (patients, optional). See docs/decisions/0005-identites.md.
# Per provider: the prefix of its variables, its default scopes and the acr_values the authorisation asks for.
OIDC_PROVIDERS = {
    "psc": ("SOLIDARITE_PSC", "openid scope_all", "eidas1"),
    "proconnect": ("SOLIDARITE_PROCONNECT", "openid email given_name usual_name uid", ""),
    "franceconnect": ("SOLIDARITE_FRANCECONNECT", "openid", "eidas1"),
}
SOLIDARITE_OIDC: dict[str, dict[str, str]] = {}
for _name, (_prefix, _scopes, _acr) in OIDC_PROVIDERS.items():
    _issuer = env_str(f"{_prefix}_ISSUER", "").rstrip("/")
    if not _issuer:
        continue
    _local = _issuer.startswith(("http://127.0.0.1", "http://localhost"))
    if not (_issuer.startswith("https://") or (_local and SOLIDARITE_ENV != "production")):
        raise ImproperlyConfigured(
            f"{_prefix}_ISSUER doit commencer par https:// (http:// seulement vers 127.0.0.1 hors production)."
        )
    _provider = {
        "issuer": _issuer,
        "client_id": env_str(f"{_prefix}_CLIENT_ID", ""),
        "client_secret": env_str(f"{_prefix}_CLIENT_SECRET", ""),
        "scopes": env_str(f"{_prefix}_SCOPES", _scopes),
        "acr_values": os.environ.get(f"{_prefix}_ACR_VALUES", _acr).strip(),
    }
    if not _provider["client_id"] or not _provider["client_secret"]:
        raise ImproperlyConfigured(
            f"{_prefix}_ISSUER est donné : {_prefix}_CLIENT_ID et {_prefix}_CLIENT_SECRET le sont aussi."
        )
    if "openid" not in _provider["scopes"].split():
        raise ImproperlyConfigured(f"{_prefix}_SCOPES doit contenir openid.")
    SOLIDARITE_OIDC[_name] = _provider

# Development login: a single-use link printed on the console. On by default in development only; refused in
# production whatever the environment says.
SOLIDARITE_CONNEXION_DEV = env_bool("SOLIDARITE_CONNEXION_DEV", SOLIDARITE_ENV == "development")
if SOLIDARITE_CONNEXION_DEV and SOLIDARITE_ENV == "production":
    raise ImproperlyConfigured(
        "SOLIDARITE_CONNEXION_DEV ne peut pas être activée en production : utilisez Pro Santé Connect ou ProConnect."
    )

# Chromium for `python -m solidarite audit_accessibilite` (axe-core in a real browser) and the browser tests.
SOLIDARITE_CHROMIUM = env_str("SOLIDARITE_CHROMIUM", "/usr/bin/chromium")

# Sessions of professionals: absolute lifetime (hours) and idle timeout (minutes).
try:
    SOLIDARITE_SESSION_PRO_HEURES = int(env_str("SOLIDARITE_SESSION_PRO_HEURES", "12"))
    SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES = int(
        env_str("SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES", "60")
    )
except ValueError:
    raise ImproperlyConfigured(
        "SOLIDARITE_SESSION_PRO_HEURES et SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES : des nombres entiers."
    ) from None
if not 1 <= SOLIDARITE_SESSION_PRO_HEURES <= 24:
    raise ImproperlyConfigured("SOLIDARITE_SESSION_PRO_HEURES : entre 1 et 24 heures.")
if not 5 <= SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES <= 60 * SOLIDARITE_SESSION_PRO_HEURES:
    raise ImproperlyConfigured(
        "SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES : au moins 5 minutes, au plus la durée de la session."
    )
# authlib writes the PKCE verifier at DEBUG (sync_app.py): its loggers stay at WARNING whatever the level.
LOGGING["loggers"]["authlib"] = {"level": "WARNING"}
LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/"
INSTALLED_APPS.append("solidarite.connexion")
INSTALLED_APPS.append("solidarite.continuite")  # issue 20: continuity of care (above connexion)
INSTALLED_APPS.append("solidarite.pilotage")  # issue 24: reads every context, read-only
# After the messages (it leaves one), before the views: a refused professional session ends at once.
MIDDLEWARE.insert(
    MIDDLEWARE.index("solidarite.config.middleware.MessageMiddleware") + 1,
    "solidarite.connexion.middleware.ProfessionalSessions",
)
